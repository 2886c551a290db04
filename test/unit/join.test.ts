import { describe, expect, it } from "vitest";
import { ALICE, DOMAIN, fixtureHarness, groupchat, joinPresence, lobbyFixture, summary } from "../helpers/harness.js";

const ROOM = `lobby@${DOMAIN}`;

describe("joining a bridged room", () => {
  it("sends occupant presences, then the self-presence with the join id, then the subject", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(joinPresence("lobby", "alice", "phone", "j-42"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([
      `presence ${ROOM}/bob -> ${ALICE}/phone`,
      `presence ${ROOM}/carol -> ${ALICE}/phone`,
      `presence ${ROOM}/alice -> ${ALICE}/phone [100,110]`,
      `message/groupchat ${ROOM}/bob -> ${ALICE}/phone subject`,
    ]);
    const bob = out[0]!.getChild("x", "http://jabber.org/protocol/muc#user")!.getChild("item")!;
    expect(bob.attrs).toMatchObject({ affiliation: "owner", role: "moderator", jid: `bob-legacy-id@${DOMAIN}` });
    expect(out[0]!.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id).toMatch(/^[\w-]{24}$/);
    const self = out[2]!;
    expect(self.attrs.id).toBe("j-42");
    expect(self.getChild("x", "http://jabber.org/protocol/muc#user")!.getChild("item")!.attrs.jid).toBe(`${ALICE}/phone`);
    expect(out[3]!.getChildText("subject")).toBe("Welcome");
    expect(out[3]!.getChild("delay", "urn:xmpp:delay")?.attrs.stamp).toBe("2026-11-20T10:00:00.000Z");
  });

  it("adds 210 when the gateway assigns another nick, and hides real JIDs in channels", async () => {
    const h = fixtureHarness(lobbyFixture({ type: "channel" }));
    h.route(joinPresence("lobby", "Alice Smith"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)[2]).toBe(`presence ${ROOM}/alice -> ${ALICE}/phone [110,210]`);
    for (const s of out.slice(0, 3)) {
      const item = s.getChild("x", "http://jabber.org/protocol/muc#user")!.getChild("item")!;
      expect(item.attrs.jid).toBeUndefined();
    }
  });

  it("sends an empty subject when the room has none, from the bare room", async () => {
    const h = fixtureHarness(lobbyFixture({ subject: "", subjectSetter: undefined, subjectDate: undefined }));
    h.route(joinPresence("lobby", "alice"));
    await h.settle();
    const subject = h.take().at(-1)!;
    expect(subject.attrs.from).toBe(ROOM);
    expect(subject.getChild("subject")?.toString()).toBe("<subject/>");
  });

  it("gives a second resource the whole sequence and lets a joined resource resync", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(joinPresence("lobby", "alice", "phone"));
    await h.settle();
    h.take();
    h.route(joinPresence("lobby", "alice", "laptop", "j-2"));
    await h.settle();
    const second = h.take();
    expect(second).toHaveLength(4);
    expect(second.every((s) => s.attrs.to === `${ALICE}/laptop`)).toBe(true);
    h.route(joinPresence("lobby", "alice", "phone", "j-3"));
    await h.settle();
    const again = h.take();
    expect(again.map((s) => s.attrs.to)).toEqual(Array(4).fill(`${ALICE}/phone`));
    expect(again[2]!.attrs.id).toBe("j-3");
  });

  it("holds live traffic during a join and delivers it after the subject", async () => {
    const h = fixtureHarness(lobbyFixture({ delayMs: { fillParticipants: 30 } }));
    h.route(joinPresence("lobby", "alice"));
    await h.settle(10);
    const actor = h.registry.peek(ALICE, ROOM)!;
    (await actor.room.getParticipant("bob")).sendText("during the join", { legacyId: "L1" });
    expect(h.sent).toHaveLength(0);
    await h.until(() => h.sent.some((s) => s.getChildText("body") === "during the join"));
    const out = h.take().map(summary);
    expect(out.slice(-2)).toEqual([
      `message/groupchat ${ROOM}/bob -> ${ALICE}/phone subject`,
      `message/groupchat ${ROOM}/bob -> ${ALICE}/phone body=during the join`,
    ]);
  });

  it("answers a leave with an unavailable self-presence with 110, and live stanzas reach every joined resource", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(joinPresence("lobby", "alice", "phone"));
    h.route(joinPresence("lobby", "alice", "laptop"));
    await h.settle();
    h.take();
    const actor = h.registry.peek(ALICE, ROOM)!;
    (await actor.room.getParticipant("carol")).sendText("hi all", { legacyId: "c1" });
    const live = h.take();
    expect(live.map((s) => s.attrs.to)).toEqual([`${ALICE}/phone`, `${ALICE}/laptop`]);
    expect(live[0]!.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs).toMatchObject({ id: "c1", by: ROOM });
    expect(live[0]!.getChild("occupant-id", "urn:xmpp:occupant-id:0")).toBeDefined();
    h.route(joinPresence("lobby", "alice", "laptop"));
    await h.settle();
    h.take();
    const leave = joinPresence("lobby", "alice", "laptop");
    leave.attrs.type = "unavailable";
    h.route(leave);
    await h.settle();
    expect(h.take().map(summary)).toEqual([`presence/unavailable ${ROOM}/alice -> ${ALICE}/laptop [110]`]);
    expect(actor.snapshot.context.resources).toEqual(["phone"]);
    expect(actor.snapshot.matches({ active: { lifecycle: "joined" } })).toBe(true);
    leave.attrs.from = `${ALICE}/phone`;
    h.route(leave);
    await h.settle();
    expect(actor.snapshot.matches({ active: { lifecycle: "participantsFilled" } })).toBe(true);
  });

  it("echoes the user's message to every joined resource after the legacy callback", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(joinPresence("lobby", "alice", "phone"));
    h.route(joinPresence("lobby", "alice", "laptop"));
    await h.settle();
    h.take();
    h.route(groupchat("lobby", "hello bridge", "phone", "client-id-1"));
    await h.settle();
    const echoes = h.take();
    expect(echoes.map(summary)).toEqual([
      `message/groupchat ${ROOM}/alice -> ${ALICE}/phone body=hello bridge`,
      `message/groupchat ${ROOM}/alice -> ${ALICE}/laptop body=hello bridge`,
    ]);
    expect(echoes[0]!.attrs.id).toBe("client-id-1");
    expect(echoes[0]!.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id).toMatch(/^fx-/);
  });

  it("answers a failed callback with an error to the sender and no echo", async () => {
    const h = fixtureHarness(lobbyFixture({ reject: { message: "forbidden" } }));
    h.route(joinPresence("lobby", "alice"));
    await h.settle();
    h.take();
    h.route(groupchat("lobby", "nope"));
    await h.settle();
    expect(h.take().map(summary)).toEqual([`message/error ${ROOM} -> ${ALICE}/phone error=forbidden`]);
  });
});
