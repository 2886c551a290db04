/**
 * The retention timer: when it purges, what it deletes, and how it is configured.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { join } from "node:path";
import { DEFAULT_RETENTION_INTERVAL_MS, PURGE_STEP, startRetention } from "../../src/store/retention.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import { fillHistory, hour, ids, IMPLEMENTATIONS, KEY, message, NO_RETENTION, removeTempDirs, room, tempDir } from "./helpers.js";

const DAY = 86_400_000;

describe("archive retention", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("first purges one interval after the start, then every interval, messages older than the maximum age", async () => {
    const purgeOlderThan = vi.fn((_before: number, _limit?: number) => 3);
    const purged: number[] = [];
    const now = hour(12) + 10 * DAY;
    const stop = startRetention({ purgeOlderThan }, { maxAgeDays: 7, intervalMs: 1000, now: () => now, onPurge: (n) => purged.push(n) });
    await vi.advanceTimersByTimeAsync(999);
    expect(purgeOlderThan).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2001);
    expect(purgeOlderThan.mock.calls).toEqual([
      [now - 7 * DAY, PURGE_STEP],
      [now - 7 * DAY, PURGE_STEP],
      [now - 7 * DAY, PURGE_STEP],
    ]);
    expect(purged).toEqual([3, 3, 3]);
    stop();
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(purgeOlderThan).toHaveBeenCalledTimes(3);
  });

  it("keeps 7 days and purges every 6 hours by default, on a timer that does not hold the process", () => {
    const setInterval = vi.spyOn(globalThis, "setInterval");
    const purgeOlderThan = vi.fn(() => 0);
    const stop = startRetention({ purgeOlderThan });
    expect(setInterval.mock.calls[0]?.[1]).toBe(DEFAULT_RETENTION_INTERVAL_MS);
    expect((setInterval.mock.results[0]!.value as NodeJS.Timeout).hasRef()).toBe(false);
    vi.advanceTimersByTime(6 * 3_600_000);
    expect(purgeOlderThan).toHaveBeenCalledWith(Date.now() - 7 * DAY, PURGE_STEP);
    stop();
  });

  it("keeps running after a failed purge and reports the error", async () => {
    const errors: unknown[] = [];
    const purgeOlderThan = vi.fn(() => {
      throw new Error("disk full");
    });
    const stop = startRetention({ purgeOlderThan }, { intervalMs: 10, onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(30);
    expect(errors).toHaveLength(3);
    stop();
  });

  it("purges an asynchronous store too, reporting what its purge resolves to or rejects with", async () => {
    const purged: number[] = [];
    const errors: unknown[] = [];
    let calls = 0;
    const purgeOlderThan = vi.fn(async () => (++calls === 1 ? 4 : Promise.reject(new Error("connection lost"))));
    const stop = startRetention({ purgeOlderThan }, { intervalMs: 10, onPurge: (n) => purged.push(n), onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(20);
    stop();
    expect(purged).toEqual([4]);
    expect(errors).toEqual([new Error("connection lost")]);
  });

  it("purges in steps of PURGE_STEP, a turn of the event loop apart, until a step deletes fewer, and reports the total once", async () => {
    let left = 2 * PURGE_STEP + 7;
    const steps: number[] = [];
    const purgeOlderThan = vi.fn((_before: number, limit?: number) => {
      const deleted = Math.min(left, limit ?? left);
      left -= deleted;
      steps.push(deleted);
      return deleted;
    });
    const purged: number[] = [];
    const immediates = vi.spyOn(globalThis, "setImmediate");
    const stop = startRetention({ purgeOlderThan }, { intervalMs: 1000, onPurge: (n) => purged.push(n) });
    await vi.advanceTimersByTimeAsync(1000);
    expect(steps).toEqual([PURGE_STEP]); // the next step waits for a turn of the event loop
    await vi.advanceTimersByTimeAsync(5);
    expect(steps).toEqual([PURGE_STEP, PURGE_STEP, 7]);
    expect(immediates).toHaveBeenCalledTimes(2);
    expect(purged).toEqual([2 * PURGE_STEP + 7]);
    stop();
  });

  it("skips a tick while the previous purge still runs, and runs no step after it stopped", async () => {
    let resolveStep: (n: number) => void = () => {};
    const purgeOlderThan = vi.fn((_before: number, _limit?: number) => new Promise<number>((resolve) => (resolveStep = resolve)));
    const purged: number[] = [];
    const stop = startRetention({ purgeOlderThan }, { intervalMs: 10, onPurge: (n) => purged.push(n) });
    await vi.advanceTimersByTimeAsync(35);
    expect(purgeOlderThan).toHaveBeenCalledTimes(1); // three ticks, one purge still waiting for its step
    resolveStep(PURGE_STEP); // a full step: another is due after a turn of the event loop
    stop();
    await vi.advanceTimersByTimeAsync(100);
    expect(purgeOlderThan).toHaveBeenCalledTimes(1);
    expect(purged).toEqual([PURGE_STEP]);
  });

  it("never purges when the maximum age is infinite", () => {
    const purgeOlderThan = vi.fn(() => 0);
    startRetention({ purgeOlderThan }, { maxAgeDays: Number.POSITIVE_INFINITY, intervalMs: 10 })();
    vi.advanceTimersByTime(1000);
    expect(purgeOlderThan).not.toHaveBeenCalled();
  });

  it("rejects a maximum age or interval that is not positive", () => {
    const store = { purgeOlderThan: () => 0 };
    expect(() => startRetention(store, { maxAgeDays: 0 })).toThrow(/maxAgeDays option must be a positive number/);
    expect(() => startRetention(store, { maxAgeDays: Number.NaN })).toThrow(TypeError);
    expect(() => startRetention(store, { intervalMs: -5 })).toThrow(/intervalMs option must be a positive number/);
    expect(() => startRetention(store, { intervalMs: 2 ** 31 })).toThrow(TypeError);
  });

  it("runs inside a store configured with retentionDays until the store closes", async () => {
    vi.setSystemTime(hour(8) + 2 * DAY - 60_000);
    const store = createMemoryStore({ retentionDays: 2, retentionIntervalMs: 60_000 });
    fillHistory(store);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ids(store.queryArchive(KEY).messages)).toEqual(["8", "9"]);
    store.close();
    vi.setSystemTime(hour(9) + 10 * DAY);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.queryArchive(KEY).count).toBe(2);
  });
});

describe("the SQLite store's purge with a limit", () => {
  afterEach(removeTempDirs);

  it("deletes at most `limit` messages a call, the earliest archived first, and the rest on the next calls", () => {
    const store = openSqliteStore(join(tempDir(), "purge.db"), NO_RETENTION);
    const other = { ...KEY, room: `other-${KEY.room}` };
    store.putRoom(room());
    store.putRoom(room({ room: other.room }));
    for (let n = 0; n < 10; n++) {
      store.archive(message(n));
      store.archive(message(n, { ...other, stanzaId: `o${n}` }));
    }
    store.commit();
    const before = hour(6); // messages 0–5 of each room: 12 in all
    expect(store.purgeOlderThan(before, 5)).toBe(5);
    // Archived in turn: 0, o0, 1, o1, 2 went first.
    expect(ids(store.queryArchive(KEY).messages)).toEqual(["3", "4", "5", "6", "7", "8", "9"]);
    expect(ids(store.queryArchive(other).messages)).toEqual(["o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"]);
    expect(store.purgeOlderThan(before, 5)).toBe(5);
    expect(store.purgeOlderThan(before, 5)).toBe(2);
    expect(store.purgeOlderThan(before, 5)).toBe(0);
    expect(ids(store.queryArchive(KEY).messages)).toEqual(["6", "7", "8", "9"]);
    expect(ids(store.queryArchive(other).messages)).toEqual(["o6", "o7", "o8", "o9"]);
    expect(() => store.purgeOlderThan(before, 0)).toThrow(/limit option must be a positive integer/);
    expect(() => store.purgeOlderThan(before, 2.5)).toThrow(TypeError);
    store.close();
  });
});

describe.each(IMPLEMENTATIONS)("the %s store's purge limit", (_name, open) => {
  afterEach(removeTempDirs);

  it("is a positive integer or nothing; a bad one is refused before anything is deleted", () => {
    const store = open();
    store.putRoom(room());
    for (let n = 0; n < 4; n++) store.archive(message(n));
    store.commit();
    for (const limit of [0, -1, 2.5, Number.NaN]) expect(() => store.purgeOlderThan(hour(3), limit)).toThrow(/limit option must be a positive integer/);
    expect(store.queryArchive(KEY).count).toBe(4);
    expect(store.purgeOlderThan(hour(3), 10)).toBe(3);
    expect(ids(store.queryArchive(KEY).messages)).toEqual(["3"]);
    store.close();
  });
});
