/**
 * The retention timer: when it purges, what it deletes, and how it is configured.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { DEFAULT_RETENTION_INTERVAL_MS, startRetention } from "../../src/store/retention.js";
import { fillHistory, hour, ids, KEY } from "./helpers.js";

const DAY = 86_400_000;

describe("archive retention", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("first purges one interval after the start, then every interval, messages older than the maximum age", () => {
    const purgeOlderThan = vi.fn(() => 3);
    const purged: number[] = [];
    const now = hour(12) + 10 * DAY;
    const stop = startRetention({ purgeOlderThan }, { maxAgeDays: 7, intervalMs: 1000, now: () => now, onPurge: (n) => purged.push(n) });
    vi.advanceTimersByTime(999);
    expect(purgeOlderThan).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2001);
    expect(purgeOlderThan.mock.calls).toEqual([[now - 7 * DAY], [now - 7 * DAY], [now - 7 * DAY]]);
    expect(purged).toEqual([3, 3, 3]);
    stop();
    stop();
    vi.advanceTimersByTime(10_000);
    expect(purgeOlderThan).toHaveBeenCalledTimes(3);
  });

  it("keeps 7 days and purges every 6 hours by default, on a timer that does not hold the process", () => {
    const setInterval = vi.spyOn(globalThis, "setInterval");
    const purgeOlderThan = vi.fn(() => 0);
    const stop = startRetention({ purgeOlderThan });
    expect(setInterval.mock.calls[0]?.[1]).toBe(DEFAULT_RETENTION_INTERVAL_MS);
    expect((setInterval.mock.results[0]!.value as NodeJS.Timeout).hasRef()).toBe(false);
    vi.advanceTimersByTime(6 * 3_600_000);
    expect(purgeOlderThan).toHaveBeenCalledWith(Date.now() - 7 * DAY);
    stop();
  });

  it("keeps running after a failed purge and reports the error", () => {
    const errors: unknown[] = [];
    const purgeOlderThan = vi.fn(() => {
      throw new Error("disk full");
    });
    const stop = startRetention({ purgeOlderThan }, { intervalMs: 10, onError: (e) => errors.push(e) });
    vi.advanceTimersByTime(30);
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

  it("runs inside a store configured with retentionDays until the store closes", () => {
    vi.setSystemTime(hour(8) + 2 * DAY - 60_000);
    const store = createMemoryStore({ retentionDays: 2, retentionIntervalMs: 60_000 });
    fillHistory(store);
    vi.advanceTimersByTime(60_000);
    expect(ids(store.queryArchive(KEY).messages)).toEqual(["8", "9"]);
    store.close();
    vi.setSystemTime(hour(9) + 10 * DAY);
    vi.advanceTimersByTime(60_000);
    expect(store.queryArchive(KEY).count).toBe(2);
  });
});
