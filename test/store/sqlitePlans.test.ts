/**
 * How SQLite runs the archive's MAM queries: the plans of the statements `SqliteArchive.query`
 * really prepares, caught with better-sqlite3's `verbose` hook. A plan that walks the room's
 * whole time index costs as much as the room is large (an `ids` query took 100 ms in a room of
 * 1,000,000 messages), so these assert the plan, not a time.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
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
