/**
 * The registry's shutdown, in process: a request handler still running after the grace period
 * has its AbortSignal fired, and what arrives afterwards is refused.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, iq, joinPresence } from "../helpers/harness.js";

describe("shutdown", () => {
  it("refuses what arrives during the grace period, then fires the AbortSignal of the request still running and answers it remote-server-timeout", async () => {
    const h = fixtureHarness({ users: [ALICE], rooms: [{ id: "r0" }] });
    h.route(joinPresence("r0", "alice"));
    await h.settle(20);
    const room = h.registry.peek(ALICE, `r0@${DOMAIN}`)!;
    let signal: AbortSignal | undefined;
    const stanza = iq("set", `r0@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }), "hangs");
    room.request(stanza, "setConfig", async (_room, cancel) => {
      signal = cancel.signal;
      return new Promise(() => {});
    });
    await h.settle(20);
    h.take();
    const stopping = h.registry.shutdown(50);
    h.route(iq("get", `r0@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "late"));
    const tally = await stopping;
    expect(signal?.aborted).toBe(true);
    expect(tally).toEqual({ refused: 0, abandoned: 1 });
    expect(h.take().map((s) => `${s.name} ${s.attrs.id ?? ""} ${conditionOf(s) ?? s.getChild("x", "http://jabber.org/protocol/muc#user")?.getChildren("status").map((c) => c.attrs.code)}`)).toEqual([
      "iq late service-unavailable",
      "iq hangs remote-server-timeout",
      "presence  110,332",
    ]);
  });
});
