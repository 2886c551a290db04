/**
 * WAL checkpoints of the SQLite store, run off the main thread.
 *
 * @remarks
 * In WAL mode a commit appends pages to the `-wal` file; a checkpoint copies them back into the
 * database file and syncs it. By default SQLite runs one inside the COMMIT that takes the WAL
 * past 1,000 pages, on the thread that commits: with `synchronous = NORMAL` that is the only
 * fsync the store ever waits for, and under load it came every ~100 group commits and held the
 * event loop for milliseconds (an archive insert cost 24–50 µs of wall time instead of 16–19 µs,
 * 60,000 messages in batches of 20).
 *
 * A worker thread with its own connection to the file runs `PRAGMA wal_checkpoint(PASSIVE)`
 * every {@link CHECKPOINT_MS}; a passive checkpoint never blocks the writer (the main thread
 * goes on committing while pages are copied) and SQLite restarts the WAL from its start once
 * a checkpoint has copied all of it. The main connection keeps an automatic checkpoint at
 * {@link FALLBACK_PAGES} as a bound on the WAL should the worker fall behind or die. The worker
 * starts once the store has made {@link START_AFTER} writes ({@link LazyCheckpointer}); until
 * then SQLite's own automatic checkpoint (1,000 pages) runs inside the commits.
 *
 * Durability is unchanged: the same frames reach the database file through the same
 * checkpoint, only on another thread; a crash between two checkpoints leaves committed pages in
 * the WAL, which the next open replays, as before.
 *
 * @internal
 * @module
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";

/** How often the worker checkpoints, in ms. */
export const CHECKPOINT_MS = 200;

/** WAL size (pages) at which the main connection checkpoints by itself: the bound if the worker lags. */
export const FALLBACK_PAGES = 10_000;

/**
 * The size (bytes) the `-wal` file is cut back to when SQLite restarts it (`journal_size_limit`):
 * a WAL that one large transaction or a lagging worker grew keeps its size on disk otherwise.
 */
export const WAL_FILE_LIMIT = 16 * 1024 * 1024;

/**
 * Writes (archived messages, rooms, participants, avatars) after which a store starts its worker:
 * a store that opens, reads and closes (the CLI, a cold start) never pays for one (~20 ms to
 * start a worker thread).
 */
export const START_AFTER = 1_000;

/**
 * The worker's code (CommonJS, run with `eval`): opens the file, checkpoints on a timer, closes
 * on a `"close"` message. A checkpoint error (`SQLITE_BUSY` while another checkpoint runs) is
 * retried at the next tick. It opens only a file that exists: the store may have closed (and
 * its file been removed) before the thread started, and opening would create an empty one.
 */
const WORKER_CODE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma("busy_timeout = 0");
} catch {
  // The store closed and its file went before this thread opened it: nothing to checkpoint.
  db = undefined;
}
const checkpoint = () => { try { if (db) db.pragma("wal_checkpoint(PASSIVE)"); } catch {} };
const timer = db && setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  if (timer) clearInterval(timer);
  checkpoint();
  if (db) db.close();
  parentPort.close();
});
if (!db) parentPort.close();
`;

/** True for a database in a file in WAL mode, the only kind a checkpoint worker serves. */
function hasWalFile(db: Database.Database): boolean {
  return !db.memory && db.name !== "" && db.pragma("journal_mode", { simple: true }) === "wal";
}

/** A running checkpoint worker. */
interface Checkpointer {
  /** Asks the worker to stop after a last checkpoint; resolves when it has exited. */
  close(): Promise<void>;
}

/**
 * Starts the checkpoint worker for `db`'s file (in WAL mode) and sets `db`'s automatic checkpoint
 * to {@link FALLBACK_PAGES}. The worker does not keep the process alive; an error of the worker
 * goes to `onError`, after which SQLite's automatic checkpoint is back at its default.
 */
function startCheckpointer(db: Database.Database, onError: (error: unknown) => void): Checkpointer {
  db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  const module = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_CODE, { eval: true, workerData: { path: db.name, module, intervalMs: CHECKPOINT_MS } });
  worker.unref();
  worker.on("error", (error) => {
    if (db.open) db.pragma("wal_autocheckpoint = 1000");
    onError(error);
  });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    close() {
      worker.postMessage("close");
      return exited;
    },
  };
}

/**
 * The checkpoint worker of a store, started by its {@link START_AFTER}-th write (for a database
 * in a WAL file only). Before, only archived messages counted: a store that wrote rooms and
 * participants, or backfilled through `archiveMany`, kept checkpointing inside its commits.
 * @internal
 */
export class LazyCheckpointer {
  readonly #db: Database.Database;
  readonly #onError: (error: unknown) => void;
  /** Writes left before the worker starts; 0 once it has (or never will). */
  #left = START_AFTER;
  #worker: Checkpointer | undefined;

  constructor(db: Database.Database, onError: (error: unknown) => void) {
    this.#db = db;
    this.#onError = onError;
  }

  /** Counts `count` writes, starting the worker at the {@link START_AFTER}-th. */
  wrote(count = 1): void {
    if (this.#left === 0) return;
    this.#left = Math.max(0, this.#left - count);
    if (this.#left === 0 && hasWalFile(this.#db)) this.#worker = startCheckpointer(this.#db, this.#onError);
  }

  /** Stops the worker, if it started, after a last checkpoint; see {@link Checkpointer.close}. */
  close(): Promise<void> {
    return this.#worker?.close() ?? Promise.resolve();
  }
}
