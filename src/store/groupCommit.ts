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
 * A failed COMMIT rolls the whole batch back. Each write of the batch is then
 * replayed in a transaction of its own, so that one bad write (or a passing `SQLITE_BUSY`) does
 * not lose the others; what fails again is lost, and the waiters are told which, each with the
 * error its replay failed with (one commit per write: ~200 µs each, on a failure path only).
 * A write can also fail by itself, before any COMMIT ({@link GroupCommit.run}): a full disk
 * (`SQLITE_FULL`), an I/O error or `SQLITE_BUSY` make SQLite roll back the whole transaction
 * with the statement, and the batch is then settled at once, as if its COMMIT had failed.
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
  /** Called after a failed commit was rolled back, before the replays, and after each replay that failed: drop what was cached from the lost writes. */
  onRollback?: () => void;
  /** Runs in the batch's transaction just before its COMMIT (a throw fails the commit). */
  beforeCommit?: () => void;
  /** Called once a batch's COMMIT went through, before the waiters are told. */
  onCommitted?: () => void;
}

/** A write of the open batch, replayed on its own if the batch's commit fails. */
export interface JournaledWrite<T extends object> {
  /** Runs the write again (in a transaction the group commit opens). */
  redo(): void;
  /** What is lost when the replay fails too, as the waiters are told; none for a write no stanza refers to. */
  lost?: T;
}

/** Throws a `TypeError` unless `value` is undefined or 0 to 1000 ms. @internal */
export function checkGroupCommitMs(value: unknown): void {
  if (value === undefined) return;
  check(typeof value === "number" && value >= 0 && value <= 1_000, "groupCommitMs", "a number of milliseconds from 0 to 1000", value);
}

/** A lost write as the waiters are told: what its journal entry named, and why its replay failed. */
export type Lost<T extends object> = T & { error: unknown };

/** One database's open group commit; `T` names a write the waiters may be told was lost. @internal */
export class GroupCommit<T extends object = never> {
  readonly #db: Database.Database;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #onRollback: () => void;
  readonly #beforeCommit: () => void;
  readonly #onCommitted: () => void;
  #batched = 0;
  #cancelTimer: (() => void) | undefined;
  #lastCommit = Number.NEGATIVE_INFINITY;
  #waiting: Array<(lost: ReadonlyArray<Lost<T>>) => void> = [];
  #journal: Array<JournaledWrite<T>> = [];

  constructor(db: Database.Database, options: GroupCommitOptions) {
    const intervalMs = options.intervalMs ?? DEFAULT_GROUP_COMMIT_MS;
    checkGroupCommitMs(intervalMs);
    this.#db = db;
    // IMMEDIATE: the batch takes the write lock at once (waiting up to busy_timeout). A deferred
    // BEGIN takes it at the first write; when another connection commits between the batch's
    // first read and that write, SQLite refuses the write (SQLITE_BUSY_SNAPSHOT) without waiting.
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#intervalMs = intervalMs;
    this.#onError = options.onError;
    this.#onRollback = options.onRollback ?? (() => {});
    this.#beforeCommit = options.beforeCommit ?? (() => {});
    this.#onCommitted = options.onCommitted ?? (() => {});
  }

  /** True while a batch waits for its commit. */
  get uncommitted(): boolean {
    return this.#batched > 0;
  }

  /**
   * Adds one write to the open batch, opening one (and its commit timer) if none is; the caller
   * then runs it. It is replayed if the batch's commit fails.
   */
  join(write: JournaledWrite<T>): void {
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
    this.#journal.push(write);
  }

  /**
   * Commits the open batch now, then tells whoever waits which writes were lost (none, unless
   * the commit and their replay failed). Never throws: a failed commit rolls back and goes to
   * `onError` (then `onRollback`), and so do a failed replay and a listener that throws.
   */
  commit(): void {
    if (this.#batched === 0) return;
    try {
      this.#beforeCommit();
      this.#commit.run();
    } catch (error) {
      return this.#settle(error);
    }
    this.#onCommitted();
    this.#settle();
  }

  /**
   * Runs `write` in the open batch (see {@link join}); `lost` names it to the waiters if it is
   * lost. A write that throws leaves the batch and its error goes to the caller; if SQLite rolled
   * the whole transaction back with it (as it may for `SQLITE_FULL`, `SQLITE_IOERR`,
   * `SQLITE_BUSY`), the rest of the batch is settled at once, as after a failed commit.
   */
  run<R>(write: () => R, lost?: T): R {
    const entry: JournaledWrite<T> = { redo: () => void write(), lost };
    this.join(entry);
    try {
      return write();
    } catch (error) {
      if (this.#journal.at(-1) === entry) this.#journal.pop();
      if (this.#batched > 0 && !this.#db.inTransaction) this.#settle(error);
      throw error;
    }
  }

  /** Ends the batch: after a failure, rolls back and replays each write alone; then tells the waiters. */
  #settle(...failure: [] | [unknown]): void {
    this.#batched = 0;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const journal = this.#journal;
    this.#journal = [];
    const lost: Array<Lost<T>> = [];
    if (failure.length > 0) {
      this.#rollback();
      this.#onError(failure[0]);
      this.#onRollback();
      for (const write of journal) {
        const replay = this.#replay(write);
        if (!replay.ok && write.lost !== undefined) lost.push({ ...write.lost, error: replay.error });
      }
    }
    this.#lastCommit = performance.now();
    for (const listener of this.#waiting.splice(0)) {
      try {
        listener(lost);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Calls `listener` once the open batch is committed (at once, with nothing lost, when none is open). */
  afterCommit(listener: (lost: ReadonlyArray<Lost<T>>) => void): void {
    if (this.#batched === 0) listener([]);
    else this.#waiting.push(listener);
  }

  /** Runs one write of a failed batch in its own transaction; the error when it fails again. */
  #replay(write: JournaledWrite<T>): { ok: true } | { ok: false; error: unknown } {
    try {
      this.#begin.run();
      write.redo();
      this.#commit.run();
      return { ok: true };
    } catch (error) {
      this.#rollback();
      this.#onRollback();
      this.#onError(error);
      return { ok: false, error };
    }
  }

  #rollback(): void {
    if (this.#db.inTransaction) this.#db.exec("ROLLBACK");
  }
}
