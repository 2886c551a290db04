import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { ALICE, DOMAIN, fixtureHarness, groupchat, joinPresence, lobbyFixture, summary } from "../helpers/harness.js";

const ROOM = `lobby@${DOMAIN}`;

describe("bad input gets a clear error and loses nothing", () => {
  it("an unknown room gets item-not-found", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(joinPresence("nowhere", "alice"));
    h.route(xml("iq", { from: `${ALICE}/phone`, to: `nowhere@${DOMAIN}`, type: "get", id: "d1" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    await h.settle();
    expect(h.take().map(summary)).toEqual([
      `presence/error nowhere@${DOMAIN}/alice -> ${ALICE}/phone error=item-not-found`,
      `iq/error nowhere@${DOMAIN} -> ${ALICE}/phone error=item-not-found`,
    ]);
  });

  it("a join without a nick gets jid-malformed, echoing the muc element and the id", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(joinPresence("lobby", "", "phone", "no-nick"));
    await h.settle();
    const [reply, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(summary(reply!)).toBe(`presence/error ${ROOM} -> ${ALICE}/phone error=jid-malformed`);
    expect(reply!.attrs.id).toBe("no-nick");
    expect(reply!.getChild("x", "http://jabber.org/protocol/muc")).toBeDefined();
    expect(reply!.getChild("error")!.attrs).toMatchObject({ type: "modify", by: ROOM });
  });

  it("a JID the plugin does not allow gets registration-required", async () => {
    const h = fixtureHarness(lobbyFixture());
    const join = joinPresence("lobby", "mallory");
    join.attrs.from = "mallory@example.org/x";
    h.route(join);
    h.route(xml("iq", { from: "mallory@example.org/x", to: DOMAIN, type: "get", id: "q" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })));
    await h.settle();
    expect(h.take().map(summary)).toEqual([
      `presence/error ${ROOM}/mallory -> mallory@example.org/x error=registration-required`,
      `iq/error ${DOMAIN} -> mallory@example.org/x error=registration-required`,
    ]);
  });

  it("groupchat from a resource that has not joined gets not-acceptable, then 110 + 333", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(groupchat("lobby", "sneaky", "tablet"));
    await h.settle();
    expect(h.take().map(summary)).toEqual([
      `message/error ${ROOM} -> ${ALICE}/tablet error=not-acceptable`,
      `presence/unavailable ${ROOM}/alice -> ${ALICE}/tablet [110,333]`,
    ]);
  });

  it("an unknown iq gets service-unavailable, on the room and on the component", async () => {
    const h = fixtureHarness(lobbyFixture());
    for (const to of [ROOM, DOMAIN]) {
      h.route(xml("iq", { from: `${ALICE}/phone`, to, type: "get", id: "u" }, xml("query", { xmlns: "urn:example:unknown" })));
    }
    await h.settle();
    expect(h.take().map(summary).sort()).toEqual([
      `iq/error ${ROOM} -> ${ALICE}/phone error=service-unavailable`,
      `iq/error ${DOMAIN} -> ${ALICE}/phone error=service-unavailable`,
    ]);
  });

  it("malformed stanzas never crash and every request iq is answered", async () => {
    const h = fixtureHarness(lobbyFixture());
    const from = `${ALICE}/phone`;
    const weird = [
      xml("iq", { from, to: ROOM, type: "get", id: "empty" }),
      xml("iq", { from, to: ROOM, type: "set", id: "two" }, xml("a"), xml("b")),
      xml("iq", { from: "", to: ROOM, type: "get", id: "nofrom" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
      xml("iq", { from: "@/", to: ROOM, type: "get", id: "bad-from" }),
      xml("iq", { from, to: "other.domain", type: "get", id: "elsewhere" }),
      xml("message", { from, to: `${ROOM}/bob`, type: "chat" }, xml("body", {}, "pm")),
      xml("presence", { from, to: ROOM, type: "subscribe" }),
      xml("presence", { from, to: `${ROOM}/alice` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" }, xml("history", { maxstanzas: "nope" }))),
      xml("message", { from: `${ALICE}/tablet`, to: ROOM, type: "error" }),
      xml("stream:features", {}),
      xml("iq", { from: "alice@example.org", to: ROOM, type: "get", id: "bare-from" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
    ];
    for (const s of weird) h.route(s);
    await h.until(() => h.sent.map(summary).some((s) => s.includes("[100,110]")));
    await h.settle(20);
    const out = h.take().map(summary);
    expect(out).toContain(`iq/error ${ROOM} -> ${from} error=bad-request`);
    expect(out.filter((s) => s.includes("error=bad-request"))).toHaveLength(2);
    expect(out).toContain(`message/error ${ROOM}/bob -> ${from} error=feature-not-implemented`);
    expect(out).toContain(`iq/error ${ROOM} -> alice@example.org error=jid-malformed`);
    expect(out.some((s) => s.includes("[100,110]"))).toBe(true); // the join with bad history still works
    expect(h.errors).toEqual([]);
  });

  it("a failed updateInfo answers the waiting stanzas and the next stanza tries again", async () => {
    const h = fixtureHarness(lobbyFixture({ reject: { updateInfo: "service-unavailable" } }));
    h.route(joinPresence("lobby", "alice", "phone", "first"));
    h.route(xml("iq", { from: `${ALICE}/phone`, to: ROOM, type: "get", id: "d" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    await h.settle();
    expect(h.take().map(summary)).toEqual([
      `presence/error ${ROOM}/alice -> ${ALICE}/phone error=service-unavailable`,
      `iq/error ${ROOM} -> ${ALICE}/phone error=service-unavailable`,
    ]);
    const actor = h.registry.peek(ALICE, ROOM)!;
    expect(actor.snapshot.matches({ active: { lifecycle: { uninitialized: "failed" } } })).toBe(true);
    // The legacy network recovers: the next stanza runs updateInfo again.
    Object.assign(actor.room, {});
    (actor.room as unknown as { updateInfo: () => Promise<void> }).updateInfo = async () => {
      actor.room.name = "Recovered";
    };
    h.route(joinPresence("lobby", "alice", "phone", "second"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary).at(-2)).toBe(`presence ${ROOM}/alice -> ${ALICE}/phone [100,110]`);
    expect(actor.room.name).toBe("Recovered");
  });
});
