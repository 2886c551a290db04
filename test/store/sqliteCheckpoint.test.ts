/**
 * The SQLite store's WAL checkpoints run on a worker thread once it has archived enough
 * messages, so that the main thread never waits for the checkpoint's fsync.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CHECKPOINT_MS, START_AFTER } from "../../src/store/sqliteCheckpointer.js";
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
