/**
 * Shared fixtures of the store tests: the implementations (synchronous: memory and SQLite;
 * asynchronous: those two through {@link fromSyncStore}, and PostgreSQL), a room, and the
 * ten-message history slidge's MAM tests use (2000-01-01T00:00Z … 09:00Z, one author per message).
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach } from "vitest";
import { type AsyncStore, fromSyncStore } from "../../src/store/asyncTypes.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { createPostgresStore } from "../../src/store/postgresStore.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import { type PostgresHandle, startPostgres } from "../../src/testbed/postgres.js";
import type { ArchivedMessage, ArchiveInput, RoomKey, RoomRecord, Store } from "../../src/store/types.js";

export const USER = "juliet@capulet.lit";
export const ROOM = "coven@gw.example";
export const KEY: RoomKey = { user: USER, room: ROOM };

/** A fresh directory for database files, removed by {@link removeTempDirs}. */
const dirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-store-"));
  dirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  // A store that archived 1,000 messages has a checkpoint worker, which does its last checkpoint
  // after `close()` returns and may still add a file while the folder is removed: retry then.
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 25 });
}

/** Both implementations, opened without a retention timer. */
export const IMPLEMENTATIONS: Array<[name: string, open: () => Store]> = [
  ["memory", () => createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY })],
  ["sqlite", () => openSqliteStore(join(tempDir(), "store.db"), { retentionDays: Number.POSITIVE_INFINITY })],
];

/** The test file's PostgreSQL, started by the first test that needs it; see {@link usePostgres}. */
let server: Promise<PostgresHandle> | undefined;
let schemas = 0;

/**
 * The connection string of this test file's PostgreSQL (one server per file, started on first
 * use) and a fresh schema in it for one test; the server stops after the calling suite.
 */
export async function postgresSchema(): Promise<{ connectionString: string; schema: string }> {
  server ??= startPostgres();
  return { connectionString: (await server).connectionString, schema: `test_${++schemas}` };
}

/** Stops this test file's PostgreSQL after the calling suite, if it was started. */
export function stopPostgresAfterAll(): void {
  afterAll(async () => {
    const started = server;
    server = undefined;
    await (await started)?.stop();
  });
}

/** A PostgreSQL store in a fresh schema of this file's server, without a retention timer. */
export async function openPostgresStore(): Promise<AsyncStore> {
  return createPostgresStore({ ...(await postgresSchema()), maxConnections: 3, retentionDays: Number.POSITIVE_INFINITY });
}

/** The three implementations as {@link AsyncStore}s: the contract every store meets. */
export const ASYNC_IMPLEMENTATIONS: Array<[name: string, open: () => Promise<AsyncStore>]> = [
  ...IMPLEMENTATIONS.map(([name, open]): [string, () => Promise<AsyncStore>] => [name, async () => fromSyncStore(open())]),
  ["postgres", openPostgresStore],
];

/** Like {@link useStore}, for an {@link AsyncStore}; stops the file's PostgreSQL after the suite. */
export function useAsyncStore(open: () => Promise<AsyncStore>): () => AsyncStore {
  let store: AsyncStore | undefined;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    removeTempDirs();
  });
  stopPostgresAfterAll();
  return () => store!;
}

/** Opens a fresh store before each test and closes it after; read it through the getter. */
export function useStore(open: () => Store): () => Store {
  let store: Store | undefined;
  beforeEach(() => {
    store = open();
  });
  afterEach(() => {
    store?.close();
    removeTempDirs();
  });
  return () => store!;
}

export function room(overrides: Partial<RoomRecord> = {}): RoomRecord {
  return { ...KEY, legacyId: "coven-legacy", type: "group", ...overrides };
}

/** epoch ms of 2000-01-01 at `hour`:00 UTC. */
export const hour = (h: number) => Date.UTC(2000, 0, 1, h);

/** The occupant JID of slidge's backfilled `history-man-N`. */
export const historyMan = (n: number) => `${ROOM}/history-man-${n}`;

/** A message of the fixture history; `id` is both stanza-id and (prefixed) legacy id. */
export function message(n: number, overrides: Partial<ArchiveInput> = {}): ArchiveInput {
  return {
    ...KEY,
    stanzaId: String(n),
    legacyId: `legacy-${n}`,
    timestamp: hour(n),
    authorJid: historyMan(n),
    source: "backfill",
    xml: `<message type="groupchat" from="${historyMan(n)}"><body>${n}</body></message>`,
    ...overrides,
  };
}

/** Stores the room and its ten fixture messages 0…9. */
export function fillHistory(store: Store, key: RoomKey = KEY): void {
  store.putRoom(room(key));
  for (let n = 0; n < 10; n++) store.archive(message(n, key));
}

/** {@link fillHistory} on an {@link AsyncStore}. */
export async function fillAsync(store: AsyncStore, key: RoomKey = KEY): Promise<void> {
  await store.putRoom(room(key));
  for (let n = 0; n < 10; n++) await store.archive(message(n, key));
}

/** Stanza-ids of messages, for compact assertions. */
export const ids = (messages: ArchivedMessage[]) => messages.map((m) => m.stanzaId);

/** Options of a store that never purges. */
export const NO_RETENTION = { retentionDays: Number.POSITIVE_INFINITY };

/** Reads the SQLite file at `path` through a read-only connection of its own. */
export function inspect<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Creates the SQLite store at `path` with a trap: COMMIT fails whenever its batch archived a message with POISON in it (a deferred foreign key). */
export function poisonedFile(path: string): void {
  openSqliteStore(path, NO_RETENTION).close();
  const db = new Database(path);
  db.exec(`CREATE TABLE poison_parent (id INTEGER PRIMARY KEY);
    CREATE TABLE poison_child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES poison_parent (id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER poison AFTER INSERT ON archive WHEN instr(NEW.xml, 'POISON') > 0 BEGIN INSERT INTO poison_child (parent) VALUES (42); END;`);
  db.close();
}
