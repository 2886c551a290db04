/**
 * store: the SQLite store's archive inserts against a bare better-sqlite3 insert into a
 * one-table schema (same pragmas, same run). MAM page latency is in mam.ts, opening a file of
 * 100,000 rooms in coldstart.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import type { ArchiveInput } from "../src/store/types.js";
import { median, type Row, row } from "./stats.js";

const KEY = { user: "bench@example.org", room: "room@gw.example" };
const INSERTS = 10_000;
const ROUNDS = 3;
const NO_RETENTION = { retentionDays: Number.POSITIVE_INFINITY };
const T0 = Date.UTC(2024, 0, 1);

const xmlOf = (n: number) => `<message xmlns="jabber:client" type="groupchat" from="${KEY.room}/u${n % 50}"><body>message number ${n}</body></message>`;

export function pragmas(db: Database.Database): void {
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

/** Runs the store benchmark; see the module notes. */
export async function storeBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-store-"));
  try {
    return insertRows(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
