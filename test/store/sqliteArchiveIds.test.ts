/**
 * The SQLite archive's ids (schema version 7, `sqliteArchiveIds.ts`): the newest are kept in
 * memory and written to `archive_ids` a few thousand at a time, in a group commit; none is
 * lost to a crash, a rolled-back batch or a second connection, and a stale one is never taken
 * for a match.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/migrations.js";
import { ID_TAIL } from "../../src/store/sqliteArchiveIds.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import { inspect, KEY, poisonedFile, message, NO_RETENTION, ROOM, removeTempDirs, room, tempDir, USER } from "./helpers.js";

afterEach(removeTempDirs);

const storedIds = (path: string) => inspect(path, (d) => d.prepare("SELECT COUNT(*) FROM archive_ids").pluck().get() as number);
const idsUpto = (path: string) => inspect(path, (d) => d.prepare("SELECT value FROM meta WHERE key = 'ids_upto'").pluck().get() as number);
/** A message whose stanza-id is its legacy id (what a plugin's id becomes), as the echo of the user's message is. */
const echo = (n: number) => message(n, { stanzaId: `fx-${n}`, legacyId: `fx-${n}`, source: "live" });

function newStore(name = "store.db") {
  const path = join(tempDir(), name);
  const store = openSqliteStore(path, NO_RETENTION);
  store.putRoom(room());
  store.commit();
  return { path, store };
}

