/**
 * Archive retention: a timer that deletes archived messages older than a maximum age.
 *
 * @remarks
 * Defaults follow slidge: messages are kept **7 days** (`MAM_MAX_DAYS`) and the purge runs
 * **every 6 hours**, the first time one interval after the start. There is no cap on the number
 * of messages. A purge deletes {@link PURGE_STEP} messages at a time, one event-loop turn apart,
 * so that a large one never holds the gateway. Purging removes the oldest messages only, so it never opens a hole in the middle
 * of an archive, and sequence numbers of deleted messages are never reused (XEP-0313
 * #archives_deletion).
 *
 * Both stores start this timer themselves from their {@link StoreOptions}; call
 * {@link startRetention} directly only for a store opened with `retentionDays: Infinity`.
 *
 * @module
 */
import { check, checkFunction, MAX_TIMER_MS } from "../optionChecks.js";
import { checkGroupCommitMs } from "./groupCommit.js";
import type { AsyncStore } from "./asyncTypes.js";
import type { Store, StoreOptions } from "./types.js";

/** What the retention timer purges: a {@link Store}, or an {@link AsyncStore} whose purge resolves. */
export interface Purgeable {
  /**
   * Deletes messages older than `before` (epoch ms), at most `limit` of them when it is given
   * (a store may delete more); returns (or resolves to) how many.
   */
  purgeOlderThan(before: number, limit?: number): number | Promise<number>;
}

/**
 * Most messages one step of a purge deletes. The timer asks for steps of this size, one
 * event-loop turn apart, until a step deletes fewer. A synchronous store (SQLite) deletes some
 * 2.7 µs a message in one statement, so a purge of six hours of a busy gateway's traffic held
 * the event loop for seconds (100 messages a second: ~6 s); in steps, 3.2 µs a message and a
 * pause of ~15 ms a step, 27 ms at most (100,000 messages, 2 cores).
 */
export const PURGE_STEP = 5_000;

/**
 * Purges in steps of {@link PURGE_STEP}, a turn of the event loop between two, until a step
 * deletes fewer or `stopped()` says the timer stopped; resolves to how many went in all.
 */
async function purgeInSteps(store: Purgeable, before: number, stopped: () => boolean): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await store.purgeOlderThan(before, PURGE_STEP);
    total += deleted;
    if (deleted < PURGE_STEP) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stopped()) return total;
  }
}

/** Default maximum age of archived messages, in days (slidge's `MAM_MAX_DAYS`). */
export const DEFAULT_RETENTION_DAYS = 7;
/** Default time between two purges: 6 hours. */
export const DEFAULT_RETENTION_INTERVAL_MS = 6 * 3_600_000;

const DAY_MS = 86_400_000;

/** Options of {@link startRetention}. */
export interface RetentionOptions {
  /**
   * Messages older than this many days are deleted; `Infinity` disables the timer.
   * @defaultValue 7
   */
  maxAgeDays?: number;
  /**
   * Time between two purges; the first purge runs one interval after the start.
   * @defaultValue 21_600_000 (6 h)
   */
  intervalMs?: number;
  /** The clock, epoch ms. @defaultValue `Date.now` */
  now?: () => number;
  /** Called after each purge (all of its steps, see {@link PURGE_STEP}) with the number of deleted messages. */
  onPurge?: (deleted: number) => void;
  /** Called when a purge throws; the timer keeps running. Without it, errors are dropped. */
  onError?: (error: unknown) => void;
}

/**
 * Deletes, every `intervalMs`, the archived messages older than `maxAgeDays`.
 *
 * @returns A function that stops the timer (idempotent). The timer is `unref`'d: it never keeps
 * the process alive.
 * @throws TypeError when `maxAgeDays` is not positive or `intervalMs` not a positive number of
 * milliseconds below 2^31.
 *
 * @example
 * ```ts
 * const stop = startRetention(store, { maxAgeDays: 30, onPurge: (n) => metrics.purged(n) });
 * // on shutdown
 * stop();
 * ```
 */
export function startRetention(store: Purgeable, options: RetentionOptions = {}): () => void {
  const maxAgeDays = options.maxAgeDays ?? DEFAULT_RETENTION_DAYS;
  const intervalMs = options.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS;
  checkRetention("maxAgeDays", maxAgeDays, "intervalMs", intervalMs);
  if (maxAgeDays === Number.POSITIVE_INFINITY) return () => {};
  const now = options.now ?? Date.now;
  let stopped = false;
  /** True while a purge's steps run: a tick that comes meanwhile is skipped. */
  let purging = false;
  const timer = setInterval(() => {
    if (purging) return;
    purging = true;
    purgeInSteps(store, now() - maxAgeDays * DAY_MS, () => stopped).then(
      (deleted) => {
        purging = false;
        options.onPurge?.(deleted);
      },
      (error: unknown) => {
        purging = false;
        options.onError?.(error);
      },
    );
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** Throws a `TypeError` naming the option for a bad maximum age or interval. */
function checkRetention(ageName: string, maxAgeDays: unknown, intervalName: string, intervalMs: unknown): void {
  check(typeof maxAgeDays === "number" && maxAgeDays > 0, ageName, "a positive number of days or Infinity", maxAgeDays);
  check(
    typeof intervalMs === "number" && intervalMs > 0 && intervalMs <= MAX_TIMER_MS,
    intervalName,
    `a positive number of milliseconds up to ${MAX_TIMER_MS}`,
    intervalMs,
  );
}

/**
 * Checks every {@link StoreOptions} field; what store factories call before they open anything.
 * @throws TypeError naming the first bad option.
 * @internal
 */
export function checkStoreOptions(options: StoreOptions): void {
  check(typeof options === "object" && options !== null, "store options", "an object", options);
  const { retentionDays, retentionIntervalMs } = options;
  checkRetention("retentionDays", retentionDays ?? DEFAULT_RETENTION_DAYS, "retentionIntervalMs", retentionIntervalMs ?? DEFAULT_RETENTION_INTERVAL_MS);
  checkGroupCommitMs(options.groupCommitMs);
  checkFunction("onError", options.onError);
}

/**
 * Starts the retention timer a store factory was configured with, its options already checked
 * by {@link checkStoreOptions}.
 * @throws TypeError for a bad `retentionDays` or `retentionIntervalMs`.
 * @internal
 */
export function retentionFromOptions(store: Purgeable, options: StoreOptions): () => void {
  return startRetention(store, { maxAgeDays: options.retentionDays, intervalMs: options.retentionIntervalMs, onError: storeErrorHandler(options) });
}

/**
 * The handler of errors a store meets outside a call: `options.onError`, or a process warning.
 * @internal
 */
export function storeErrorHandler(options: StoreOptions): (error: unknown) => void {
  return options.onError ?? ((error) => process.emitWarning(`mucstate store: ${error instanceof Error ? error.message : String(error)}`));
}
