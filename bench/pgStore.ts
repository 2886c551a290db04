/**
 * pgstore: the PostgreSQL store against the SQLite store in the same run (both through the
 * {@link AsyncStore} interface, SQLite by `fromSyncStore`): archive writes as live traffic makes
 * them, backfill batches, and the MAM query a join or a client's scroll makes (the last page).
 *
 * PostgreSQL is the test bed's (loopback TCP, `fsync` and `synchronous_commit` off; SQLite runs
 * with `synchronous = NORMAL`, no fsync per commit either), so the figures compare the stores'
 * CPU and round trips, not disks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import pg from "pg";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AsyncStore, fromSyncStore } from "../src/store/asyncTypes.js";
import { createPostgresStore } from "../src/store/postgresStore.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import type { ArchiveInput } from "../src/store/types.js";
import { startPostgres } from "../src/testbed/postgres.js";
import { type Row, row } from "./stats.js";

const KEY = { user: "bench@example.org", room: "room@gw.example" };
const INSERTS = 5_000;
const QUERIES = 500;
const ROUNDS = 3;
const NO_RETENTION = { retentionDays: Number.POSITIVE_INFINITY };
const T0 = Date.UTC(2024, 0, 1);

function message(n: number): ArchiveInput {
  const authorJid = `${KEY.room}/u${n % 50}`;
  const xml = `<message xmlns="jabber:client" type="groupchat" from="${authorJid}"><body>message number ${n}</body></message>`;
  return { ...KEY, stanzaId: `s${n}`, legacyId: `l${n}`, timestamp: T0 + n * 1000, authorJid, source: "live", xml };
}

type Mode = "turn" | "awaited" | "batch";

/** Messages per second archived by `mode`: one a turn (not awaited), one awaited after another, or batches of 100. */
async function inserts(store: AsyncStore, mode: Mode): Promise<number> {
  await store.putRoom({ ...KEY, legacyId: "bench", type: "group" });
  const start = performance.now();
  for (let n = 0; n < INSERTS; ) {
    if (mode === "batch") {
      await store.archiveMany(Array.from({ length: 100 }, (_, i) => message(n + i)));
      n += 100;
    } else if (mode === "awaited") {
      await store.archive(message(n++));
    } else {
      void store.archive(message(n++));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await store.commit();
  return INSERTS / ((performance.now() - start) / 1000);
}

/**
 * Microseconds per MAM query for the last page of 50, on the archive `inserts` left. With
 * `analyze`, PostgreSQL first gathers statistics, as autovacuum does within a minute of a bulk
 * load: on a table it never analyzed, the planner sorts the room's rows instead of walking the
 * (room, timestamp, seq) index.
 */
async function lastPage(store: AsyncStore, analyze?: { connectionString: string; schema: string }): Promise<number> {
  if (analyze) {
    const client = new pg.Client({ connectionString: analyze.connectionString });
    await client.connect();
    await client.query(`ANALYZE ${analyze.schema}.archive`);
    await client.end();
  }
  const start = performance.now();
  for (let q = 0; q < QUERIES; q++) await store.queryArchive(KEY, { before: "", max: 50 });
  return ((performance.now() - start) * 1000) / QUERIES;
}

/** Runs the PostgreSQL store benchmark; see the module notes. */
export async function pgStoreBench(): Promise<Row[]> {
  const server = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-pgstore-"));
  let schemas = 0;
  const open = {
    sqlite: async () => fromSyncStore(openSqliteStore(join(dir, `s${++schemas}.db`), NO_RETENTION)),
    postgres: () => createPostgresStore({ connectionString: server.connectionString, schema: `bench_${++schemas}`, ...NO_RETENTION }),
  };
  const analyze = { sqlite: undefined, postgres: () => ({ connectionString: server.connectionString, schema: `bench_${schemas}` }) };
  const figures = { sqlite: { turn: [] as number[], awaited: [] as number[], batch: [] as number[], mam: [] as number[] }, postgres: { turn: [] as number[], awaited: [] as number[], batch: [] as number[], mam: [] as number[] } };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ["sqlite", "postgres"] as const) {
        for (const mode of ["turn", "awaited", "batch"] as const) {
          const store = await open[kind]();
          figures[kind][mode].push(await inserts(store, mode));
          if (mode === "turn") figures[kind].mam.push(await lastPage(store, analyze[kind]?.()));
          await store.close();
        }
      }
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const note = `${ROUNDS} rounds of ${INSERTS} messages (${QUERIES} queries); baseline: the SQLite store through fromSyncStore, same run`;
  const { sqlite, postgres } = figures;
  return [
    row("pgstore", "archive(), 1 message a turn, not awaited, group commit", postgres.turn, "msg/s", sqlite.turn, note),
    row("pgstore", "archive(), each awaited before the next (a round trip each)", postgres.awaited, "msg/s", sqlite.awaited, note),
    row("pgstore", "archiveMany(), batches of 100 (backfill)", postgres.batch, "msg/s", sqlite.batch, note),
    row("pgstore", "queryArchive(), last page of 50 of 5,000 (PostgreSQL: after ANALYZE)", postgres.mam, "µs/query", sqlite.mam, note),
  ];
}
