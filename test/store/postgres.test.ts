/**
 * What only the PostgreSQL store does: migrate an empty database (and leave a migrated one
 * alone), share one database between two stores (two gateway processes), group-commit in one
 * transaction, replay a failed batch, keep every value out of the SQL text, refuse bad options
 * before connecting, and use no more connections than its pool allows.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { AsyncStore } from "../../src/store/asyncTypes.js";
import { isStoreFull } from "../../src/store/errors.js";
import { migratePostgres, PG_SCHEMA_VERSION, pgSchemaVersion } from "../../src/store/postgresMigrations.js";
import { createPostgresStore } from "../../src/store/postgresStore.js";
import { fillAsync, KEY, message, postgresSchema, ROOM, room, stopPostgresAfterAll, USER } from "./helpers.js";

const NO_RETENTION = { retentionDays: Number.POSITIVE_INFINITY };
const stan = { nickname: "stan", resource: "stan", affiliation: "member", role: "participant", occupantId: "o-stan" } as const;

stopPostgresAfterAll();
const opened: AsyncStore[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  for (const client of clients.splice(0)) await client.end();
});

/** A store in `schema` (a fresh one by default) and a plain connection to the same schema. */
async function open(at?: { connectionString: string; schema: string }, options: { onError?: (e: unknown) => void; groupCommitMs?: number } = {}) {
  const where = at ?? (await postgresSchema());
  const store = await createPostgresStore({ ...where, ...NO_RETENTION, maxConnections: 3, ...options });
  opened.push(store);
  const client = new pg.Client({ connectionString: where.connectionString, options: `-c search_path=${where.schema}` });
  await client.connect();
  clients.push(client);
  const rows = async (text: string) => (await client.query(text)).rows;
  return { store, where, client, rows };
}

