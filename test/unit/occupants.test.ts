import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, iq, joinPresence, joined, lobbyFixture, summary } from "../helpers/harness.js";

const ROOM = `lobby@${DOMAIN}`;
const MUC_USER = "http://jabber.org/protocol/muc#user";
const item = (s: { getChild: (n: string, ns?: string) => any }) => s.getChild("x", MUC_USER)!.getChild("item")!.attrs;

describe("occupants", () => {
  it("a rename sends 303 from the old nick with the new one, then a presence from the new nick, to every resource", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby", ["phone", "laptop"]);
    const bob = await actor.room.getParticipant("bob");
    const occupantId = bob.occupantId;
    bob.rename("robert");
    const out = h.take();
    expect(out.map(summary)).toEqual([
      `presence/unavailable ${ROOM}/bob -> ${ALICE}/phone [303]`,
      `presence ${ROOM}/robert -> ${ALICE}/phone`,
      `presence/unavailable ${ROOM}/bob -> ${ALICE}/laptop [303]`,
      `presence ${ROOM}/robert -> ${ALICE}/laptop`,
    ]);
    expect(item(out[0]!)).toMatchObject({ nick: "robert", role: "moderator", affiliation: "owner" });
    expect(out[1]!.getChild("occupant-id", "urn:xmpp:occupant-id:0")!.attrs.id).toBe(occupantId);
    expect((await actor.room.getParticipants()).map((p) => p.resource).sort()).toEqual(["carol", "robert"]);
  });

  it("propagates show, status and idle; the same affiliation or role again sends nothing", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    const carol = await actor.room.getParticipant("carol");
    carol.setPresence({ show: "away", status: "lunch", idleSince: new Date("2026-11-25T12:00:00Z") });
    const [presence] = h.take();
    expect(presence!.getChildText("show")).toBe("away");
    expect(presence!.getChildText("status")).toBe("lunch");
    expect(presence!.getChild("idle", "urn:xmpp:idle:1")!.attrs.since).toBe("2026-11-25T12:00:00.000Z");
    carol.affiliation = "member";
    carol.role = "participant";
    expect(h.take()).toEqual([]);
    carol.role = "moderator";
    // The reports after the first of a synchronous run go out at its end (one event for all of them).
    await Promise.resolve();
    expect(h.take().map((s) => item(s).role)).toEqual(["moderator"]);
  });

  it("a participant that appears after the list was filled gets its presence, once, before its first message", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    const dave = await actor.room.getParticipant("dave");
    dave.affiliation = "admin";
    dave.sendText("hi, I'm new", { legacyId: "d1" });
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([`presence ${ROOM}/dave -> ${ALICE}/phone`, `message/groupchat ${ROOM}/dave -> ${ALICE}/phone body=hi, I'm new`]);
    expect(item(out[0]!).affiliation).toBe("admin");
    const erin = await actor.room.getParticipantByContact("erin-id", "erin");
    erin.role = "visitor";
    await h.settle();
    const [erinPresence, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(item(erinPresence!)).toMatchObject({ role: "visitor", jid: `erin-id@${DOMAIN}` });
  });

  it("reports made in one turn reach every resource in the order the plugin made them: new participants' presences are not overtaken", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby", ["phone", "laptop"]);
    const room = actor.room;
    const [bob, carol] = [await room.getParticipant("bob"), await room.getParticipant("carol")];
    // One synchronous run, as two legacy events due in the same timer phase play it.
    void room.getParticipantByContact("dave-id", "dave");
    void room.getParticipant("erin");
    bob.ban();
    carol.role = "moderator";
    carol.sendText("after them", { legacyId: "c1" });
    await h.settle();
    const out = h.take().filter((s) => s.attrs.to === `${ALICE}/laptop`);
    expect(out.map(summary)).toEqual([
      `presence ${ROOM}/dave -> ${ALICE}/laptop`,
      `presence ${ROOM}/erin -> ${ALICE}/laptop`,
      `presence/unavailable ${ROOM}/bob -> ${ALICE}/laptop [301]`,
      `presence ${ROOM}/carol -> ${ALICE}/laptop`,
      `message/groupchat ${ROOM}/carol -> ${ALICE}/laptop body=after them`,
    ]);
    expect(item(out[3]!).role).toBe("moderator");
  });

  it("turns invalid and clashing names into distinct deterministic nicks, keeping the name in an XEP-0172 nick", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    const bob2 = await actor.room.getParticipantByContact("other-bob", "bob");
    const weird = await actor.room.getParticipant("we\u0001ird");
    const empty = await actor.room.getParticipant("");
    await h.settle();
    expect([bob2.resource, weird.resource]).toEqual(["bob (other-bob)", expect.stringMatching(/^weird-[a-z2-7]{6}$/)]);
    expect(empty.resource).toMatch(/^nick-[a-z2-7]{6}$/);
    const presences = h.take();
    const nickOf = (s: { getChildText: (n: string, ns?: string) => string | null }) => s.getChildText("nick", "http://jabber.org/protocol/nick");
    expect(presences.map(nickOf)).toEqual(["bob", "weird", null]); // an empty name has nothing to carry
    // Deterministic: the same names in another user's room give the same resources.
    const h2 = fixtureHarness(lobbyFixture());
    const other = await joined(h2, "lobby");
    expect((await other.room.getParticipant("we\u0001ird")).resource).toBe(weird.resource);
  });

  it("removes a participant with 307 or 301, and a plain leave with none; an unknown occupant gets item-not-found", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    (await actor.room.getParticipant("bob")).kick("bye");
    (await actor.room.getParticipant("carol")).leave();
    expect(h.take().map(summary)).toEqual([`presence/unavailable ${ROOM}/bob -> ${ALICE}/phone [307]`, `presence/unavailable ${ROOM}/carol -> ${ALICE}/phone`]);
    h.route(iq("get", `${ROOM}/bob`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "gone"));
    h.route(iq("get", `${ROOM}/alice`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "me"));
    await h.settle();
    const [gone, me] = h.take();
    expect(conditionOf(gone!)).toBe("item-not-found");
    expect(me!.getChild("query")!.getChild("identity")!.attrs).toMatchObject({ category: "client", type: "pc" });
  });

  it("handles the user's resources: nick change refused, status-only presence ignored, self-ping, gone errors, other errors", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby", ["phone", "laptop"]);
    h.route(xml("presence", { from: `${ALICE}/phone`, to: `${ROOM}/alicia`, id: "nick" }));
    h.route(xml("presence", { from: `${ALICE}/phone`, to: `${ROOM}/alice` }, xml("show", {}, "away")));
    await h.settle();
    const [refusal, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(conditionOf(refusal!)).toBe("not-acceptable");
    expect(refusal!.attrs.from).toBe(`${ROOM}/alicia`);
    expect(refusal!.getChild("x", "http://jabber.org/protocol/muc")).toBeDefined();
    const errorFrom = (resource: string, condition: string) =>
      xml("message", { from: `${ALICE}/${resource}`, to: ROOM, type: "error" }, xml("error", { type: "cancel" }, xml(condition, { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" })));
    h.route(errorFrom("laptop", "policy-violation"));
    expect(actor.snapshot.context.resources).toEqual(["phone", "laptop"]);
    h.route(errorFrom("laptop", "remote-server-not-found"));
    expect(actor.snapshot.context.resources).toEqual(["phone"]);
    h.route(iq("get", `${ROOM}/alice`, xml("ping", { xmlns: "urn:xmpp:ping" }), "p1", "phone"));
    h.route(iq("get", `${ROOM}/alice`, xml("ping", { xmlns: "urn:xmpp:ping" }), "p2", "laptop"));
    await h.settle();
    const [ok, refused] = h.take();
    expect(ok!.attrs.type).toBe("result");
    expect(conditionOf(refused!)).toBe("not-acceptable");
    expect(refused!.getChild("error")!.attrs.type).toBe("cancel");
    await actor.room.kickResource("phone");
    expect(h.take().map(summary)).toEqual([`presence/unavailable ${ROOM}/alice -> ${ALICE}/phone [110,333]`]);
    expect(actor.snapshot.context.resources).toEqual([]);
  });

  it("streams the join of a 10,000-participant room in chunks and holds live traffic until the subject", async () => {
    const h = fixtureHarness(lobbyFixture({ generatedParticipants: 10_000 }));
    h.route(joinPresence("lobby", "alice"));
    await h.settle(1);
    const actor = h.registry.peek(ALICE, ROOM)!;
    while (!actor.snapshot.hasTag("participantsKnown")) await h.settle(1);
    const sentBefore = h.sent.length;
    expect(sentBefore).toBeLessThan(10_004);
    (await actor.room.getParticipant("bob")).sendText("during the stream", { legacyId: "s1" });
    while (!h.sent.some((s) => s.getChild("subject"))) await h.settle(1);
    await h.settle();
    const out = h.take().map(summary);
    expect(out).toHaveLength(10_002 + 3); // occupants, then self-presence, subject and the held message
    expect(out.slice(-3)).toEqual([
      `presence ${ROOM}/alice -> ${ALICE}/phone [100,110]`,
      `message/groupchat ${ROOM}/bob -> ${ALICE}/phone subject`,
      `message/groupchat ${ROOM}/bob -> ${ALICE}/phone body=during the stream`,
    ]);
  });
});
