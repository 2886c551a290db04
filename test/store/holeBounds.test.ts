/**
 * Backfill hole bounds on both stores: the six scenarios of slidge's tests/test_backfill.py,
 * plus the relabelling of live messages when a new run starts.
 */
import { describe, expect, it } from "vitest";
import type { AsyncStore } from "../../src/store/asyncTypes.js";
import type { ArchiveInput } from "../../src/store/types.js";
import { hour, ASYNC_IMPLEMENTATIONS, KEY, message, room, useAsyncStore } from "./helpers.js";

let next = 0;
/** A message with a fresh stanza-id; `legacyId` null means none. */
function msg(legacyId: string | null, source: ArchiveInput["source"], timestamp: number): ArchiveInput {
  next += 1;
  return message(0, { stanzaId: `m${next}`, legacyId: legacyId ?? undefined, source, timestamp });
}

async function archive(store: AsyncStore, ...messages: ArchiveInput[]): Promise<void> {
  await store.putRoom(room());
  for (const m of messages) await store.archive(m);
}

const DAY = 86_400_000;
const NOW = hour(12) + 30 * DAY;

describe.each(ASYNC_IMPLEMENTATIONS)("hole bounds on the %s store", (_name, open) => {
  const store = useAsyncStore(open);

  it("has no bounds for an empty archive", async () => {
    await archive(store());
    expect(await store().holeBounds(KEY)).toEqual({});
  });

  it("has no bounds when live messages have no legacy id", async () => {
    await archive(store(), msg(null, "live", NOW), msg(null, "live", NOW + 1), msg(null, "live", NOW + 2));
    expect(await store().holeBounds(KEY)).toEqual({});
  });

  it("fetches before the oldest live message when nothing was backfilled", async () => {
    await archive(store(), msg("222", "live", NOW), msg("111", "live", NOW - 3_600_000), msg("333", "live", NOW + 3_600_000));
    expect(await store().holeBounds(KEY)).toEqual({ before: { legacyId: "111", timestamp: NOW - 3_600_000 } });
  });

  it("has no bounds when backfilled messages have no legacy id", async () => {
    await archive(store(), msg(null, "backfill", NOW));
    expect(await store().holeBounds(KEY)).toEqual({});
  });

  it("fetches after the newest backfilled message", async () => {
    await archive(store(), msg(null, "backfill", NOW - 4), msg("111", "backfill", NOW - 3), msg("222", "backfill", NOW - 2), msg(null, "backfill", NOW - 1));
    expect(await store().holeBounds(KEY)).toEqual({ after: { legacyId: "222", timestamp: NOW - 2 } });
  });

  it("fetches the gap between the newest backfilled and the oldest live message after it", async () => {
    await archive(
      store(),
      msg(null, "backfill", NOW - 5 * DAY),
      msg("111", "backfill", NOW - 4 * DAY),
      msg("222", "backfill", NOW - 3 * DAY),
      msg(null, "backfill", NOW - 2 * DAY),
      msg(null, "live", NOW),
      msg("555", "live", NOW + 1),
      msg(null, "live", NOW + 2),
      msg("666", "live", NOW + 3),
      msg(null, "live", NOW + 4),
    );
    expect(await store().holeBounds(KEY)).toEqual({
      after: { legacyId: "222", timestamp: NOW - 3 * DAY },
      before: { legacyId: "555", timestamp: NOW + 1 },
    });
  });

  it("reads earlier live messages as backfill once a new run starts", async () => {
    await archive(store(), msg("111", "live", NOW - 1), msg("222", "live", NOW));
    await store().markAllBackfill();
    expect(await store().holeBounds(KEY)).toEqual({ after: { legacyId: "222", timestamp: NOW } });
    expect((await store().queryArchive(KEY)).messages.map((m) => m.source)).toEqual(["backfill", "backfill"]);
    await store().archive(msg("333", "live", NOW + 10));
    expect(await store().holeBounds(KEY)).toEqual({
      after: { legacyId: "222", timestamp: NOW },
      before: { legacyId: "333", timestamp: NOW + 10 },
    });
  });
});
