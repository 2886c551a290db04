/**
 * Versioned schema of the PostgreSQL store.
 *
 * @remarks
 * The table `mucstate_migrations(version, applied_at)` lists the migrations applied. Opening a
 * store applies the missing ones in order, each in its own transaction together with its row, so
 * a crash mid-migration leaves the previous version intact. Every transaction first takes a
 * transaction-level advisory lock, so that gateway processes starting together migrate one after
 * the other and the second finds nothing left to do. Never edit a released migration: append one.
 *
 * Schema (version 1), the SQLite store's tables with PostgreSQL types:
 * - `meta(key, value)`: `run`, bumped by every store that opens (see {@link Store.markAllBackfill});
 * - `rooms`: one row per (user, room), the {@link RoomRecord} columns; JIDs sort in byte order
 *   (`COLLATE "C"`), as in the other stores; `archive_count`, the room's number of archived
 *   messages, kept by statement-level triggers on `archive` (the RSM count of an unfiltered query);
 * - `participants`: per room, keyed by resource, `position` keeps the order they were put in;
 * - `archive`: `seq` (an identity column, never reused), `live_run`, the message columns, and the
 *   indexes of the SQLite store: (room, stanza_id) and (room, legacy_id) unique, (room,
 *   timestamp, seq) for order and time ranges, (room, author_jid, timestamp, seq) for `with`;
 * - `avatars(hash, mime, data)`: avatar bytes by SHA-1.
 *
 * Version 2 adds `user_leases`, one row per user (bare JID) ever leased, for
 * {@link createLeases} and the store's fencing: `owner` (the holder's id, NULL once released),
 * `token` (the fencing token: 1 at the first lease, plus 1 at every change of holder, never
 * smaller), `expires_at` (on the database's clock) and `holder_pid` (the server process of the
 * holder's lease connection: when it is gone the holder is gone, see {@link createLeases}).
 *
 * Version 3 adds `user_leases.adopted`: the lease was taken from a dead holder without a stanza
 * of the user (`Leases.adopt`), so the process the user's stanzas reach may take it at once.
 *
 * @module
 */
import type pg from "pg";

const V1_SCHEMA = `
CREATE TABLE meta (
  key   text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO meta (key, value) VALUES ('run', 0);

CREATE TABLE rooms (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_jid       text COLLATE "C" NOT NULL,
  room_jid       text COLLATE "C" NOT NULL,
  legacy_id      text NOT NULL,
  name           text,
  description    text,
  subject        text,
  subject_setter text,
  subject_date   bigint,
  type           text NOT NULL CHECK (type IN ('group', 'channel')),
  user_nick      text,
  avatar_id      text,
  avatar_hash    text,
  flags          text,
  archive_count  bigint NOT NULL DEFAULT 0,
  UNIQUE (user_jid, room_jid)
);
CREATE INDEX rooms_legacy_id ON rooms (user_jid, legacy_id);

CREATE TABLE participants (
  room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  nickname    text NOT NULL,
  position    integer NOT NULL,
  resource    text NOT NULL,
  contact     text,
  affiliation text NOT NULL,
  role        text NOT NULL,
  occupant_id text NOT NULL,
  PRIMARY KEY (room_id, resource)
);
CREATE INDEX participants_position ON participants (room_id, position);

CREATE TABLE archive (
  seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id    bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  stanza_id  text NOT NULL,
  legacy_id  text,
  timestamp  bigint NOT NULL,
  author_jid text NOT NULL,
  live_run   bigint,
  xml        text NOT NULL
);
CREATE UNIQUE INDEX archive_stanza_id ON archive (room_id, stanza_id);
CREATE UNIQUE INDEX archive_legacy_id ON archive (room_id, legacy_id) WHERE legacy_id IS NOT NULL;
CREATE INDEX archive_time ON archive (room_id, timestamp, seq);
CREATE INDEX archive_author ON archive (room_id, author_jid, timestamp, seq);

-- The per-room message count of an unfiltered MAM query (RSM <count/>), kept per statement.
CREATE FUNCTION archive_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE rooms SET archive_count = archive_count + n.added
    FROM (SELECT room_id, COUNT(*) AS added FROM new_rows GROUP BY room_id) n WHERE rooms.id = n.room_id;
  RETURN NULL;
END $$;
CREATE FUNCTION archive_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE rooms SET archive_count = archive_count - o.removed
    FROM (SELECT room_id, COUNT(*) AS removed FROM old_rows GROUP BY room_id) o WHERE rooms.id = o.room_id;
  RETURN NULL;
END $$;
CREATE TRIGGER archive_count_insert AFTER INSERT ON archive REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION archive_count_insert();
CREATE TRIGGER archive_count_delete AFTER DELETE ON archive REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION archive_count_delete();

CREATE TABLE avatars (
  hash text PRIMARY KEY,
  mime text NOT NULL,
  data bytea NOT NULL
);
`;

