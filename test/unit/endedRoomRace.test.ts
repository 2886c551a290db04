/**
 * A stanza that waited for its room while the room ended (the user left the group with XEP-0077
 * `<remove/>`) goes to a new activation, which answers it. Without this the router handed it to the
 * ended actor, which never answered: a muc#owner get after a mediated invitation and a `<remove/>`,
 * all three the user's first stanzas, got no answer at all (found by `npm run fuzz`, seed 529896640).
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { ALICE, DOMAIN, fixtureHarness, lobbyFixture, summary } from "../helpers/harness.js";

const ROOM = `lobby@${DOMAIN}`;
const FROM = `${ALICE}/phone`;

describe("a room that ends while stanzas wait for it", () => {
  it("answers the read that waited behind the removal: item-not-found, once", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(xml("message", { from: FROM, to: ROOM }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { to: `bob-legacy-id@${DOMAIN}` }))));
    h.route(xml("iq", { from: FROM, to: ROOM, type: "set", id: "leave" }, xml("query", { xmlns: "jabber:iq:register" }, xml("remove"))));
    h.route(xml("iq", { from: FROM, to: ROOM, type: "get", id: "config" }, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" })));
    await h.until(() => h.sent.some((s) => s.attrs.id === "config"));
    await h.settle(20);
    const out = h.take();
    expect(out.filter((s) => s.attrs.id === "config").map(summary)).toEqual([`iq/error ${ROOM} -> ${FROM} error=item-not-found`]);
    expect(out.filter((s) => s.attrs.id === "leave").map(summary)).toEqual([`iq/result ${ROOM} -> ${FROM}`]);
    expect(h.errors).toEqual([]);
  });
});
