/**
 * The group commit's failure paths, on a bare SQLite database where a deferred foreign key makes
 * COMMIT itself fail: the batch rolls back, the error is reported, the store can forget what it
 * cached, and every waiter is told, even when one of them throws.
 */
import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/store/groupCommit.js";

let db: Database.Database;
afterEach(() => db?.close());

function database(): Database.Database {
  db = new Database(":memory:");
  db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);`);
  db.pragma("foreign_keys = ON");
  return db;
}

describe("the group commit", () => {
  it("rolls back a batch whose COMMIT fails, reports it, and tells every waiter, even after one throws", () => {
    const errors: unknown[] = [];
    let rollbacks = 0;
    const batch = new GroupCommit(database(), { onError: (e) => errors.push(e), onRollback: () => rollbacks++ });
    const orphan = () => void db.prepare("INSERT INTO child (id, parent) VALUES (1, 42)").run(); // no parent 42: fails at COMMIT
    batch.join({ redo: orphan });
    orphan();
    const told: string[] = [];
    batch.afterCommit(() => {
      told.push("first");
      throw new Error("listener bug");
    });
    batch.afterCommit(() => told.push("second"));
    expect(() => batch.commit()).not.toThrow();
    expect(told).toEqual(["first", "second"]);
    expect(batch.uncommitted).toBe(false);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT COUNT(*) FROM child").pluck().get()).toBe(0);
    expect(rollbacks).toBe(2); // the batch, then the orphan's failed replay
    // the batch's COMMIT, then the orphan's replay on its own
    expect(errors.map((e) => (e as Error).message)).toEqual([expect.stringMatching(/FOREIGN KEY/), expect.stringMatching(/FOREIGN KEY/), "listener bug"]);
  });

  it("replays each journaled write of a failed batch on its own, and names only those that fail again", () => {
    const errors: unknown[] = [];
    const batch = new GroupCommit<{ child: number }>(database(), { onError: (e) => errors.push(e) });
    const insert = (id: number, parent: number) => () => void db.prepare("INSERT INTO child (id, parent) VALUES (?, ?)").run(id, parent);
    db.prepare("INSERT INTO parent (id) VALUES (7)").run();
    for (const [id, parent] of [[1, 7], [2, 42], [3, 7]] as const) {
      batch.join({ redo: insert(id, parent), lost: { child: id } });
      insert(id, parent)();
    }
    const told: unknown[] = [];
    batch.afterCommit((lost) => told.push(lost));
    batch.commit();
    // Each lost write comes with the error its replay failed with.
    expect(told).toEqual([[{ child: 2, error: expect.objectContaining({ code: "SQLITE_CONSTRAINT_FOREIGNKEY" }) }]]);
    expect(db.prepare("SELECT id FROM child ORDER BY id").pluck().all()).toEqual([1, 3]);
    expect(errors.map((e) => (e as Error).message)).toEqual([expect.stringMatching(/FOREIGN KEY/), expect.stringMatching(/FOREIGN KEY/)]);
    expect(db.inTransaction).toBe(false);
  });

  it("keeps working after a failed commit", () => {
    const batch = new GroupCommit(database(), { onError: () => {} });
    const orphan = () => void db.prepare("INSERT INTO child (id, parent) VALUES (1, 42)").run();
    batch.join({ redo: orphan });
    orphan();
    batch.commit();
    const family = () => {
      db.prepare("INSERT INTO parent (id) VALUES (42)").run();
      db.prepare("INSERT INTO child (id, parent) VALUES (2, 42)").run();
    };
    batch.join({ redo: family });
    family();
    batch.commit();
    expect(db.prepare("SELECT id FROM child").pluck().all()).toEqual([2]);
  });

  it("drops a write that fails by itself (SQLITE_FULL) from the batch, and replays the rest at once when SQLite rolled them back with it", () => {
    db = new Database(join(mkdtempSync(join(tmpdir(), "mucstate-gc-")), "full.db"));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (x TEXT)");
    db.pragma("max_page_count = 12"); // SQLite's own "database or disk is full" beyond 12 pages
    const errors: string[] = [];
    const batch = new GroupCommit<{ row: string }>(db, { onError: (e) => errors.push((e as { code: string }).code) });
    const insert = (x: string) => () => void db.prepare("INSERT INTO t VALUES (?)").run(x);
    batch.run(insert("small"), { row: "small" });
    const told: unknown[] = [];
    batch.afterCommit((lost) => told.push(lost));
    let thrown: unknown;
    try {
      batch.run(insert("x".repeat(100_000)), { row: "big" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "SQLITE_FULL" });
    // SQLite rolled back "small" with the failed statement; it was replayed alone, at once.
    expect(told).toEqual([[]]);
    expect(batch.uncommitted).toBe(false);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT x FROM t").pluck().all()).toEqual(["small"]);
    expect(errors).toEqual(["SQLITE_FULL"]);
    // The failed write is never replayed, and the next batch works.
    batch.run(insert("next"), { row: "next" });
    batch.commit();
    expect(db.prepare("SELECT x FROM t").pluck().all()).toEqual(["small", "next"]);
  });

  it("holds the write lock from the batch's start, so another connection's commit between the batch's first read and its write loses nothing", () => {
    const file = join(mkdtempSync(join(tmpdir(), "mucstate-gc-")), "two.db");
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (x TEXT)");
    const other = new Database(file);
    other.pragma("busy_timeout = 0"); // refused at once rather than waiting for the batch
    try {
      const batch = new GroupCommit<{ row: string }>(db, { onError: () => {} });
      let refused: unknown;
      const write = () => {
        db.prepare("SELECT COUNT(*) FROM t").get(); // the batch reads first (as the archive's id check does)
        try {
          other.prepare("INSERT INTO t VALUES ('other')").run();
        } catch (error) {
          refused = error;
        }
        db.prepare("INSERT INTO t VALUES ('batch')").run();
      };
      // A deferred BEGIN let the other connection commit here, and the batch's INSERT then failed (SQLITE_BUSY_SNAPSHOT).
      expect(() => batch.run(write, { row: "batch" })).not.toThrow();
      expect(refused).toMatchObject({ code: "SQLITE_BUSY" });
      batch.commit();
      other.prepare("INSERT INTO t VALUES ('other')").run(); // once the batch committed
      expect(other.prepare("SELECT x FROM t").pluck().all()).toEqual(["batch", "other"]);
    } finally {
      other.close();
    }
  });
});