const V2_LEASES = `
CREATE TABLE user_leases (
  user_jid   text COLLATE "C" PRIMARY KEY,
  owner      text,
  token      bigint NOT NULL CHECK (token > 0),
  expires_at timestamptz NOT NULL,
  holder_pid integer
);
CREATE INDEX user_leases_owner ON user_leases (owner);
`;

const V3_ADOPTED = `
ALTER TABLE user_leases ADD COLUMN adopted boolean NOT NULL DEFAULT false;
`;

/** The migrations, in order; migration `i` brings the schema from version `i` to `i + 1`. */
export const PG_MIGRATIONS: readonly string[] = [V1_SCHEMA, V2_LEASES, V3_ADOPTED];

/** The schema version this code writes and reads. */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** Any 64-bit key, the same in every process: serialises concurrent migrations. */
const MIGRATION_LOCK = 0x6d75_6373_7461_7465n; // "mucstate"

const LEDGER = `CREATE TABLE IF NOT EXISTS mucstate_migrations (
  version    integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** The database's schema version: the highest migration applied, 0 for an empty database. */
export async function pgSchemaVersion(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ version: number | null }>(
    "SELECT (SELECT MAX(version) FROM mucstate_migrations) AS version WHERE to_regclass('mucstate_migrations') IS NOT NULL",
  );
  return rows[0]?.version ?? 0;
}

/**
 * Applies the missing migrations up to `target` on `client` (a connection of its own, outside a
 * transaction); returns the resulting version.
 *
 * @param target - Stop at this version (default {@link PG_SCHEMA_VERSION}).
 * @param schema - Create this schema first if it is missing (under the same lock: `CREATE SCHEMA
 * IF NOT EXISTS` alone fails when two processes run it at once); a checked identifier.
 * @throws Error when the database is newer than this code (downgrades are not supported).
 */
export async function migratePostgres(client: pg.ClientBase, target: number = PG_SCHEMA_VERSION, schema?: string): Promise<number> {
  if (!(Number.isInteger(target) && target >= 0 && target <= PG_SCHEMA_VERSION)) {
    throw new TypeError(`target must be an integer from 0 to ${PG_SCHEMA_VERSION}, got ${target}`);
  }
  const inLockedTransaction = async <R>(work: () => Promise<R>): Promise<R> => {
    await client.query("BEGIN");
    try {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK.toString()]);
      const result = await work();
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  };
  const current = await inLockedTransaction(async () => {
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(LEDGER);
    return pgSchemaVersion(client);
  });
  if (current > PG_SCHEMA_VERSION) {
    throw new Error(`The database has schema version ${current} but this mucstate knows up to ${PG_SCHEMA_VERSION}; upgrade mucstate`);
  }
  for (let version = current; version < target; version++) {
    await inLockedTransaction(async () => {
      if ((await pgSchemaVersion(client)) > version) return; // another process did it meanwhile
      await client.query(PG_MIGRATIONS[version]!);
      await client.query("INSERT INTO mucstate_migrations (version) VALUES ($1)", [version + 1]);
    });
  }
  return Math.max(current, target);
}
