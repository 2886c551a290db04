/**
 * Versioned schema of the SQLite store.
 *
 * @remarks
 * `PRAGMA user_version` holds the number of migrations applied. Opening a store applies the
 * missing ones in order, each in its own transaction together with its version bump, so a crash
 * mid-migration leaves the previous version intact. Never edit a released migration: append one.
 *
 * Schema (version 6):
 * - `meta(key, value)`: `run`, the number of times the store was opened (see
 *   {@link Store.markAllBackfill});
 * - `rooms`: one row per (user, room), the {@link RoomRecord} columns, `archive_count`;
 * - `participants`: per room, keyed by resource, `position` keeps the order they were put in;
 * - `archive`: `seq` (AUTOINCREMENT, so never reused), `live_run` (the run in which the message
 *   was archived live, NULL for backfill), and the message columns. Indexes: (room, stanza_id)
 *   unique, (room, legacy_id) unique where the legacy id is not the stanza-id (version 6),
 *   (room, timestamp, seq) for ordering and time ranges, (room, author_jid, timestamp, seq) for
 *   the MAM `with` filter;
 * - `avatars(hash, mime, data)`: avatar bytes by SHA-1, the hash `rooms.avatar_hash` names.
 *
 * @module
 */
import type Database from "better-sqlite3";

const V1_SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('run', 0);

CREATE TABLE rooms (
  id             INTEGER PRIMARY KEY,
  user_jid       TEXT NOT NULL,
  room_jid       TEXT NOT NULL,
  legacy_id      TEXT NOT NULL,
  name           TEXT,
  description    TEXT,
  subject        TEXT,
  subject_setter TEXT,
  subject_date   INTEGER,
  type           TEXT NOT NULL CHECK (type IN ('group', 'channel')),
  user_nick      TEXT,
  avatar_id      TEXT,
  avatar_hash    TEXT,
  flags          TEXT,
  UNIQUE (user_jid, room_jid)
);
CREATE INDEX rooms_legacy_id ON rooms (user_jid, legacy_id);

CREATE TABLE participants (
  room_id     INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  nickname    TEXT NOT NULL,
  position    INTEGER NOT NULL,
  resource    TEXT NOT NULL,
  contact     TEXT,
  affiliation TEXT NOT NULL,
  role        TEXT NOT NULL,
  occupant_id TEXT NOT NULL,
  PRIMARY KEY (room_id, nickname)
) WITHOUT ROWID;

CREATE TABLE archive (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  stanza_id  TEXT NOT NULL,
  legacy_id  TEXT,
  timestamp  INTEGER NOT NULL,
  author_jid TEXT NOT NULL,
  live_run   INTEGER,
  xml        TEXT NOT NULL
);
CREATE UNIQUE INDEX archive_stanza_id ON archive (room_id, stanza_id);
CREATE UNIQUE INDEX archive_legacy_id ON archive (room_id, legacy_id) WHERE legacy_id IS NOT NULL;
CREATE INDEX archive_time ON archive (room_id, timestamp, seq);
CREATE INDEX archive_author ON archive (room_id, author_jid, timestamp, seq);
`;

/**
 * Version 2: a per-room message counter kept by triggers, so that the RSM `count` of an
 * unfiltered query is a point read instead of counting the whole archive.
 */
const V2_ARCHIVE_COUNT = `
ALTER TABLE rooms ADD COLUMN archive_count INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET archive_count = (SELECT COUNT(*) FROM archive WHERE archive.room_id = rooms.id);
CREATE TRIGGER archive_count_insert AFTER INSERT ON archive BEGIN
  UPDATE rooms SET archive_count = archive_count + 1 WHERE id = NEW.room_id;
END;
CREATE TRIGGER archive_count_delete AFTER DELETE ON archive BEGIN
  UPDATE rooms SET archive_count = archive_count - 1 WHERE id = OLD.room_id;
END;
`;

/**
 * Version 3: participants by position. A new participant goes last, at `MAX(position) + 1`;
 * without this index that MAX scanned the room's participants, so storing a 10,000-participant
 * room one by one was quadratic (2.2 s).
 */
const V3_PARTICIPANT_POSITION = `
CREATE INDEX participants_position ON participants (room_id, position);
`;

/**
 * Version 4: participants keyed by resource instead of nickname. Two participants may share a
 * nickname (the second gets the resource `"name (contact)"` or `"name (2)"`); keyed by nickname,
 * the second overwrote the first's row, which came back wrong after a passivation. Resources
 * are unique in a room. SQLite cannot change a primary key in place: the table is rebuilt.
 */
const V4_PARTICIPANTS_BY_RESOURCE = `
CREATE TABLE participants_v4 (
  room_id     INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  nickname    TEXT NOT NULL,
  position    INTEGER NOT NULL,
  resource    TEXT NOT NULL,
  contact     TEXT,
  affiliation TEXT NOT NULL,
  role        TEXT NOT NULL,
  occupant_id TEXT NOT NULL,
  PRIMARY KEY (room_id, resource)
) WITHOUT ROWID;
INSERT OR IGNORE INTO participants_v4 SELECT room_id, nickname, position, resource, contact, affiliation, role, occupant_id
  FROM participants ORDER BY room_id, position;
