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
 * A writer connection that breaks (the server restarted, an administrator or a network ended it)
 * is replaced from the pool before the next statement; the batch it held is settled the same way,
 * its writes replayed on the new connection.
 *
 * @internal
 * @module
 */
import type pg from "pg";
import { DEFAULT_GROUP_COMMIT_MS, type Lost, MAX_BATCH } from "./groupCommit.js";
import { isOurs, type Write } from "./postgresWrite.js";

interface Entry<T> {
  write: Write<unknown>;
  lost: T | undefined;
  /** Its place in call order. */
  index: number;
}

/** Whoever waits for the writes called up to `upTo`, and what was lost among them so far. */
interface Waiter<T extends object> {
  upTo: number;
  lost: Array<Lost<T>>;
  listener: (lost: ReadonlyArray<Lost<T>>) => void;
}

/** Options of {@link PgWriter}. */
export interface PgWriterOptions {
  /** A new connection, when the writer's broke. */
  connect: () => Promise<pg.PoolClient>;
  /** Shortest time between two commits, in ms. */
  intervalMs?: number;
  /** Gets a failed commit or write of a batch, a failed replay, and any error of a listener. */
  onError: (error: unknown) => void;
  /** Called after a batch was rolled back, before the replays: drop what was cached from it. */
  onRollback: () => void;
}

/** The write queue and group commit of one PostgreSQL store. @internal */
export class PgWriter<T extends object> {
  #client: pg.PoolClient;
  #broken = false;
  readonly #connect: () => Promise<pg.PoolClient>;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #onRollback: () => void;
  #tail: Promise<unknown> = Promise.resolve();
  /** Writes called so far, the last one that started to run, and the last one settled (in call order). */
  #called = 0;
  #ran = 0;
  #done = 0;
  #open = false;
  #transaction = 0;
  #journal: Array<Entry<T>> = [];
  #waiting: Array<Waiter<T>> = [];
  #lastCommit = Number.NEGATIVE_INFINITY;
  #cancelTimer: (() => void) | undefined;

  constructor(client: pg.PoolClient, options: PgWriterOptions) {
    this.#client = this.#watch(client);
    this.#connect = options.connect;
    this.#intervalMs = options.intervalMs ?? DEFAULT_GROUP_COMMIT_MS;
    this.#onError = options.onError;
    this.#onRollback = options.onRollback;
  }

  /** True from a write's call until the batch that holds it is settled. */
  get uncommitted(): boolean {
    return this.#done < this.#called;
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
    this.#waiting.push({ upTo: this.#called, lost: [], listener });
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
    const index = ++this.#called;
    return this.#enqueue(async () => {
      this.#ran = index;
      try {
        return await op();
      } finally {
        if (!this.#open) this.#advance([]); // it ran alone, or failed outside a batch
      }
    });
  }

  /** Every write that ran is settled: tells those who waited for them, with what was lost. */
  #advance(lost: ReadonlyArray<Lost<T> & { index: number }>): void {
    this.#done = this.#ran;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const waiter of waiting) {
      for (const { index, ...entry } of lost) if (index <= waiter.upTo) waiter.lost.push(entry as Lost<T>);
      if (waiter.upTo <= this.#done) this.#tell(waiter.listener, waiter.lost);
      else this.#waiting.push(waiter);
    }
  }

  #enqueue<R>(op: () => Promise<R>): Promise<R> {
    const result = this.#tail.then(op);
    this.#tail = result.catch(() => {});
    return result;
  }

  /** The writer connection as it is now (it changes when one breaks). */
  get client(): pg.PoolClient {
    return this.#client;
  }

  #watch(client: pg.PoolClient): pg.PoolClient {
    client.on("error", (error) => {
      if (client === this.#client) this.#broken = true;
      this.#onError(error);
    });
    return client;
  }

  /** Replaces a broken writer connection by a new one from the pool. */
  async #usable(): Promise<pg.ClientBase> {
    if (this.#broken) {
      this.#client.release(true);
      this.#client = this.#watch(await this.#connect());
      this.#broken = false;
    }
    return this.#client;
  }

  /** Notes a connection that broke under a statement (no SQLSTATE, or class 08 or 57P). */
  #check(error: unknown): void {
    if (isOurs(error)) return;
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || code.startsWith("08") || code.startsWith("57P") || !/^[0-9A-Z]{5}$/.test(code)) this.#broken = true;
  }

  /**
   * Opens a transaction on a usable connection. A connection whose end this process has not heard
   * of yet fails at its `BEGIN`; nothing was written, so it is replaced and `BEGIN` sent once more.
   */
  async #start(): Promise<pg.ClientBase> {
    try {
      await (await this.#usable()).query("BEGIN");
    } catch (error) {
      this.#check(error);
      if (!this.#broken) throw error;
      await (await this.#usable()).query("BEGIN");
    }
    this.#transaction++;
    return this.#client;
  }

  /** A number that changes at every transaction the writer opens (what a per-transaction cache keys on). */
  get transaction(): number {
    return this.#transaction;
  }

  async #begin(): Promise<void> {
    await this.#start();
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
      this.#journal.push({ write, lost, index: this.#ran });
      return result;
    } catch (error) {
      // A failed statement aborted the transaction: replay the rest of the batch now. A check of
      // ours (an unknown room, a bad record) sent nothing that failed, so the batch goes on.
      if (!isOurs(error)) {
        this.#check(error);
        await this.#settle([error]);
      }
      throw error;
    }
  }

  async #alone<R>(write: Write<R>): Promise<R> {
    const client = await this.#start();
    try {
      const result = await write(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      this.#check(error);
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  async #commitNow(): Promise<void> {
    if (!this.#open) return;
    try {
      await this.#client.query("COMMIT");
    } catch (error) {
      this.#check(error);
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
    const lost: Array<Lost<T> & { index: number }> = [];
    if (failure.length > 0) {
      await this.#client.query("ROLLBACK").catch(() => {});
      this.#onError(failure[0]);
      this.#onRollback();
      for (const entry of journal) {
        try {
          await this.#alone(entry.write);
        } catch (error) {
          this.#onError(error);
          if (entry.lost !== undefined) lost.push({ ...entry.lost, error, index: entry.index });
        }
      }
    }
    this.#lastCommit = performance.now();
    this.#advance(lost);
  }

  #tell(listener: (lost: ReadonlyArray<Lost<T>>) => void, lost: ReadonlyArray<Lost<T>>): void {
    try {
      listener(lost);
    } catch (error) {
      this.#onError(error);
    }
  }
}