describe("the SQLite archive's ids", () => {
  it(`writes the newest ids to archive_ids in the group commit that finds ${ID_TAIL} or more in memory, and moves ids_upto to the newest row`, () => {
    const { path, store } = newStore();
    for (let n = 0; n < ID_TAIL - 1; n++) store.archive(echo(n));
    store.commit();
    expect(storedIds(path)).toBe(0);
    expect(idsUpto(path)).toBe(0);
    // Each id found in memory: a repeat is an upsert of the same row, not a second one.
    expect(store.archive(echo(7)).seq).toBe(store.queryArchive(KEY, { ids: ["fx-7"] }).messages[0]?.seq);
    store.archive(echo(ID_TAIL - 1));
    store.commit();
    expect(storedIds(path)).toBe(ID_TAIL);
    const newest = inspect(path, (d) => d.prepare("SELECT MAX(seq) FROM archive").pluck().get());
    expect(idsUpto(path)).toBe(newest);
    expect(store.queryArchive(KEY)).toMatchObject({ count: ID_TAIL });
    expect(store.queryArchive(KEY, { ids: ["fx-0", `fx-${ID_TAIL - 1}`] }).messages.map((m) => m.stanzaId)).toEqual(["fx-0", `fx-${ID_TAIL - 1}`]);
    store.close();
  });

  it("writes what is still in memory on close, so that the next open reads none back", () => {
    const { path, store } = newStore();
    for (let n = 0; n < 10; n++) store.archive(echo(n));
    store.archive(message(10, { stanzaId: "s-10", legacyId: "apart-10" }));
    store.close();
    expect(storedIds(path)).toBe(12); // 11 stanza-ids and one legacy id apart from its stanza-id
    const reopened = openSqliteStore(path, NO_RETENTION);
    expect(reopened.archive(message(11, { stanzaId: "other", legacyId: "apart-10" })).stanzaId).toBe("s-10");
    expect(reopened.queryArchive(KEY)).toMatchObject({ count: 11 });
    reopened.close();
  });

  it("finds after a crash the ids that were only in memory: the next open reads them back from the rows", () => {
    const { path, store: crashed } = newStore();
    for (let n = 0; n < 50; n++) crashed.archive(echo(n));
    crashed.archive(message(50, { stanzaId: "s-50", legacyId: "apart-50" }));
    crashed.commit();
    // No close: the ids never reached archive_ids, as when the process is killed.
    expect(storedIds(path)).toBe(0);

    const store = openSqliteStore(path, NO_RETENTION);
    expect(store.queryArchive(KEY, { ids: ["fx-3", "fx-49", "s-50"] }).messages.map((m) => m.stanzaId)).toEqual(["fx-3", "fx-49", "s-50"]);
    // The same messages again (a replay of the legacy network's history): upserts, no duplicates.
    expect(store.archive(echo(3)).stanzaId).toBe("fx-3");
    expect(store.archive(message(51, { stanzaId: "new-id", legacyId: "apart-50" })).stanzaId).toBe("s-50");
    expect(store.archive(message(52, { stanzaId: "other", legacyId: "fx-49" })).stanzaId).toBe("fx-49");
    expect(store.queryArchive(KEY)).toMatchObject({ count: 51 });
    store.close();
    crashed.close();
  });

  it("lets a second connection find the messages the first archived after it opened (a CLI next to the gateway)", () => {
    const { path, store: writer } = newStore();
    writer.archive(echo(1));
    writer.commit();
    const reader = openSqliteStore(path, NO_RETENTION);
    expect(reader.queryArchive(KEY, { ids: ["fx-1"] }).messages).toHaveLength(1);
    writer.archive(echo(2));
    writer.commit();
    expect(reader.queryArchive(KEY, { ids: ["fx-2"] }).messages.map((m) => m.stanzaId)).toEqual(["fx-2"]);
    expect(reader.queryArchive(KEY, { afterId: "fx-1" }).messages.map((m) => m.stanzaId)).toEqual(["fx-2"]);
    reader.close();
    writer.close();
  });

  it("never takes a stale id for a match: a legacy id moved to another row is found on that row, the deleted row's ids on none", () => {
    const { path, store } = newStore();
    store.archive(message(1, { stanzaId: "a", legacyId: "L" }));
    store.archive(message(2, { stanzaId: "b", legacyId: "b" }));
    store.commit();
    // Stanza-id of row b with legacy id L: the two rows are one message; row a goes, b takes L.
    expect(store.archive(message(3, { stanzaId: "b", legacyId: "L" })).stanzaId).toBe("b");
    expect(store.queryArchive(KEY).messages.map((m) => [m.stanzaId, m.legacyId])).toEqual([["b", "L"]]);
    expect(() => store.queryArchive(KEY, { ids: ["a"] })).toThrow(/a/);
    // L is b's now: a new message under L is an upsert of b, after a reopen too.
    store.close();
    const reopened = openSqliteStore(path, NO_RETENTION);
    expect(reopened.archive(message(4, { stanzaId: "c", legacyId: "L" })).stanzaId).toBe("b");
    expect(reopened.archive(message(5, { stanzaId: "a", legacyId: "a" })).seq).toBeGreaterThan(0);
    expect(reopened.queryArchive(KEY).messages.map((m) => m.stanzaId)).toEqual(["b", "a"]);
    reopened.close();
    expect(inspect(path, (d) => d.prepare("SELECT id FROM archive_ids ORDER BY kind, id").pluck().all())).toEqual(["a", "b", "L"]);
  });

  it("forgets the ids of a rolled-back batch, and takes them for new messages afterwards", () => {
    const path = join(tempDir(), "store.db");
    poisonedFile(path);
    const store = openSqliteStore(path, { ...NO_RETENTION, onError: () => {} });
    store.putRoom(room());
    store.commit();
    for (let n = 0; n < ID_TAIL; n++) store.archive(echo(n)); // this batch would flush the ids...
    store.archive(message(9_999, { stanzaId: "poisoned", xml: "<message><body>POISON</body></message>" }));
    store.commit(); // ...but its commit fails; every write but the poisoned one is replayed alone
    expect(() => store.queryArchive(KEY, { ids: ["poisoned"] })).toThrow(/poisoned/);
    expect(store.queryArchive(KEY)).toMatchObject({ count: ID_TAIL });
    store.archive(message(10_000, { stanzaId: "poisoned", xml: "<message><body>fine</body></message>" }));
    store.commit();
    expect(store.queryArchive(KEY, { ids: ["poisoned", "fx-0"] }).messages).toHaveLength(2);
    store.close();
    // The echoes, and the second "poisoned" with its legacy id: nothing of the lost message.
    expect(storedIds(path)).toBe(ID_TAIL + 2);
  });

  it("migrates a schema version 6 file: its ids move to archive_ids, its unique indexes go, and each id still names its row", () => {
    const path = join(tempDir(), "v6.db");
    const db = new Database(path);
    migrate(db, 6);
    const id = db.prepare("INSERT INTO rooms (user_jid, room_jid, legacy_id, type) VALUES (?, ?, 'coven-legacy', 'group') RETURNING id").pluck().get(USER, ROOM);
    const insert = db.prepare("INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, xml) VALUES (?, ?, ?, ?, ?, '<message/>')");
    insert.run(id, "own", "own", 1, `${ROOM}/witch`);
    insert.run(id, "s-2", "apart", 2, `${ROOM}/witch`);
    insert.run(id, "s-3", null, 3, `${ROOM}/witch`);
    db.close();

    const store = openSqliteStore(path, NO_RETENTION);
    expect(store.archive(message(4, { stanzaId: "x", legacyId: "apart" })).stanzaId).toBe("s-2");
    expect(store.archive(message(5, { stanzaId: "s-3" })).stanzaId).toBe("s-3");
    expect(store.queryArchive(KEY)).toMatchObject({ count: 3 });
    store.close();
    const schema = inspect(path, (d) => d.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'archive' AND type = 'index' ORDER BY name").pluck().all());
    expect(schema).toEqual(["archive_author", "archive_time"]);
    expect(inspect(path, (d) => d.prepare("SELECT kind, id, seq FROM archive_ids ORDER BY seq, kind").raw().all())).toEqual([
      [0, "own", 1],
      [0, "s-2", 2],
      [1, "apart", 2],
      [0, "s-3", 3],
      [1, "legacy-5", 3], // the upsert of s-3 gave it a legacy id
    ]);
  });
});

describe("a SQLite room deleted or purged", () => {
  it("takes its messages' ids with it", () => {
    const { path, store } = newStore();
    for (let n = 0; n < 5; n++) store.archive(message(n, { stanzaId: `s-${n}`, legacyId: `apart-${n}` }));
    store.close();
    expect(storedIds(path)).toBe(10);
    const reopened = openSqliteStore(path, NO_RETENTION);
    expect(reopened.purgeOlderThan(message(2).timestamp)).toBe(2);
    reopened.commit();
    expect(storedIds(path)).toBe(6);
    expect(reopened.deleteRoom(USER, ROOM)).toBe(true);
    reopened.close();
    expect(storedIds(path)).toBe(0);
  });

  it("forgets the ids of rows purged, merged away or deleted with their room while still in memory: none reaches archive_ids", () => {
    const { path, store } = newStore();
    for (let n = 0; n < 5; n++) store.archive(message(n, { stanzaId: `s-${n}`, legacyId: `apart-${n}` }));
    expect(store.purgeOlderThan(message(2).timestamp)).toBe(2);
    // Row s-2 takes the legacy id of row s-3, which goes: the two were one message.
    expect(store.archive(message(5, { stanzaId: "s-2", legacyId: "apart-3" })).stanzaId).toBe("s-2");
    store.close();
    const stored = inspect(path, (d) => d.prepare("SELECT id FROM archive_ids ORDER BY id").pluck().all());
    expect(stored).toEqual(["apart-3", "apart-4", "s-2", "s-4"]);

    const again = openSqliteStore(path, NO_RETENTION);
    again.putRoom(room({ room: "other@gw.example" }));
    again.archive(message(6, { room: "other@gw.example", stanzaId: "s-6", legacyId: "apart-6" }));
    expect(again.deleteRoom(USER, "other@gw.example")).toBe(true);
    again.close();
    expect(inspect(path, (d) => d.prepare("SELECT COUNT(*) FROM archive_ids WHERE id LIKE '%-6'").pluck().get())).toBe(0);
  });
});
