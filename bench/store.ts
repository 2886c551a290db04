/**
 * store: the SQLite store's archive inserts against a bare better-sqlite3 insert into a
 * one-table schema (same pragmas, same run), MAM page latency over 1,000,000 messages in one
 * room, and the time to open a file of 100,000 rooms and load one of them (lazy activation).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { MamQuery } from "../src/store/mam.js";
import { migrate } from "../src/store/migrations.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import type { ArchiveInput } from "../src/store/types.js";
import { median, quantile, type Row, row } from "./stats.js";

const KEY = { user: "bench@example.org", room: "room@gw.example" };
const INSERTS = 10_000;
const ROUNDS = 3;
const ARCHIVE_SIZE = 1_000_000;
const ROOMS = 100_000;
const QUERIES = 300;
const NO_RETENTION = { retentionDays: Number.POSITIVE_INFINITY };
const T0 = Date.UTC(2024, 0, 1);

const xmlOf = (n: number) => `<message xmlns="jabber:client" type="groupchat" from="${KEY.room}/u${n % 50}"><body>message number ${n}</body></message>`;

function pragmas(db: Database.Database): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
}

function message(n: number): ArchiveInput {
  return { ...KEY, stanzaId: `s${n}`, legacyId: `l${n}`, timestamp: T0 + n * 1000, authorJid: `${KEY.room}/u${n % 50}`, source: "live", xml: xmlOf(n) };
}

/** Inserts per second through `store.archive()` (one commit each, as live messages are) or `archiveMany()`. */
function storeInserts(path: string, batch: number): number {
  const store = openSqliteStore(path, NO_RETENTION);
  store.putRoom({ ...KEY, legacyId: "bench", type: "group" });
  const start = performance.now();
  if (batch === 1) for (let n = 0; n < INSERTS; n++) store.archive(message(n));
  else for (let n = 0; n < INSERTS; n += batch) store.archiveMany(Array.from({ length: batch }, (_, i) => message(n + i)));
  const elapsed = performance.now() - start;
  store.close();
  return INSERTS / (elapsed / 1000);
}

/** The baseline: one table, one autocommitted INSERT per message, same pragmas. */
function bareInserts(path: string): number {
  const db = new Database(path);
  pragmas(db);
  db.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY, stanza_id TEXT, timestamp INTEGER, xml TEXT)");
  const insert = db.prepare("INSERT INTO messages (stanza_id, timestamp, xml) VALUES (?, ?, ?)");
  const start = performance.now();
  for (let n = 0; n < INSERTS; n++) insert.run(`s${n}`, T0 + n * 1000, xmlOf(n));
  const elapsed = performance.now() - start;
  db.close();
  return INSERTS / (elapsed / 1000);
}

/** Medians over alternating rounds, so that disk noise hits both sides alike. */
function insertRows(dir: string): Row[] {
  const bare: number[] = [];
  const single: number[] = [];
  const batched: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(bareInserts(join(dir, `bare-${round}.db`)));
    single.push(storeInserts(join(dir, `single-${round}.db`), 1));
    batched.push(storeInserts(join(dir, `batch-${round}.db`), 100));
  }
  const note = `median of ${ROUNDS} rounds of ${INSERTS}; baseline: bare one-table insert, one commit each`;
  return [
    row("store", "archive inserts, one commit each (live)", median(single), "msg/s", median(bare), note),
    row("store", "archiveMany inserts, batches of 100 (backfill)", median(batched), "msg/s", median(bare), note),
  ];
}

/** A file whose one room holds {@link ARCHIVE_SIZE} messages, written in one transaction. */
function bigArchive(path: string): void {
  const db = new Database(path);
  pragmas(db);
  migrate(db);
  const roomId = db.prepare("INSERT INTO rooms (user_jid, room_jid, legacy_id, type) VALUES (?, ?, 'bench', 'group') RETURNING id").pluck().get(KEY.user, KEY.room);
  const insert = db.prepare("INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, live_run, xml) VALUES (?, ?, ?, ?, ?, NULL, ?)");
  db.transaction(() => {
    for (let n = 0; n < ARCHIVE_SIZE; n++) insert.run(roomId, `s${n}`, `l${n}`, T0 + n * 1000, `${KEY.room}/u${n % 50}`, xmlOf(n));
  })();
  db.close();
}

/** p50 and p99 of `queryArchive` for each kind of page a client asks for. */
function pageLatencies(path: string): Row[] {
  const store = openSqliteStore(path, NO_RETENTION);
  const pick = (i: number) => `s${(i * 7919) % ARCHIVE_SIZE}`;
  const kinds: Array<[string, (i: number) => MamQuery]> = [
    ["last page (before='', max 50)", () => ({ before: "", max: 50 })],
    ["page after an id (max 50)", (i) => ({ after: pick(i), max: 50 })],
    ["page before an id (max 50)", (i) => ({ before: pick(i), max: 50 })],
    ["catch-up since a date (start, max 50)", (i) => ({ start: T0 + ((i * 7919) % ARCHIVE_SIZE) * 1000, max: 50 })],
    ["with = one of 50 authors, last page", (i) => ({ with: `${KEY.room}/u${i % 50}`, before: "", max: 50 })],
    ["ids (3 ids)", (i) => ({ ids: [pick(i), pick(i + 1), pick(i + 2)] })],
  ];
  const rows: Row[] = [];
  for (const [name, make] of kinds) {
    for (let i = 0; i < 20; i++) store.queryArchive(KEY, make(QUERIES + i));
    const times: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const query = make(i);
      const start = performance.now();
      store.queryArchive(KEY, query);
      times.push(performance.now() - start);
    }
    rows.push(row("store", `MAM ${name} p50`, quantile(times, 0.5), "ms", undefined, `${ARCHIVE_SIZE} messages in the room, warm, count = total matches`));
    rows.push(row("store", `MAM ${name} p99`, quantile(times, 0.99), "ms"));
  }
  store.close();
  return rows;
}

/** Time to open a file of {@link ROOMS} rooms and load one, against a bare open + SELECT. */
function lazyOpen(path: string): Row {
  const db = new Database(path);
  pragmas(db);
  migrate(db);
  const insert = db.prepare("INSERT INTO rooms (user_jid, room_jid, legacy_id, type) VALUES (?, ?, ?, 'group')");
  db.transaction(() => {
    for (let n = 0; n < ROOMS; n++) insert.run(`user${n % 1000}@example.org`, `room${n}@gw.example`, `legacy-${n}`);
  })();
  db.close();
  const storeMs: number[] = [];
  const bareMs: number[] = [];
  for (let round = 0; round < ROUNDS * 2; round++) {
    const target = [`user${round}@example.org`, `room${round + 54_000}@gw.example`] as const;
    let start = performance.now();
    const store = openSqliteStore(path, NO_RETENTION);
    store.getRoom(...target);
    storeMs.push(performance.now() - start);
    store.close();

    start = performance.now();
    const bare = new Database(path);
    pragmas(bare);
    bare.prepare("SELECT * FROM rooms WHERE user_jid = ? AND room_jid = ?").get(...target);
    bareMs.push(performance.now() - start);
    bare.close();
  }
  return row("store", `open ${ROOMS} rooms + load one`, median(storeMs), "ms", median(bareMs), "baseline: bare open + SELECT; target ≤ 2000 ms");
}

/** Runs the store benchmark; see the module notes. */
export async function storeBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-store-"));
  try {
    const rows = insertRows(dir);
    bigArchive(join(dir, "big.db"));
    rows.push(...pageLatencies(join(dir, "big.db")));
    rows.push(lazyOpen(join(dir, "rooms.db")));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