describe("the PostgreSQL store", () => {
  it("creates the schema in an empty database, records the migration, and leaves it alone when opened again", async () => {
    const first = await open();
    expect(await pgSchemaVersion(first.client)).toBe(PG_SCHEMA_VERSION);
    await fillAsync(first.store);
    const again = await open(first.where);
    expect(await first.rows("SELECT version FROM mucstate_migrations ORDER BY version")).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    expect((await again.store.queryArchive(KEY)).count).toBe(10);
    const tables = await first.rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename");
    expect(tables.map((t) => t.tablename)).toEqual(["archive", "avatars", "meta", "mucstate_migrations", "participants", "rooms", "user_leases"]);
  });

  it("lets two processes that start together on an empty database migrate it once", async () => {
    const where = await postgresSchema();
    const [a, b] = await Promise.all([open(where), open(where)]);
    expect(await a.rows("SELECT version FROM mucstate_migrations ORDER BY version")).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    await a.store.putRoom(room());
    expect(await b.store.getRoom(USER, ROOM)).toEqual(room());
  });

  it("brings a version 2 database (leases without adoption) to version 3: its lease rows stay, not adopted", async () => {
    const where = await postgresSchema();
    const client = new pg.Client({ connectionString: where.connectionString, options: `-c search_path=${where.schema}` });
    await client.connect();
    clients.push(client);
    expect(await migratePostgres(client, 2, where.schema)).toBe(2);
    await client.query("INSERT INTO user_leases (user_jid, owner, token, expires_at, holder_pid) VALUES ('juliet@capulet.lit', 'A', 7, now(), NULL)");
    await open(where);
    expect(await pgSchemaVersion(client)).toBe(3);
    expect((await client.query("SELECT owner, token::int AS token, adopted FROM user_leases")).rows).toEqual([{ owner: "A", token: 7, adopted: false }]);
  });

  it("refuses a database written by a newer schema", async () => {
    const { where, client } = await open();
    await client.query("INSERT INTO mucstate_migrations (version) VALUES ($1)", [PG_SCHEMA_VERSION + 1]);
    await expect(createPostgresStore({ ...where, ...NO_RETENTION })).rejects.toThrow(/schema version 4 .* upgrade mucstate/);
  });

  it("shares rooms and archive between two stores, each reading the other's live messages as backfill", async () => {
    const a = await open();
    const b = await open(a.where);
    await a.store.putRoom(room());
    const live = await a.store.archive(message(1, { source: "live" }));
    await a.store.commit();
    const seen = (await b.store.queryArchive(KEY)).messages;
    expect(seen).toEqual([{ ...live, source: "backfill" }]);
    expect((await b.store.archive(message(2))).seq).toBeGreaterThan(live.seq);
    // Another store sees a write once it is committed: B's group commit may still be open here.
    await b.store.commit();
    expect((await a.store.queryArchive(KEY)).messages.map((m) => [m.stanzaId, m.source])).toEqual([
      ["1", "live"],
      ["2", "backfill"],
    ]);
  });

  it("group-commits the messages archived in one turn in one transaction, invisible to others until it commits", async () => {
    // A commit right after the previous one waits groupCommitMs: long enough to look before it.
    const { store, rows } = await open(undefined, { groupCommitMs: 1_000 });
    await store.putRoom(room());
    const writes = [1, 2, 3, 4, 5].map((n) => store.archive(message(n, { source: "live" })));
    expect(store.uncommitted).toBe(true);
    await Promise.all(writes);
    const told: unknown[] = [];
    store.afterCommit((lost) => told.push(lost));
    expect(await store.commit()).toEqual([]);
    expect(told).toEqual([[]]);
    expect(store.uncommitted).toBe(false);
    const transactions = await rows("SELECT DISTINCT xmin::text FROM archive");
    expect(transactions).toHaveLength(1);
    // A second batch, read by another connection before and after its commit.
    await store.archive(message(6));
    expect(await rows("SELECT stanza_id FROM archive WHERE stanza_id = '6'")).toEqual([]);
    await store.commit();
    expect(await rows("SELECT stanza_id FROM archive WHERE stanza_id = '6'")).toEqual([{ stanza_id: "6" }]);
  });

  it("sees, in a read, every write called before it, awaited or not", async () => {
    const { store } = await open();
    void store.putRoom(room());
    for (let n = 0; n < 50; n++) void store.archive(message(n));
    void store.putParticipant(KEY, stan);
    expect((await store.queryArchive(KEY)).count).toBe(50);
    expect((await store.getParticipants(KEY)).map((p) => p.resource)).toEqual(["stan"]);
  });

  it("keeps the room and participant writes of a batch whose commit failed: they are replayed, only the bad message is lost", async () => {
    const errors: unknown[] = [];
    const { store, client, rows } = await open(undefined, { onError: (e) => errors.push(e) });
    // A deferred foreign key fails COMMIT whenever the batch archived a message with POISON in it.
    await client.query(`CREATE TABLE poison_parent (id int PRIMARY KEY);
      CREATE TABLE poison_child (parent int REFERENCES poison_parent (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO poison_child VALUES (42); RETURN NULL; END $$;
      CREATE TRIGGER poison AFTER INSERT ON archive FOR EACH ROW WHEN (position('POISON' in NEW.xml) > 0) EXECUTE FUNCTION poison();`);
    await store.putRoom(room());
    void store.archive(message(1));
    void store.putRoom(room({ name: "Renamed in the batch" }));
    void store.putParticipant(KEY, stan);
    void store.archive(message(2, { xml: `<message type="groupchat"><body>POISON</body></message>` }));
    const committed = store.commit();
    const told: unknown[] = [];
    store.afterCommit((lost) => told.push(lost)); // after the commit was asked for, before it ran
    const lost = [{ ...KEY, stanzaId: "2", error: expect.objectContaining({ code: "23503" }) }];
    expect(await committed).toEqual(lost);
    expect(told).toEqual([lost]);
    expect(errors).toHaveLength(2); // the batch, then the poisoned message alone
    expect(await rows("SELECT name FROM rooms")).toEqual([{ name: "Renamed in the batch" }]);
    expect(await rows("SELECT resource FROM participants")).toEqual([{ resource: "stan" }]);
    expect(await rows("SELECT stanza_id FROM archive")).toEqual([{ stanza_id: "1" }]);
  });

  it("rejects a write that fails by itself (a full disk) and replays the rest of its batch at once", async () => {
    const errors: unknown[] = [];
    const { store, client, rows } = await open(undefined, { onError: (e) => errors.push(e) });
    await client.query(`CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$;
      CREATE TRIGGER full_disk BEFORE INSERT ON archive FOR EACH ROW WHEN (position('FULL' in NEW.xml) > 0) EXECUTE FUNCTION full_disk();`);
    await store.putRoom(room());
    const first = store.archive(message(1));
    const told: unknown[] = [];
    store.afterCommit((lost) => told.push(lost));
    const failed = await store.archive(message(2, { xml: "<message><body>FULL</body></message>" })).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: "53100" });
    expect(isStoreFull(failed)).toBe(true);
    await first;
    expect(told).toEqual([[]]);
    expect(await rows("SELECT stanza_id FROM archive")).toEqual([{ stanza_id: "1" }]);
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["53100"]);
    await store.archive(message(3)); // the next batch works
    await store.commit();
    expect(await rows("SELECT stanza_id FROM archive ORDER BY seq")).toEqual([{ stanza_id: "1" }, { stanza_id: "3" }]);
  });

  it("replaces a writer connection that broke, between batches and under an open one, losing nothing", async () => {
    const errors: unknown[] = [];
    const { store, client, rows } = await open(undefined, { onError: (e) => errors.push(e), groupCommitMs: 1_000 });
    const killOthers = () => client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    await store.putRoom(room());
    await store.archive(message(1));
    await store.commit();
    await killOthers();
    await store.archive(message(2)); // a new writer connection
    await killOthers(); // the batch of message 2 is open (its commit waits groupCommitMs)
    expect(await store.commit()).toEqual([]); // its COMMIT failed; message 2 was replayed on a new connection
    expect(await rows("SELECT stanza_id FROM archive ORDER BY seq")).toEqual([{ stanza_id: "1" }, { stanza_id: "2" }]);
    expect((await store.queryArchive(KEY)).count).toBe(2);
    expect(errors.length).toBeGreaterThan(0);
  });

  it("keeps every value out of the SQL text", async () => {
    const { store, rows } = await open();
    const odd = { user: "o'brien@example.org", room: "r'); DROP TABLE archive; --@gw" };
    await store.putRoom(room({ ...odd, name: "'; DELETE FROM rooms; --" }));
    await store.archive(message(1, { ...odd, authorJid: `${odd.room}/x' OR '1'='1` }));
    expect((await store.queryArchive(odd, { with: `${odd.room}/x' OR '1'='1` })).count).toBe(1);
    expect((await store.queryArchive(odd, { with: "' OR '1'='1" })).count).toBe(0);
    expect(await rows("SELECT name FROM rooms")).toEqual([{ name: "'; DELETE FROM rooms; --" }]);
  });

  it("commits pending writes on close, and closes once", async () => {
    const { store, rows } = await open();
    await store.putRoom(room());
    void store.archive(message(1));
    await Promise.all([store.close(), store.close()]);
    expect(await rows("SELECT stanza_id FROM archive")).toEqual([{ stanza_id: "1" }]);
  });

  it("uses no more connections than the pool it is given", async () => {
    const where = await postgresSchema();
    const pool = new pg.Pool({ connectionString: where.connectionString, max: 2, options: `-c search_path=${where.schema}` });
    await pool.query(`CREATE SCHEMA ${where.schema}`);
    const store = await createPostgresStore({ pool, ...NO_RETENTION });
    await fillAsync(store);
    const reads = await Promise.all(Array.from({ length: 20 }, (_, n) => store.queryArchive(KEY, { max: 1, after: String(n % 9) })));
    expect(reads.map((r) => r.messages.length)).toEqual(Array(20).fill(1));
    expect(pool.totalCount).toBe(2);
    await store.close();
    expect(pool.ending).toBe(false); // the caller's pool stays open
    await pool.end();
  });

  it("refuses bad options before connecting, and names the server it could not reach without its password", async () => {
    const where = await postgresSchema();
    const pool = new pg.Pool({ connectionString: where.connectionString });
    afterAll(() => pool.end());
    await expect(createPostgresStore({})).rejects.toThrow("connectionString option must be given, or else pool (exactly one of them), got undefined");
    await expect(createPostgresStore({ connectionString: where.connectionString, pool })).rejects.toThrow(TypeError);
    await expect(createPostgresStore({ ...where, schema: "Bad-Name" })).rejects.toThrow(/schema option must be a lower-case identifier/);
    await expect(createPostgresStore({ ...where, maxConnections: 1 })).rejects.toThrow(/maxConnections option must be an integer from 2 to 1000/);
    await expect(createPostgresStore({ ...where, groupCommitMs: -1 })).rejects.toThrow(/groupCommitMs/);
    expect(pool.totalCount).toBe(0);
    const unreachable = createPostgresStore({ connectionString: "postgresql://mucstate:secret@127.0.0.1:1/db" });
    await expect(unreachable).rejects.toThrow(/^createPostgresStore could not connect to postgresql:\/\/127\.0\.0\.1:1\/db: /);
    await expect(unreachable).rejects.not.toThrow(/secret/);
  });
});

describe("the PostgreSQL test bed", () => {
  it("runs a throw-away server in a temp folder, fsync off, as the postgres user when the tests run as root", async () => {
    const { rows } = await open();
    const [{ pid, dir, fsync }] = (await rows(
      "SELECT pg_backend_pid() AS pid, current_setting('data_directory') AS dir, current_setting('fsync') AS fsync",
    )) as [{ pid: number; dir: string; fsync: string }];
    expect(dir).toMatch(new RegExp(`^${tmpdir()}/mucstate-pg-\\w+/data$`));
    expect(fsync).toBe("off");
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    const postgresUid = Number(readFileSync("/etc/passwd", "utf8").match(/^postgres:[^:]*:(\d+):/m)?.[1]);
    expect(uid).toBe(process.getuid?.() === 0 ? postgresUid : process.getuid?.());
  });
});