DROP TABLE participants;
ALTER TABLE participants_v4 RENAME TO participants;
CREATE INDEX participants_position ON participants (room_id, position);
`;

/**
 * Version 5: avatar bytes, keyed by their SHA-1 (what `rooms.avatar_hash` holds). Rooms kept only
 * the avatar's ids, so after a restart a plugin that skipped the download (the id was unchanged)
 * left the room advertising a hash whose vCard was empty.
 */
const V5_AVATARS = `
CREATE TABLE avatars (
  hash TEXT PRIMARY KEY,
  mime TEXT NOT NULL,
  data BLOB NOT NULL
);
`;

/**
 * Version 6: the legacy-id index holds only the rows whose legacy id differs from their
 * stanza-id. A message the plugin gave a legacy id is archived under it as its stanza-id, so
 * the old index repeated the stanza-id index: a second random B-tree insert per echo (with
 * random legacy ids: 72 vs 18 µs an insert in batches of 40, 60,000 rows). The store checks
 * the rows it no longer covers itself (`SqliteArchive.upsert`). The new index is a subset of
 * the old one, so it is built from existing rows without a conflict.
 */
const V6_LEGACY_ID_APART = `
DROP INDEX archive_legacy_id;
CREATE UNIQUE INDEX archive_legacy_id ON archive (room_id, legacy_id) WHERE legacy_id IS NOT NULL AND legacy_id <> stanza_id;
`;

/**
 * Version 7: the ids of archived messages move from two unique indexes on `archive` into
 * `archive_ids`, which `ArchiveIds` (sqliteArchiveIds.ts) fills in batches. Legacy ids are random (so are the
 * stanza-ids made from them): each insert into a unique index on them wrote its own B-tree
 * page, and every group commit wrote as many pages to the WAL as it held messages (27 vs 11 µs
 * an insert, batches of 24, 60,000 rows). The ids of the newest rows (`seq` above the meta value
 * `ids_upto`) are kept in memory and written a few thousand at a time, sorted, so that one page
 * takes many. A deleted row's ids leave with it (trigger); `kind` 0 is a stanza-id, 1 a legacy
 * id apart from the row's stanza-id; the key puts the id before the kind, so that one seek finds
 * an id of either kind. Migrating a file of 1,000,000 messages took 0.44 s (2 cores).
 */
const V7_ARCHIVE_IDS = `
CREATE TABLE archive_ids (
  room_id INTEGER NOT NULL,
  kind    INTEGER NOT NULL CHECK (kind IN (0, 1)),
  id      TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (room_id, id, kind)
) WITHOUT ROWID;
INSERT INTO archive_ids (room_id, id, kind, seq) SELECT room_id, stanza_id, 0, seq FROM archive ORDER BY room_id, stanza_id;
INSERT INTO archive_ids (room_id, id, kind, seq)
  SELECT room_id, legacy_id, 1, seq FROM archive WHERE legacy_id IS NOT NULL AND legacy_id <> stanza_id ORDER BY room_id, legacy_id;
INSERT INTO meta (key, value) VALUES ('ids_upto', (SELECT COALESCE(MAX(seq), 0) FROM archive));
DROP INDEX archive_stanza_id;
DROP INDEX archive_legacy_id;
CREATE TRIGGER archive_ids_delete AFTER DELETE ON archive BEGIN
  DELETE FROM archive_ids WHERE room_id = OLD.room_id AND kind = 0 AND id = OLD.stanza_id AND seq = OLD.seq;
  DELETE FROM archive_ids WHERE room_id = OLD.room_id AND kind = 1 AND id = OLD.legacy_id AND seq = OLD.seq;
END;
`;

/** The migrations, in order; migration `i` brings the schema from version `i` to `i + 1`. */
export const MIGRATIONS: readonly string[] = [
  V1_SCHEMA,
  V2_ARCHIVE_COUNT,
  V3_PARTICIPANT_POSITION,
  V4_PARTICIPANTS_BY_RESOURCE,
  V5_AVATARS,
  V6_LEGACY_ID_APART,
  V7_ARCHIVE_IDS,
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The database's schema version (`PRAGMA user_version`). */
export function schemaVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Applies the missing migrations up to `target`; returns the resulting version.
 *
 * @param target - Stop at this version (default {@link SCHEMA_VERSION}); tests use it to build
 * an older database.
 * @throws Error when the database is newer than this code (downgrades are not supported).
 *
 * @example
 * ```ts
 * const db = new Database("old.db");
 * migrate(db, 1); // a database at schema version 1
 * ```
 */
export function migrate(db: Database.Database, target: number = SCHEMA_VERSION): number {
  if (!(Number.isInteger(target) && target >= 0 && target <= SCHEMA_VERSION)) {
    throw new TypeError(`target must be an integer from 0 to ${SCHEMA_VERSION}, got ${target}`);
  }
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new Error(`The database has schema version ${current} but this mucstate knows up to ${SCHEMA_VERSION}; upgrade mucstate`);
  }
  for (let version = current; version < target; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return Math.max(current, target);
}
