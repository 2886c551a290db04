/**
 * The SQLite store's WAL checkpoints run on a worker thread once it has archived enough
 * messages, so that the main thread never waits for the checkpoint's fsync.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CHECKPOINT_MS, START_AFTER, WAL_FILE_LIMIT } from "../../src/store/sqliteCheckpointer.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import { KEY, message, removeTempDirs, room, tempDir } from "./helpers.js";

afterEach(removeTempDirs);

describe("the SQLite store's checkpoint worker", () => {
  it("copies the WAL into the database file by itself, below SQLite's automatic threshold", async () => {
    const path = join(tempDir(), "store.db");
    const store = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
    store.putRoom(room());
    const before = statSync(path).size;
    const total = START_AFTER + 200;
    // Three commits of ~400 messages: a few hundred WAL pages, under the 1,000 that make SQLite
    // checkpoint inside a COMMIT, so only the worker can have grown the database file.
    for (let n = 0; n < total; n += 400) {
      for (let i = n; i < Math.min(total, n + 400); i++) store.archive(message(i, { stanzaId: `s-${i}`, legacyId: `l-${i}` }));
      store.commit();
    }
    let grown = false;
    for (let waited = 0; !grown && waited < 40 * CHECKPOINT_MS; waited += CHECKPOINT_MS) {
      await sleep(CHECKPOINT_MS);
      grown = statSync(path).size > before;
    }
    expect(grown).toBe(true);
    store.close();

    const reopened = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
    expect(reopened.queryArchive(KEY, { max: 1 }).count).toBe(total);
    reopened.close();
  });
});

describe("the checkpoint worker after close()", () => {
  it("never brings back a database file removed right after the store closed (the worker opens only a file that exists)", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const dir = tempDir();
      const path = join(dir, "store.db");
      const store = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
      store.putRoom(room());
      // The START_AFTER-th archive starts the worker; close() comes before its thread has opened the file.
      for (let i = 0; i < START_AFTER; i++) store.archive(message(i, { stanzaId: `s-${i}` }));
      store.close();
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
      await sleep(5 * CHECKPOINT_MS);
      expect(readdirSync(dir)).toEqual([]);
    }
  });
});

describe("the SQLite store's WAL file before the worker starts", () => {
  const open = () => {
    const path = join(tempDir(), "store.db");
    return { path, store: openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY }) };
  };

  it("stays bounded under room writes committed one by one: each reaches SQLite's automatic checkpoint", () => {
    const { path, store } = open();
    // ~3 WAL pages a write. SQLite checkpoints once the WAL passes 1,000 pages and starts it
    // again at the next write; a write that never reached the checkpoint grew it to ~40 MB here.
    for (let i = 0; i < 3_000; i++) store.putRoom(room({ room: `r${i}@gw.example`, legacyId: `r${i}` }));
    expect(statSync(`${path}-wal`).size).toBeLessThan(2_000 * 4096);
    expect(store.listRooms(room().user)).toHaveLength(3_000);
    store.close();
  });

  it("is cut back to WAL_FILE_LIMIT once a large transaction that grew it past the limit is checkpointed", () => {
    const { path, store } = open();
    store.putRoom(room());
    const body = "x".repeat(64 * 1024);
    const batch = Array.from({ length: Math.ceil((WAL_FILE_LIMIT * 1.5) / body.length) }, (_, i) =>
      message(i, { stanzaId: `big-${i}`, legacyId: `big-${i}`, xml: `<message type="groupchat"><body>${body}</body></message>` }),
    );
    store.archiveMany(batch);
    const grown = statSync(`${path}-wal`).size;
    expect(grown).toBeGreaterThan(WAL_FILE_LIMIT);
    // The next write starts the checkpointed WAL again, and truncates the file to the limit.
    store.putRoom(room({ name: "after" }));
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(WAL_FILE_LIMIT);
    expect(store.queryArchive(KEY, { max: 1 }).count).toBe(batch.length);
    store.close();
  });
});
