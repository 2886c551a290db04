/**
 * The group commit's failure paths, on a bare SQLite database where a deferred foreign key makes
 * COMMIT itself fail: the batch rolls back, the error is reported, the store can forget what it
 * cached, and every waiter is told, even when one of them throws.
 */
import Database from "better-sqlite3";
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
    expect(rollbacks).toBe(1);
    // the batch's COMMIT, then the orphan's replay on its own
    expect(errors.map((e) => (e as Error).message)).toEqual([expect.stringMatching(/FOREIGN KEY/), expect.stringMatching(/FOREIGN KEY/), "listener bug"]);
  });

  it("replays each journaled write of a failed batch on its own, and names only those that fail again", () => {
    const errors: unknown[] = [];
    const batch = new GroupCommit<string>(database(), { onError: (e) => errors.push(e) });
    const insert = (id: number, parent: number) => () => void db.prepare("INSERT INTO child (id, parent) VALUES (?, ?)").run(id, parent);
    db.prepare("INSERT INTO parent (id) VALUES (7)").run();
    for (const [id, parent] of [[1, 7], [2, 42], [3, 7]] as const) {
      batch.join({ redo: insert(id, parent), lost: `child ${id}` });
      insert(id, parent)();
    }
    const told: Array<readonly string[]> = [];
    batch.afterCommit((lost) => told.push(lost));
    batch.commit();
    expect(told).toEqual([["child 2"]]);
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
});
