/**
 * What only the SQLite store does: survive a reopen and a SIGKILL, run in WAL mode, migrate
 * older files, and open a file with many rooms without reading them.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS, migrate, SCHEMA_VERSION, schemaVersion } from "../../src/store/migrations.js";
import { MAX_BATCH, openSqliteStore } from "../../src/store/sqliteStore.js";
import { ID_TAIL } from "../../src/store/sqliteArchiveIds.js";
import { fillHistory, hour, inspect, poisonedFile, KEY, message, NO_RETENTION, ROOM, removeTempDirs, room, tempDir, USER } from "./helpers.js";

afterEach(removeTempDirs);

/** A database file at schema `version` with the test room in it, still open. */
function olderFile(version: number): { path: string; db: Database.Database; id: unknown } {
  const path = join(tempDir(), `v${version}.db`);
  const db = new Database(path);
  expect(migrate(db, version)).toBe(version);
  const id = db.prepare("INSERT INTO rooms (user_jid, room_jid, legacy_id, type) VALUES (?, ?, 'coven-legacy', 'group') RETURNING id").pluck().get(USER, ROOM);
  return { path, db, id };
}

describe("the SQLite store", () => {
  it("finds rooms, participants and archive again after a reopen", () => {
    const path = join(tempDir(), "store.db");
    let store = openSqliteStore(path, NO_RETENTION);
    fillHistory(store);
    store.putRoom(room({ name: "The coven", flags: { participantsFilled: true } }));
    store.putParticipants(KEY, [{ nickname: "firstwitch", resource: "firstwitch", affiliation: "owner", role: "moderator", occupantId: "o1" }]);
    const live = store.archive(message(10, { source: "live" }));
    store.close();
    store.close();

    store = openSqliteStore(path, NO_RETENTION);
    expect(store.getRoom(USER, ROOM)).toEqual(room({ name: "The coven", flags: { participantsFilled: true } }));
    expect(store.getParticipants(KEY).map((p) => p.nickname)).toEqual(["firstwitch"]);
    const result = store.queryArchive(KEY);
    expect(result).toMatchObject({ count: 11, first: "0", last: "10", complete: true });
    expect(result.messages.at(-1)).toEqual({ ...live, source: "backfill" });
    expect(store.holeBounds(KEY)).toEqual({ after: { legacyId: "legacy-10", timestamp: hour(10) } });
    expect(store.archive(message(11)).seq).toBeGreaterThan(live.seq);
    store.close();
  });

  it("group-commits the messages archived in one event-loop turn, at the end of the turn", async () => {
    const path = join(tempDir(), "store.db");
    const store = openSqliteStore(path, NO_RETENTION);
    store.putRoom(room());
    expect(store.uncommitted).toBe(false);
    for (let n = 0; n < 5; n++) store.archive(message(n, { source: "live" }));
    expect(store.uncommitted).toBe(true);
    // The writer reads its own writes at once; another connection sees nothing yet.
    expect(store.queryArchive(KEY).count).toBe(5);
    const committed = () => inspect(path, (db) => db.prepare("SELECT COUNT(*) FROM archive").pluck().get());
    expect(committed()).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.uncommitted).toBe(false);
    expect(committed()).toBe(5);

    store.archive(message(5));
    store.commit();
    expect(store.uncommitted).toBe(false);
    expect(committed()).toBe(6);
    store.archive(message(6));
    store.archiveMany([message(7), message(8)]); // its own transaction: commits what was pending first
    expect(committed()).toBe(9);
    store.archive(message(9));
    store.close();
    expect(committed()).toBe(10);
  });

  it("group-commits single participant writes too, at the end of the turn", async () => {
    const path = join(tempDir(), "store.db");
    const store = openSqliteStore(path, NO_RETENTION);
    store.putRoom(room());
    const stan = { nickname: "stan", resource: "stan", affiliation: "member", role: "participant", occupantId: "o-stan" } as const;
    store.putParticipant(KEY, stan);
    store.putParticipant(KEY, { ...stan, nickname: "kyle", resource: "kyle", occupantId: "o-kyle" });
    expect(store.deleteParticipant(KEY, "stan")).toBe(true);
    expect(store.uncommitted).toBe(true);
    const committed = () => inspect(path, (db) => db.prepare("SELECT resource FROM participants").pluck().all());
    expect(committed()).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.uncommitted).toBe(false);
    expect(committed()).toEqual(["kyle"]);
    store.close();
  });

  it("keeps the room and participant writes of a batch whose commit failed: they are replayed, only the bad message is lost", () => {
    const path = join(tempDir(), "store.db");
    poisonedFile(path);
    const errors: unknown[] = [];
    const store = openSqliteStore(path, { ...NO_RETENTION, onError: (e) => errors.push(e) });
    store.putRoom(room());
    store.archive(message(1));
    store.putRoom(room({ name: "Renamed in the batch" }));
    store.putParticipant(KEY, { nickname: "stan", resource: "stan", affiliation: "member", role: "participant", occupantId: "o-stan" });
    store.archive(message(2, { xml: `<message type="groupchat"><body>POISON</body></message>` }));
    const told: Array<readonly unknown[]> = [];
    store.afterCommit((lost) => told.push(lost));
    store.commit();
    expect(told).toEqual([[{ ...KEY, stanzaId: "2", error: expect.objectContaining({ code: "SQLITE_CONSTRAINT_FOREIGNKEY" }) }]]);
    expect(errors).toHaveLength(2); // the batch, then the poisoned message alone
    const rows = inspect(path, (d) => ({
      name: d.prepare("SELECT name FROM rooms").pluck().get(),
      participants: d.prepare("SELECT resource FROM participants").pluck().all(),
      archive: d.prepare("SELECT stanza_id FROM archive").pluck().all(),
    }));
    expect(rows).toEqual({ name: "Renamed in the batch", participants: ["stan"], archive: ["1"] });
    store.close();
  });

  it("under load, commits at most every groupCommitMs, and tells whoever waits after each commit", async () => {
    const path = join(tempDir(), "store.db");
    const store = openSqliteStore(path, { ...NO_RETENTION, groupCommitMs: 1_000 });
    store.putRoom(room());
    const told: string[] = [];
    store.afterCommit(() => told.push("nothing pending: at once"));
    store.archive(message(0));
    store.afterCommit(() => told.push("first commit"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(told).toEqual(["nothing pending: at once", "first commit"]);
    // A second message right after a commit waits for the interval, not for the end of its turn.
    store.archive(message(1));
    store.afterCommit(() => told.push("second commit"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.uncommitted).toBe(true);
    expect(told).toHaveLength(2);
    store.commit();
    expect(told).toEqual(["nothing pending: at once", "first commit", "second commit"]);
    store.close();
  });

  it("refuses a groupCommitMs outside 0 to 1000 without leaving the file open", () => {
    const path = join(tempDir(), "store.db");
    expect(() => openSqliteStore(path, { groupCommitMs: -1 })).toThrow(/groupCommitMs/);
    expect(() => openSqliteStore(path, { groupCommitMs: 5_000 })).toThrow(/groupCommitMs/);
    openSqliteStore(path).close();
  });

  it("commits a batch every MAX_BATCH messages of one long turn", () => {
    const path = join(tempDir(), "store.db");
    const store = openSqliteStore(path, NO_RETENTION);
    store.putRoom(room());
    for (let n = 0; n < MAX_BATCH + 10; n++) store.archive(message(n));
    expect(inspect(path, (db) => db.prepare("SELECT COUNT(*) FROM archive").pluck().get())).toBe(MAX_BATCH);
    store.close();
  });

  it("finds where a new participant goes through an index, not a scan of the room", () => {
    const path = join(tempDir(), "store.db");
    openSqliteStore(path, NO_RETENTION).close();
    const plan = inspect(path, (db) =>
      db.prepare("EXPLAIN QUERY PLAN SELECT COALESCE(MAX(position), -1) + 1 FROM participants WHERE room_id = ?").all(1),
    ) as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join("\n")).toMatch(/participants_position/);
  });

  it("keeps the file in WAL mode", () => {
    const path = join(tempDir(), "store.db");
    openSqliteStore(path, NO_RETENTION).close();
    expect(inspect(path, (db) => db.pragma("journal_mode", { simple: true }))).toBe("wal");
  });

  it("creates the current schema in an empty file", () => {
    const path = join(tempDir(), "store.db");
    openSqliteStore(path, NO_RETENTION).close();
    expect(inspect(path, schemaVersion)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("migrates a schema version 1 file and keeps its data", () => {
    const path = join(tempDir(), "v1.db");
    const db = new Database(path);
    expect(migrate(db, 1)).toBe(1);
    const id = db
      .prepare("INSERT INTO rooms (user_jid, room_jid, legacy_id, name, type) VALUES (?, ?, 'coven-legacy', 'Old', 'group') RETURNING id")
      .pluck()
      .get(USER, ROOM);
    const insert = db.prepare("INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, xml) VALUES (?, ?, ?, ?, ?, '<message/>')");
    for (let n = 0; n < 3; n++) insert.run(id, String(n), `legacy-${n}`, hour(n), `${ROOM}/witch`);
    db.prepare("INSERT INTO participants VALUES (?, 'stan', 0, 'stan', NULL, 'member', 'participant', 'o-stan')").run(id);
    db.close();

    const store = openSqliteStore(path, NO_RETENTION);
    expect(store.getRoom(USER, ROOM)).toEqual(room({ name: "Old" }));
    expect(store.getParticipants(KEY).map((p) => p.nickname)).toEqual(["stan"]);
    expect(store.queryArchive(KEY)).toMatchObject({ count: 3, first: "0", last: "2" });
    store.archive(message(3));
    expect(store.queryArchive(KEY, { max: 1 })).toMatchObject({ count: 4, complete: false });
    store.close();
    expect(inspect(path, schemaVersion)).toBe(SCHEMA_VERSION);
  });

  it("migrates participants of a schema version 3 file to rows keyed by resource, keeping their order", () => {
    const { path, db, id } = olderFile(3);
    const insert = db.prepare("INSERT INTO participants VALUES (?, ?, ?, ?, NULL, 'member', 'participant', ?)");
    insert.run(id, "stan", 1, "stan", "o-stan");
    insert.run(id, "kyle", 0, "kyle", "o-kyle");
    db.close();

    const store = openSqliteStore(path, NO_RETENTION);
    expect(store.getParticipants(KEY).map((p) => p.resource)).toEqual(["kyle", "stan"]);
    store.putParticipant(KEY, { nickname: "stan", resource: "stan (2)", affiliation: "member", role: "participant", occupantId: "o-stan-2" });
    expect(store.getParticipants(KEY).map((p) => `${p.nickname}@${p.resource}`)).toEqual(["kyle@kyle", "stan@stan", "stan@stan (2)"]);
    store.close();
    expect(inspect(path, schemaVersion)).toBe(SCHEMA_VERSION);
  });

  it("migrates a schema version 5 file, keeping its rows and the uniqueness of their stanza-ids and legacy ids", () => {
    const { path, db, id } = olderFile(5);
    const insert = db.prepare("INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, xml) VALUES (?, ?, ?, ?, ?, '<message/>')");
    insert.run(id, "own", "own", hour(1), `${ROOM}/witch`);
    insert.run(id, "s-2", "apart", hour(2), `${ROOM}/witch`);
    db.close();

    const store = openSqliteStore(path, NO_RETENTION);
    expect(store.queryArchive(KEY).messages.map((m) => [m.stanzaId, m.legacyId])).toEqual([
      ["own", "own"],
      ["s-2", "apart"],
    ]);
    // Both old rows are still found by their legacy ids: the same message comes back as one row.
    expect(store.archive(message(1, { stanzaId: "other", legacyId: "own" })).stanzaId).toBe("own");
    expect(store.archive(message(2, { stanzaId: "apart", legacyId: "apart" })).stanzaId).toBe("s-2");
    store.archive(message(3, { stanzaId: "new", legacyId: "new" }));
    expect(store.queryArchive(KEY)).toMatchObject({ count: 3, first: "own", last: "new" });
    store.close();
    expect(inspect(path, schemaVersion)).toBe(SCHEMA_VERSION);
    // Since version 7 the ids are in archive_ids: the legacy id apart from its stanza-id is kind 1.
    const ids = inspect(path, (d) => d.prepare("SELECT kind, id FROM archive_ids ORDER BY kind, id").raw().all());
    expect(ids).toEqual([[0, "new"], [0, "own"], [0, "s-2"], [1, "apart"]]);
  });

  it("refuses a file written by a newer schema", () => {
    const path = join(tempDir(), "future.db");
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteStore(path, NO_RETENTION)).toThrow(/upgrade mucstate/);
  });

  it("opens a file with 100,000 rooms and loads any one of them by point lookup", () => {
    const path = join(tempDir(), "many.db");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    migrate(db);
    const insert = db.prepare("INSERT INTO rooms (user_jid, room_jid, legacy_id, type) VALUES (?, ?, ?, 'group')");
    db.transaction(() => {
      for (let n = 0; n < 100_000; n++) insert.run(`user${n % 1000}@example.org`, `room${n}@gw.example`, `legacy-${n}`);
    })();
    db.close();

    const store = openSqliteStore(path, NO_RETENTION);
    for (const n of [0, 4_242, 99_999]) {
      expect(store.getRoom(`user${n % 1000}@example.org`, `room${n}@gw.example`)).toMatchObject({ legacyId: `legacy-${n}` });
    }
    expect(store.getRoom("user1@example.org", "room0@gw.example")).toBeUndefined();
    expect(store.listRooms("user7@example.org")).toHaveLength(100);
    store.close();
  });

  it("rejects bad retention options without leaving the file open", () => {
    const path = join(tempDir(), "store.db");
    expect(() => openSqliteStore(path, { retentionDays: 0 })).toThrow(/retention|maxAgeDays/);
    openSqliteStore(path).close();
  });

  it("loses nothing a client could have received, and duplicates nothing, when the process is killed", async () => {
    const path = join(tempDir(), "crash.db");
    const child = spawn(process.execPath, ["--import", "tsx", new URL("./crashWriter.ts", import.meta.url).pathname, path], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const reported = await new Promise<number[]>((resolve, reject) => {
      let output = "";
      child.on("error", reject);
      child.on("exit", (code, signal) => reject(new Error(`writer exited early: ${code ?? signal}`)));
      let done = false;
      child.stdout.on("data", (chunk: Buffer) => {
        // Data still buffered after the kill must not run this again: it would remove the
        // exit listener registered below, and the test would wait forever.
        if (done) return;
        output += chunk.toString();
        const lines = output.split("\n").slice(0, -1);
        // Past ID_TAIL messages: some of their ids were written to archive_ids, the newest were only in memory.
        if (lines.length >= ID_TAIL + 1_000) {
          done = true;
          child.removeAllListeners("exit");
          child.kill("SIGKILL");
          resolve(lines.map(Number));
        }
      });
    });
    if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once("exit", resolve));

    const stored = inspect(path, (db) => db.prepare("SELECT legacy_id FROM archive").pluck().all() as string[]);
    expect(new Set(stored).size).toBe(stored.length);
    expect(inspect(path, (db) => db.prepare("SELECT value FROM meta WHERE key = 'ids_upto'").pluck().get())).toBeGreaterThan(0);
    const storedIds = new Set(stored);
    expect(reported.filter((n) => !storedIds.has(`legacy-${n}`))).toEqual([]);
    const store = openSqliteStore(path, NO_RETENTION);
    expect(store.queryArchive(KEY, { max: 0 }).count).toBe(stored.length);
    // The same legacy messages again, the oldest (its ids in archive_ids) and the newest (read back
    // from the rows): each updates its row.
    for (const legacyId of [stored[0] as string, stored.at(-1) as string]) store.archive(message(1, { stanzaId: `again-${legacyId}`, legacyId }));
    expect(store.queryArchive(KEY, { max: 0 }).count).toBe(stored.length);
    store.close();
  }, 60_000);
});
