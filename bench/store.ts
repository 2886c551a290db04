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
import { type Row, row } from "./stats.js";

const KEY = { user: "bench@example.org", room: "room@gw.example" };
const INSERTS = 10_000;
const ROUNDS = 5;
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

/**
 * Inserts per second through `store.archive()`, `perTurn` messages an event-loop turn (group
 * commits as live traffic gets them: `groupCommitMs: 0` commits every turn), or through
 * `archiveMany()` in batches of `batch`.
 */
async function storeInserts(path: string, mode: { perTurn: number; groupCommitMs?: number } | { batch: number }): Promise<number> {
  const store = openSqliteStore(path, { ...NO_RETENTION, groupCommitMs: "groupCommitMs" in mode ? mode.groupCommitMs : undefined });
  store.putRoom({ ...KEY, legacyId: "bench", type: "group" });
  const start = performance.now();
  if ("batch" in mode) {
    for (let n = 0; n < INSERTS; n += mode.batch) store.archiveMany(Array.from({ length: mode.batch }, (_, i) => message(n + i)));
  } else {
    for (let n = 0; n < INSERTS; ) {
      for (let i = 0; i < mode.perTurn; i++, n++) store.archive(message(n));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
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
async function insertRows(dir: string): Promise<Row[]> {
  const bare: number[] = [];
  const single: number[] = [];
  const grouped: number[] = [];
  const batched: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(bareInserts(join(dir, `bare-${round}.db`)));
    single.push(await storeInserts(join(dir, `single-${round}.db`), { perTurn: 1, groupCommitMs: 0 }));
    grouped.push(await storeInserts(join(dir, `grouped-${round}.db`), { perTurn: 1 }));
    batched.push(await storeInserts(join(dir, `batch-${round}.db`), { batch: 100 }));
  }
  const note = `${ROUNDS} rounds of ${INSERTS}; baseline: bare one-table insert, one commit each`;
  return [
    row("store", "archive(), 1 message a turn, groupCommitMs 0: one commit per message", single, "msg/s", bare, note),
    row("store", "archive(), 1 message a turn, default group commit (at most every 2 ms)", grouped, "msg/s", bare, note),
    row("store", "archiveMany(), batches of 100 (backfill)", batched, "msg/s", bare, note),
  ];
}

/** Runs the store benchmark; see the module notes. */
export async function storeBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-store-"));
  try {
    return await insertRows(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
