/**
 * The demo network's `backfill` honours the hole it is given (slidge's backfill contract): it
 * sends only the history strictly between `after` and `before`, so what the archive holds already
 * is not sent again, and a restart does not move the generated history to new dates.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LegacyParticipant } from "../../src/legacy/LegacyParticipant.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { fixtureHarness, joinPresence, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute));
const history = ["h1", "h2", "h3", "h4"].map((id, i) => ({ id, from: "bob", body: `listed ${id}`, at: at(i + 1).toISOString() }));
const bound = (id: string, minute: number) => ({ id, date: at(minute) });

afterEach(() => vi.restoreAllMocks());

describe("the demo network's backfill", () => {
  it("sends only the messages inside the hole: bounds found by id, or by date for a message it never listed", async () => {
    const h = fixtureHarness(lobbyFixture({ history, generatedHistory: 2 }));
    const actor = await joined(h, "lobby");
    const sent = vi.spyOn(LegacyParticipant.prototype, "sendText");
    const backfilled = async (bounds: Parameters<typeof actor.room.backfill>[0]) => {
      sent.mockClear();
      await actor.room.backfill(bounds);
      return sent.mock.calls.map(([, options]) => options?.legacyId);
    };
    expect(await backfilled({})).toEqual(["h1", "h2", "h3", "h4", "g1", "g2"]);
    expect(await backfilled({ after: bound("h1", 1), before: bound("h4", 4) })).toEqual(["h2", "h3"]);
    expect(await backfilled({ after: bound("h3", 3) })).toEqual(["h4", "g1", "g2"]);
    // A live message the network never listed, received between h2 and h3.
    expect(await backfilled({ before: { id: "live-1", date: new Date(at(2).getTime() + 30_000) } })).toEqual(["h1", "h2"]);
    expect(await backfilled({ after: bound("g2", 0) })).toEqual([]);
    expect(sent.mock.calls.every(([, options]) => options?.archiveOnly === true)).toBe(true);
  });

  it("after a restart, the generated history keeps its dates: what the archive has is not sent again", async () => {
    const store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
    const fixture = lobbyFixture({ generatedHistory: 3 });
    const stamps = async (h: ReturnType<typeof fixtureHarness>) => {
      h.route(joinPresence("lobby", "alice"));
      await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
      return h
        .take()
        .filter((s) => qualifiedChild(s, "{jabber:client}body") !== undefined)
        .map((s) => `${qualifiedText(s, "{jabber:client}body")} ${s.getChild("delay", "urn:xmpp:delay")?.attrs.stamp}`);
    };
    const first = await stamps(fixtureHarness(fixture, { store }));
    expect(first.map((line) => line.split(" ").slice(0, 3).join(" "))).toEqual(["generated message 1", "generated message 2", "generated message 3"]);
    store.markAllBackfill();
    await new Promise((r) => setTimeout(r, 25));
    const second = fixtureHarness(fixture, { store });
    const sent = vi.spyOn(LegacyParticipant.prototype, "sendText");
    expect(await stamps(second)).toEqual(first);
    expect(sent).not.toHaveBeenCalled();
  });
});
