/**
 * The writer of the PostgreSQL store: one connection that runs every write in call order, with
 * archive and participant writes group-committed the way {@link GroupCommit} does for SQLite.
 *
 * @remarks
 * Writes form a queue on one dedicated connection, so they apply in the order they were called
 * (an `archive()` made right after a `putRoom()` finds its room, awaited or not). The first
 * group-committed write after a quiet spell opens a transaction (`BEGIN`) whose `COMMIT` is
 * queued at the end of the event-loop turn; under load commits come at most every `intervalMs`,
 * each covering every write since the last, and a batch of {@link MAX_BATCH} writes commits at
 * once. Other writes join the open batch, or run in a transaction of their own when none is.
 *
 * In PostgreSQL any failed statement aborts its whole transaction. A write that fails therefore
 * settles its batch at once, and a failed `COMMIT` settles it too: the batch is rolled back, and
 * each other write of it is replayed in a transaction of its own, in order; those that fail again
 * are lost, and whoever waits for the commit is told which, with the error.
 *
 * @internal
 * @module
 */
import type pg from "pg";
import { StoreRoomNotFound } from "./errors.js";
import { DEFAULT_GROUP_COMMIT_MS, type Lost, MAX_BATCH } from "./groupCommit.js";

/** A write on the writer connection. */
type Write<R> = (client: pg.ClientBase) => Promise<R>;

interface Entry<T> {
  write: Write<unknown>;
  lost: T | undefined;
}

/** Options of {@link PgWriter}. */
export interface PgWriterOptions {
  /** Shortest time between two commits, in ms. */
  intervalMs?: number;
  /** Gets a failed commit or write of a batch, a failed replay, and any error of a listener. */
  onError: (error: unknown) => void;
  /** Called after a batch was rolled back, before the replays: drop what was cached from it. */
  onRollback: () => void;
}

/** The write queue and group commit of one PostgreSQL store. @internal */
export class PgWriter<T extends object> {
  readonly #client: pg.ClientBase;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #onRollback: () => void;
  #tail: Promise<unknown> = Promise.resolve();
  /** Writes called and not yet run. */
  #queued = 0;
  #open = false;
  #journal: Array<Entry<T>> = [];
  #waiting: Array<(lost: ReadonlyArray<Lost<T>>) => void> = [];
  #lastCommit = Number.NEGATIVE_INFINITY;
  #cancelTimer: (() => void) | undefined;

  constructor(client: pg.ClientBase, options: PgWriterOptions) {
    this.#client = client;
    this.#intervalMs = options.intervalMs ?? DEFAULT_GROUP_COMMIT_MS;
    this.#onError = options.onError;
    this.#onRollback = options.onRollback;
  }

  /** True from a write's call until the batch that holds it is settled. */
  get uncommitted(): boolean {
    return this.#queued > 0 || this.#open;
  }

  /** Runs `write` in the open batch (opening one); `lost` names it to the waiters if it is lost. */
  grouped<R>(write: Write<R>, lost?: T): Promise<R> {
    return this.#write(async () => {
      if (!this.#open) await this.#begin();
      return this.#inBatch(write, lost);
    });
  }

  /** Runs `write` in the open batch if there is one, else in a transaction of its own. */
  joined<R>(write: Write<R>): Promise<R> {
    return this.#write(() => (this.#open ? this.#inBatch(write, undefined) : this.#alone(write)));
  }

  /** Commits the open batch, then runs `write` in a transaction of its own (a backfill batch). */
  separate<R>(write: Write<R>): Promise<R> {
    return this.#write(async () => {
      await this.#commitNow();
      return this.#alone(write);
    });
  }

  /** Calls `listener` once the writes called so far are committed (at once when none is pending). */
  afterCommit(listener: (lost: ReadonlyArray<Lost<T>>) => void): void {
    if (!this.uncommitted) return listener([]);
    void this.#enqueue(async () => {
      if (this.#open) this.#waiting.push(listener);
      else this.#tell(listener, []);
    });
  }

  /** Commits the writes called so far now; resolves with those that were lost. Never rejects. */
  commit(): Promise<ReadonlyArray<Lost<T>>> {
    const told = new Promise<ReadonlyArray<Lost<T>>>((done) => this.afterCommit(done));
    void this.#enqueue(() => this.#commitNow());
    return told;
  }

  /** Resolves once the writes called so far are committed: what a read waits for. */
  settled(): Promise<void> {
    return this.uncommitted ? new Promise((done) => this.afterCommit(() => done())) : Promise.resolve();
  }

  #write<R>(op: () => Promise<R>): Promise<R> {
    this.#queued++;
    return this.#enqueue(async () => {
      this.#queued--;
      return op();
    });
  }

  #enqueue<R>(op: () => Promise<R>): Promise<R> {
    const result = this.#tail.then(op);
    this.#tail = result.catch(() => {});
    return result;
  }

  async #begin(): Promise<void> {
    await this.#client.query("BEGIN");
    this.#open = true;
    const wait = this.#lastCommit + this.#intervalMs - performance.now();
    const commit = () => void this.#enqueue(() => this.#commitNow());
    if (wait > 0) {
      const timer = setTimeout(commit, wait);
      this.#cancelTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(commit);
      this.#cancelTimer = () => clearImmediate(immediate);
    }
  }

  async #inBatch<R>(write: Write<R>, lost: T | undefined): Promise<R> {
    if (this.#journal.length >= MAX_BATCH) {
      await this.#commitNow();
      await this.#begin();
    }
    try {
      const result = await write(this.#client);
      this.#journal.push({ write, lost });
      return result;
    } catch (error) {
      // A failed statement aborted the transaction: replay the rest of the batch now. A check of
      // ours (an unknown room, a bad record) sent nothing that failed, so the batch goes on.
      if (!(error instanceof StoreRoomNotFound || error instanceof TypeError)) await this.#settle([error]);
      throw error;
    }
  }

  async #alone<R>(write: Write<R>): Promise<R> {
    await this.#client.query("BEGIN");
    try {
      const result = await write(this.#client);
      await this.#client.query("COMMIT");
      return result;
    } catch (error) {
      await this.#client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  async #commitNow(): Promise<void> {
    if (!this.#open) return;
    try {
      await this.#client.query("COMMIT");
    } catch (error) {
      return this.#settle([error]);
    }
    return this.#settle([]);
  }

  /** Ends the batch: after a failure, rolls back and replays each write alone; then tells the waiters. */
  async #settle(failure: [] | [unknown]): Promise<void> {
    this.#open = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const journal = this.#journal;
    this.#journal = [];
    const lost: Array<Lost<T>> = [];
    if (failure.length > 0) {
      await this.#client.query("ROLLBACK").catch(() => {});
      this.#onError(failure[0]);
      this.#onRollback();
      for (const entry of journal) {
        try {
          await this.#alone(entry.write);
        } catch (error) {
          this.#onError(error);
          if (entry.lost !== undefined) lost.push({ ...entry.lost, error });
        }
      }
    }
    this.#lastCommit = performance.now();
    for (const listener of this.#waiting.splice(0)) this.#tell(listener, lost);
  }

  #tell(listener: (lost: ReadonlyArray<Lost<T>>) => void, lost: ReadonlyArray<Lost<T>>): void {
    try {
      listener(lost);
    } catch (error) {
      this.#onError(error);
    }
  }
}
