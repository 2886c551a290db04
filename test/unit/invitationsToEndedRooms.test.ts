/**
 * An invitation (XEP-0045 §7.8.2 mediated, XEP-0249 direct) that reaches a room which ends at that
 * moment is answered like any other stanza to an ended room: the room is looked up again, so
 * the plugin's `createRoom` refuses it (`item-not-found`, from the room) or brings it back. Before,
 * the invitation was queued in the ended actor's mailbox and never answered.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import type { FixtureSession } from "../../src/demo/fixtureNetwork.js";
import { ALICE, DOMAIN, fixtureHarness, joined, lobbyFixture, summary } from "../helpers/harness.js";

const ROOM = `lobby@${DOMAIN}`;
const CONTACT = `dave-id@${DOMAIN}`;

const mediated = () =>
  xml("message", { from: `${ALICE}/phone`, to: ROOM, id: "inv-m" }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { to: CONTACT }, xml("reason", {}, "join us"))));
const direct = () => xml("message", { from: `${ALICE}/phone`, to: CONTACT, id: "inv-d" }, xml("x", { xmlns: "jabber:x:conference", jid: ROOM, reason: "join us" }));

/** A joined lobby whose plugin records invitations, and a function that ends it from the legacy side. */
async function lobby() {
  const h = fixtureHarness(lobbyFixture());
  const actor = await joined(h, "lobby");
  const session = (await h.sessions.get(ALICE)) as FixtureSession;
  const invited: string[] = [];
  session.onInvitation = async (contact) => void invited.push(contact);
  /** The legacy network drops the user from the room; the room ends a microtask later. */
  const endFromLegacySide = () => {
    session.gone.add("lobby");
    return session.removeRoom("lobby", { kick: false });
  };
  return { h, actor, invited, endFromLegacySide };
}

describe("an invitation to a room that just ended", () => {
  for (const [kind, stanza, from] of [
    ["mediated (XEP-0045 §7.8.2)", mediated, ROOM],
    ["direct (XEP-0249)", direct, CONTACT],
  ] as const) {
    it(`a ${kind} invitation routed as the room ends gets item-not-found, and the plugin never sees it`, async () => {
      const { h, actor, invited, endFromLegacySide } = await lobby();
      const removal = endFromLegacySide();
      h.route(stanza());
      await removal;
      await h.until(() => h.sent.some((s) => s.attrs.type === "error"), 2000).catch(() => undefined);
      expect(actor.snapshot.status).toBe("done");
      expect(invited).toEqual([]);
      expect(h.take().map(summary)).toEqual([`message/error ${from} -> ${ALICE}/phone error=item-not-found`]);
    });
  }

  it("an invitation to a room that ended and that the legacy network lists again reaches the plugin", async () => {
    const { h, invited, endFromLegacySide } = await lobby();
    const removal = endFromLegacySide();
    h.route(mediated());
    await removal;
    await h.until(() => invited.length > 0 || h.sent.some((s) => s.attrs.type === "error"), 2000).catch(() => undefined);
    expect(h.sent.filter((s) => s.attrs.type === "error").map(summary)).toEqual([`message/error ${ROOM} -> ${ALICE}/phone error=item-not-found`]);
    // Listed again: the next invitation creates the room anew and reaches onInvitation.
    ((await h.sessions.get(ALICE)) as FixtureSession).gone.delete("lobby");
    h.route(mediated());
    await h.until(() => invited.length > 0);
    expect(invited).toEqual(["dave-id"]);
  });
});
