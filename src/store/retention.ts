/**
 * Archive retention: a timer that deletes archived messages older than a maximum age.
 *
 * @remarks
 * Defaults follow slidge: messages are kept **7 days** (`MAM_MAX_DAYS`) and the purge runs
 * **every 6 hours**, the first time one interval after the start. There is no cap on the number
 * of messages. Purging removes the oldest messages only, so it never opens a hole in the middle
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
  /** Deletes messages older than `before` (epoch ms); returns (or resolves to) how many. */
  purgeOlderThan(before: number): number | Promise<number>;
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
  /** Called after each purge with the number of deleted messages. */
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
  const timer = setInterval(() => {
    const failed = (error: unknown) => options.onError?.(error);
    try {
      const deleted = store.purgeOlderThan(now() - maxAgeDays * DAY_MS);
      if (typeof deleted === "number") options.onPurge?.(deleted);
      else deleted.then((n) => options.onPurge?.(n), failed);
    } catch (error) {
      failed(error);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
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
