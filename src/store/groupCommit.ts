/**
 * Group commit for the SQLite store: archive writes join one open transaction, committed by a
 * timer, so that a busy gateway pays for a commit per interval rather than per message.
 *
 * @remarks
 * The first write after a quiet spell commits at the end of its event-loop turn (a
 * `setImmediate`); later ones wait until `intervalMs` after the previous commit, so commits come
 * at most every `intervalMs` under load, each covering every message since the last. A batch
 * that reaches {@link MAX_BATCH} messages commits at once. What waits for a commit (the
 * outbox's stanzas) is told through {@link GroupCommit.afterCommit}.
 *
 * Measured on a 2-core machine with the archive schema (random stanza-ids, four indexes): a
 * commit costs ~200 µs, the same as some 30 inserts, whatever the batch size.
 *
 * @internal
 * @module
 */
import type Database from "better-sqlite3";
import { check } from "../optionChecks.js";

/** Most messages in one group commit; more commit at once. */
export const MAX_BATCH = 1_000;

/** Default of {@link GroupCommitOptions.intervalMs}. */
export const DEFAULT_GROUP_COMMIT_MS = 2;

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Shortest time between two commits, in ms: the longest a message waits under load. */
  intervalMs?: number;
  /** Gets a commit that failed (its writes are rolled back), and any error of a listener. */
  onError: (error: unknown) => void;
  /** Called after a failed commit was rolled back: drop what was cached from the lost writes. */
  onRollback?: () => void;
}

/** Throws a `TypeError` unless `value` is undefined or 0 to 1000 ms. @internal */
export function checkGroupCommitMs(value: unknown): void {
  if (value === undefined) return;
  check(typeof value === "number" && value >= 0 && value <= 1_000, "groupCommitMs", "a number of milliseconds from 0 to 1000", value);
}

/** One database's open group commit. @internal */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #onRollback: () => void;
  #batched = 0;
  #cancelTimer: (() => void) | undefined;
  #lastCommit = Number.NEGATIVE_INFINITY;
  #waiting: Array<() => void> = [];

  constructor(db: Database.Database, options: GroupCommitOptions) {
    const intervalMs = options.intervalMs ?? DEFAULT_GROUP_COMMIT_MS;
    checkGroupCommitMs(intervalMs);
    this.#db = db;
    this.#begin = db.prepare("BEGIN");
    this.#commit = db.prepare("COMMIT");
    this.#intervalMs = intervalMs;
    this.#onError = options.onError;
    this.#onRollback = options.onRollback ?? (() => {});
  }

  /** True while a batch waits for its commit. */
  get uncommitted(): boolean {
    return this.#batched > 0;
  }

  /** Adds one write to the open batch, opening one (and its commit timer) if none is. */
  join(): void {
    if (this.#batched >= MAX_BATCH) this.commit();
    if (this.#batched === 0) {
      this.#begin.run();
      const wait = this.#lastCommit + this.#intervalMs - performance.now();
      if (wait > 0) {
        const timer = setTimeout(() => this.commit(), wait);
        this.#cancelTimer = () => clearTimeout(timer);
      } else {
        const immediate = setImmediate(() => this.commit());
        this.#cancelTimer = () => clearImmediate(immediate);
      }
    }
    this.#batched++;
  }

  /**
   * Commits the open batch now, then tells whoever waits. Never throws: a failed commit rolls
   * back and goes to `onError` (then `onRollback`), and so does a listener that throws.
   */
  commit(): void {
    if (this.#batched === 0) return;
    this.#batched = 0;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    try {
      this.#commit.run();
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec("ROLLBACK");
      this.#onError(error);
      this.#onRollback();
    }
    this.#lastCommit = performance.now();
    for (const listener of this.#waiting.splice(0)) {
      try {
        listener();
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Calls `listener` once the open batch is committed (at once when none is open). */
  afterCommit(listener: () => void): void {
    if (this.#batched === 0) listener();
    else this.#waiting.push(listener);
  }
}
