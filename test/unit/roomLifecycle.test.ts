/**
 * `gateway.rooms`: typed events for a room being created, changing state, passivated,
 * re-activated and ended, and for requests queued and settled; each room's actor with its exact
 * snapshot type. Nothing here casts: the types are what a consumer gets.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it, vi } from "vitest";
import type { RoomLifecycleEvent, RoomStateValue } from "../../src/index.js";
import { ALICE, DOMAIN, endsJoin, fixtureHarness, groupchat, iq, joinPresence } from "../helpers/harness.js";

const A = `a@${DOMAIN}`;
const B = `b@${DOMAIN}`;
const fixture = { users: [ALICE], rooms: [{ id: "a", name: "A", participants: [{ nick: "bob" }] }, { id: "b", name: "B" }] };
const leave = (room: string, resource = "phone") => xml("presence", { from: `${ALICE}/${resource}`, to: `${room}/alice`, type: "unavailable" });
const discoInfo = (room: string, id: string) => iq("get", room, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), id);

/** The lifecycle region's state, from a typed state value: `joined`, `infoFetched`, or a final state. */
function lifecycleOf(value: RoomStateValue): string {
  if (typeof value === "string") return value;
  const lifecycle = value.active.lifecycle;
  return typeof lifecycle === "string" ? lifecycle : Object.keys(lifecycle)[0]!;
}

describe("gateway.rooms", () => {
  it("tells a room created, joined, passivated and re-activated, then stopped, with typed events", async () => {
    const h = fixtureHarness(fixture, { maxRooms: 1 });
    const seen: string[] = [];
    const rooms = h.registry.rooms;
    rooms.on("created", ({ room }) => seen.push(`created ${room.jid} ${room.user}`));
    rooms.on("reactivated", ({ room }) => seen.push(`reactivated ${room.jid} ${lifecycleOf(room.snapshot.value)}`));
    rooms.on("state", ({ room, from, to }) => {
      if (lifecycleOf(from) !== lifecycleOf(to)) seen.push(`state ${room.jid} ${lifecycleOf(from)} → ${lifecycleOf(to)}`);
    });
    rooms.on("passivated", ({ room }) => seen.push(`passivated ${room.jid}`));
    rooms.on("ended", ({ room, ending }) => seen.push(`ended ${room.jid} ${ending}`));

    h.route(joinPresence("a", "alice"));
    await h.until(() => h.sent.some(endsJoin(A, "phone")));
    const live = rooms.get(ALICE, A)!;
    // The actor's snapshot is the machine's own type: context and matches() need no cast.
    expect(live.actor.getSnapshot().context.resources).toEqual(["phone"]);
    expect(live.snapshot.matches({ active: { lifecycle: "joined" } })).toBe(true);
    expect(rooms.list().map((r) => r.jid)).toEqual([A]);
    h.route(leave(A));
    await h.settle();
    // b's activation evicts a (maxRooms 1): idle, it passivates.
    h.route(discoInfo(B, "d1"));
    await h.until(() => seen.includes(`passivated ${A}`));
    h.route(discoInfo(A, "d2"));
    await h.until(() => seen.some((s) => s.startsWith(`reactivated ${A}`)));
    await h.settle();
    await h.registry.shutdown();
    expect(seen).toEqual([
      `created ${A} ${ALICE}`,
      `state ${A} uninitialized → infoFetched`,
      `state ${A} infoFetched → participantsFilled`,
      `state ${A} participantsFilled → joined`,
      `state ${A} joined → participantsFilled`,
      `created ${B} ${ALICE}`,
      `passivated ${A}`,
      `state ${B} uninitialized → infoFetched`,
      // It resumes where it was: its participants are known in this run, and fillParticipants does not run again.
      `reactivated ${A} participantsFilled`,
      `passivated ${B}`,
      `state ${A} participantsFilled → stopped`,
      `ended ${A} stopped`,
    ]);
  });

  it("tells each request queued, with the mailbox depth, and settled, with its kind, outcome and timings", async () => {
    const h = fixtureHarness(fixture);
    const queued: RoomLifecycleEvent<"request.queued">[] = [];
    const settled: RoomLifecycleEvent<"request.settled">[] = [];
    h.registry.rooms.on("request.queued", (e) => queued.push(e));
    const off = h.registry.rooms.on("request.settled", (e) => settled.push(e));
    h.route(joinPresence("a", "alice"));
    await h.until(() => h.sent.some(endsJoin(A, "phone")));
    // A scripted clock: each onText takes exactly 30 ms, so the timings are exact.
    let clock = 1_000;
    const now = vi.spyOn(performance, "now").mockImplementation(() => clock);
    const room = h.registry.peek(ALICE, A)!.room;
    const onText = room.onText.bind(room);
    room.onText = async (...args) => {
      clock += 30;
      return onText(...args);
    };
    try {
      h.route(groupchat("a", "one", "phone", "m1"));
      h.route(groupchat("a", "two", "phone", "m2"));
      await h.until(() => settled.length === 2);
    } finally {
      now.mockRestore();
    }
    // Both arrive in one synchronous run (as from one socket read): the second waits behind the first.
    expect(queued.map(({ type, kind, depth }) => [type, kind, depth])).toEqual([
      ["request.queued", "message", 1],
      ["request.queued", "message", 2],
    ]);
    expect(settled.map(({ type, kind, ok, id }) => [type, kind, ok, id])).toEqual([
      ["request.settled", "message", true, queued[0]!.id],
      ["request.settled", "message", true, queued[1]!.id],
    ]);
    for (const e of settled) expect(e.durationMs).toBeGreaterThanOrEqual(0);
    expect(settled.map((e) => [e.waitedMs, e.durationMs])).toEqual([
      [0, 30],
      [30, 30],
    ]);
    off();
    h.route(groupchat("a", "three", "phone", "m3"));
    await h.until(() => queued.length === 3);
    await h.settle(20);
    expect(settled).toHaveLength(2);
  });
});
