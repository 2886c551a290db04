/**
 * The join history (XEP-0045 §7.2.15) of a room whose archive a join found empty: later joins
 * skip the store read, until the room archives a message; then the next join's history has it.
 */
import { describe, expect, it, vi } from "vitest";
import { ALICE, DOMAIN, endsJoin, fixtureHarness, joinPresence, joined, lobbyFixture } from "../helpers/harness.js";
import { isQualified, qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;

/** Joins alice's `resource` and returns its join sequence. */
async function join(h: ReturnType<typeof fixtureHarness>, resource: string) {
  h.route(joinPresence("lobby", "alice", resource, `join-${resource}`));
  await h.until(() => h.sent.some(endsJoin(ROOM, resource)));
  await h.settle();
  return h.take().filter((s) => s.attrs.to === `${ALICE}/${resource}`);
}

/** The history messages of a join sequence: messages with a `<delay/>` and no `<subject/>`. */
const historyOf = (sequence: ReturnType<typeof fixtureHarness>["sent"]) =>
  sequence.filter((s) => isQualified(s, "{jabber:client}message") && qualifiedChild(s, "{urn:xmpp:delay}delay") && !qualifiedChild(s, "{jabber:client}subject"));

describe("join history of an empty archive", () => {
  it("a second join of a room with nothing archived does not read the archive", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby", ["phone"]);
    const reads = vi.spyOn(h.store, "queryArchive");
    const sequence = await join(h, "laptop");
    expect(historyOf(sequence)).toEqual([]);
    expect(qualifiedText(sequence.at(-1)!, "{jabber:client}subject")).toBe("Welcome");
    expect(reads).not.toHaveBeenCalled();
  });

  it("a message archived after a join found the archive empty is in the next join's history", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby", ["phone"]);
    const bob = await actor.room.getParticipant("bob");
    bob.sendText("hello after the first join", { legacyId: "B1" });
    await h.settle();
    h.take();
    const history = historyOf(await join(h, "laptop"));
    expect(history.map((s) => [s.attrs.from, qualifiedText(s, "{jabber:client}body")])).toEqual([[`${ROOM}/bob`, "hello after the first join"]]);
    expect(h.store.queryArchive({ user: ALICE, room: ROOM }).messages.map((m) => m.stanzaId)).toEqual(["B1"]);
  });
});
