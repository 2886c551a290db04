/**
 * How SQLite runs the archive's MAM queries: the plans of the statements `SqliteArchive.query`
 * really prepares, caught with better-sqlite3's `verbose` hook. A plan that walks the room's
 * whole time index costs as much as the room is large (an `ids` query took 100 ms in a room of
 * 1,000,000 messages), so these assert the plan, not a time.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { MamQuery } from "../../src/store/mam.js";
import { SqliteArchive } from "../../src/store/sqliteArchive.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import { KEY, message, NO_RETENTION, removeTempDirs, room, tempDir } from "./helpers.js";

afterEach(removeTempDirs);

/** A store file with 200 messages in one room, then the archive over a connection that records every statement it runs. */
function recordedArchive() {
  const path = join(tempDir(), "plans.db");
  const store = openSqliteStore(path, NO_RETENTION);
  store.putRoom(room());
  for (let n = 0; n < 200; n++) store.archive(message(n));
  store.close();
  const statements: string[] = [];
  const db = new Database(path, { verbose: (sql) => statements.push(String(sql)) });
  const archive = new SqliteArchive(db);
  const roomId = db.prepare("SELECT id FROM rooms").pluck().get() as number;
  const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail);
  return { db, archive, roomId, statements, plan };
}

describe("the SQLite archive's query plans", () => {
  it("reads the rows of an ids query by their rowid, never by walking the room's time index", () => {
    const { db, archive, roomId, statements, plan } = recordedArchive();
    statements.length = 0;
    const page = archive.query(KEY, roomId, { ids: ["150", "3", "77"] }, 1);
    expect(page.messages.map((m) => m.stanzaId)).toEqual(["3", "77", "150"]);
    expect(page.count).toBe(3);
    const byIds = statements.filter((sql) => sql.includes("json_each"));
    // The count and the page.
    expect(byIds).toHaveLength(2);
    for (const sql of byIds) {
      const steps = plan(sql);
      expect(steps.some((step) => step.startsWith("SEARCH archive USING INTEGER PRIMARY KEY"))).toBe(true);
      expect(steps.filter((step) => /\barchive\b/.test(step) && /INDEX archive_/.test(step))).toEqual([]);
    }
    db.close();
  });

  it("reads every kind of page through an index or by rowid, never by scanning the archive table", () => {
    const { db, archive, roomId, statements, plan } = recordedArchive();
    const pages: MamQuery[] = [
      { before: "", max: 10 },
      { before: "150", max: 10 },
      { after: "50", max: 10 },
      { start: message(20).timestamp, max: 10 }, // the older half: counted before the start
      { start: message(180).timestamp, max: 10 },
      { end: message(20).timestamp, before: "", max: 10 },
      { with: message(7).authorJid, before: "", max: 10 },
      { afterId: "40", max: 10 },
      { ids: ["3", "77"] },
    ];
    for (const query of pages) {
      statements.length = 0;
      archive.query(KEY, roomId, query, 1);
      const reads = statements.filter((sql) => /^SELECT/.test(sql) && /\bFROM archive\b/.test(sql));
      expect(reads.length, JSON.stringify(query)).toBeGreaterThan(0);
      for (const sql of reads) expect(plan(sql).filter((step) => /^SCAN archive\b/.test(step)), sql).toEqual([]);
    }
    db.close();
  });

  it("counts a catch-up from the older half of the room's span by the rows before its start", () => {
    const { db, archive, roomId, statements } = recordedArchive();
    statements.length = 0;
    expect(archive.query(KEY, roomId, { start: message(20).timestamp, max: 1 }, 1).count).toBe(180);
    expect(statements.filter((sql) => /^SELECT COUNT\(\*\) FROM archive WHERE room_id = \S+ AND timestamp < /.test(sql))).toHaveLength(1);
    expect(statements.filter((sql) => /timestamp >= /.test(sql) && /COUNT/.test(sql))).toEqual([]);
    db.close();
  });

  it("keeps the other filters of an ids query", () => {
    const { db, archive, roomId } = recordedArchive();
    const after = archive.query(KEY, roomId, { ids: ["150", "3", "77"], start: message(50).timestamp }, 1);
    expect(after.messages.map((m) => m.stanzaId)).toEqual(["77", "150"]);
    expect(after.count).toBe(2);
    const one = archive.query(KEY, roomId, { ids: ["150", "3", "77"], max: 1 }, 1);
    expect(one.messages.map((m) => m.stanzaId)).toEqual(["3"]);
    expect(one.count).toBe(3);
    db.close();
  });
});
