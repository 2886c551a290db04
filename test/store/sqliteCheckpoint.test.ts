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
import type { Store } from "../../src/store/types.js";
import { KEY, message, removeTempDirs, room, tempDir } from "./helpers.js";

afterEach(removeTempDirs);

/** Whether the database file grows past `before` bytes within 40 checkpoint ticks, with no write from the test. */
async function growsByItself(path: string, before: number): Promise<boolean> {
  for (let waited = 0; waited < 40 * CHECKPOINT_MS; waited += CHECKPOINT_MS) {
    await sleep(CHECKPOINT_MS);
    if (statSync(path).size > before) return true;
  }
  return false;
}

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
    expect(await growsByItself(path, before)).toBe(true);
    store.close();

    const reopened = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
    expect(reopened.queryArchive(KEY, { max: 1 }).count).toBe(total);
    reopened.close();
  });
});

describe("what starts the checkpoint worker", () => {
  const roomWrites = (store: Store, from: number, to: number) => {
    for (let i = from; i < to; i++) store.putRoom(room({ room: `r${i}@gw.example`, legacyId: `r${i}` }));
  };
  const backfill = (store: Store, from: number, to: number) => {
    store.putRoom(room());
    const batch = Array.from({ length: to - from }, (_, i) => message(from + i, { stanzaId: `s-${from + i}`, legacyId: `l-${from + i}` }));
    store.archiveMany(batch);
  };

  it.each([
    ["room writes", roomWrites],
    ["an archiveMany backfill", backfill],
  ])("counts %s toward START_AFTER, like archived messages", async (_kind, write) => {
    const path = join(tempDir(), "store.db");
    const store = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
    write(store, 0, START_AFTER);
    // A hundred writes more: a few hundred WAL pages, which only a worker copies by itself (the
    // main connection waits for 10,000 once the worker runs, and for 1,000 without it).
    write(store, START_AFTER, START_AFTER + 100);
    const before = statSync(path).size;
    expect(await growsByItself(path, before)).toBe(true);
    store.close();
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
    // ~3 WAL pages a write, and fewer writes than start the worker. SQLite checkpoints once the
    // WAL passes 1,000 pages and starts it again at the next write; a write that never reached
    // the checkpoint grew it without bound (~14 KiB a write here).
    const writes = START_AFTER - 100;
    for (let i = 0; i < writes; i++) store.putRoom(room({ room: `r${i}@gw.example`, legacyId: `r${i}` }));
    expect(statSync(`${path}-wal`).size).toBeLessThan(2_000 * 4096);
    expect(store.listRooms(room().user)).toHaveLength(writes);
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
