/**
 * Taking the user out of a room, through a real Prosody and a real client: the plugin's
 * `session.removeRoom` (the legacy network kicked the user) and the user's own XEP-0077
 * `<remove/>`. Both end with the 307 self-presence and the room gone from the store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBedWithAlice } from "../helpers/e2e.js";
import { conditionOf } from "../helpers/stanzas.js";
import { type TestUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const DOMAIN = "rm.localhost";
const USER = "alice@localhost";
const room = (id: string) => ({ id, participants: [{ nick: "bob", contact: "bob-id" }], history: [{ id: `${id}-h1`, from: "bob", body: "old news", at: "2026-11-20T10:01:00Z" }] });
const fixture = { users: [USER], rooms: [room("kicked"), room("left")] };

type Received = TestUser["received"][number];

/** What the test reads of a 307 self-presence: qualified names, the item, the reason, the codes. */
function removedShape(s: Received) {
  const x = s.getChild("x", `${MUC}#user`);
  const item = x?.getChild("item", `${MUC}#user`);
  return {
    stanza: `${s.name} ${s.attrs.type}`,
    x: x?.attrs.xmlns,
    item: item && { affiliation: item.attrs.affiliation, role: item.attrs.role, jid: item.attrs.jid },
    reason: item?.getChildText("reason", `${MUC}#user`),
    codes: x?.getChildren("status", `${MUC}#user`).map((c: Received) => c.attrs.code),
  };
}

describe("taking the user out of a room, through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startBedWithAlice>>;
  let alice: TestUser;
  beforeAll(async () => {
    bed = await startBedWithAlice(fixture, { domain: DOMAIN });
    alice = bed.alice;
  });
  afterAll(() => bed?.stop());

  const join = async (id: string) => {
    await alice.send(xml("presence", { to: `${id}@${DOMAIN}/alice` }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.attrs.from?.startsWith(`${id}@`) && s.getChild("subject", "jabber:client") !== undefined);
    alice.clear();
  };
  const answer = async (id: string) => (await alice.waitFor((s) => s.attrs.id === id))[0]!;
  const fromRoom = (id: string) => alice.received.filter((s) => s.attrs.from?.startsWith(`${id}@`));

  it("the legacy network kicked the user: 307 self-presence with the reason, and the room's rows are gone", async () => {
    await join("kicked");
    const jid = `kicked@${DOMAIN}`;
    expect((await bed.gateway.store.queryArchive({ user: USER, room: jid })).count).toBeGreaterThan(0);
    const session = (await bed.gateway.sessions.get(USER))!;
    await session.removeRoom("kicked", { reason: "Removed by bob" });
    const [presence] = await alice.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.from === `${jid}/alice`);
    expect(removedShape(presence!)).toEqual({
      stanza: "presence unavailable",
      x: `${MUC}#user`,
      item: { affiliation: "member", role: "none", jid: alice.jid },
      reason: "Removed by bob",
      codes: ["100", "110", "307"],
    });
    expect(await bed.gateway.store.getRoom(USER, jid)).toBeUndefined();
    expect((await bed.gateway.store.queryArchive({ user: USER, room: jid })).count).toBe(0);
    // Self-ping, as clients do after a 307: the resource is no longer in the (new, empty) room.
    await alice.send(xml("iq", { to: `${jid}/alice`, type: "get", id: "self-ping" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    expect(conditionOf(await answer("self-ping"))).toBe("not-acceptable");
    expect(bed.errors).toEqual([]);
  });

  it("XEP-0077 <remove/>: onLeaveGroup, the iq result, then the 307 self-presence; a get is feature-not-implemented", async () => {
    await join("left");
    const jid = `left@${DOMAIN}`;
    await alice.send(xml("iq", { to: jid, type: "get", id: "ibr-form" }, xml("query", { xmlns: "jabber:iq:register" })));
    expect(conditionOf(await answer("ibr-form"))).toBe("feature-not-implemented");
    alice.clear();
    await alice.send(xml("iq", { to: jid, type: "set", id: "leave" }, xml("query", { xmlns: "jabber:iq:register" }, xml("remove"))));
    await alice.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.from === `${jid}/alice`);
    expect(fromRoom("left").map((s) => `${s.name}/${s.attrs.type}/${s.attrs.id ?? ""}`)).toEqual(["iq/result/leave", "presence/unavailable/"]);
    expect(removedShape(fromRoom("left")[1]!)).toMatchObject({
      stanza: "presence unavailable",
      reason: "You left this chat from an XMPP client.",
      codes: ["100", "110", "307"],
    });
    expect(await bed.gateway.store.getRoom(USER, jid)).toBeUndefined();
    // The fixture network no longer lists the room for alice: a rejoin is refused, a second <remove/> too.
    await alice.send(xml("presence", { to: `${jid}/alice`, id: "rejoin" }, xml("x", { xmlns: MUC })));
    expect(conditionOf(await answer("rejoin"))).toBe("item-not-found");
    expect(await bed.gateway.store.getRoom(USER, jid)).toBeUndefined();
  });
});
