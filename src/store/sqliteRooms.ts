/**
 * Rows of the `rooms` and `participants` tables of the SQLite store, and their statements.
 *
 * @internal
 * @module
 */
import type Database from "better-sqlite3";
import type { ParticipantRecord, RoomKey, RoomRecord } from "./types.js";

/** A prepared statement. */
export type Statement = Database.Statement<unknown[], unknown>;
/**
 * The one value a write with a `RETURNING` clause gives (a plucked statement).
 *
 * @remarks
 * Read with `all()`, never `get()`: `get()` resets the statement after its first row, and a write
 * that commits on a reset instead of on its last step never reaches SQLite's WAL hook, so it never
 * runs the automatic checkpoint. 100,000 room writes committed that way left a 1.4 GB WAL, copied
 * back inline (~1 s) by the next write that did reach the hook.
 */
export function returnedValue(statement: Statement, ...params: unknown[]): unknown {
  return statement.all(...params)[0];
}

/** A row as SQLite returns it. */
export type SqlRow = Record<string, string | number | null>;

/** Record fields of a room and their columns. */
export const ROOM_FIELDS = [
  ["legacyId", "legacy_id"],
  ["name", "name"],
  ["description", "description"],
  ["subject", "subject"],
  ["subjectSetter", "subject_setter"],
  ["subjectDate", "subject_date"],
  ["type", "type"],
  ["userNick", "user_nick"],
  ["avatarId", "avatar_id"],
  ["avatarHash", "avatar_hash"],
] as const;

export function toRoom(row: SqlRow): RoomRecord {
  const record = { user: row.user_jid, room: row.room_jid } as Record<string, unknown>;
  for (const [field, column] of ROOM_FIELDS) if (row[column] !== null) record[field] = row[column];
  if (typeof row.flags === "string") record.flags = JSON.parse(row.flags);
  return record as unknown as RoomRecord;
}

export function toParticipant(key: RoomKey, row: SqlRow): ParticipantRecord {
  const p = { user: key.user, room: key.room, nickname: row.nickname, resource: row.resource } as Record<string, unknown>;
  if (row.contact !== null) p.contact = row.contact;
  Object.assign(p, { affiliation: row.affiliation, role: row.role, occupantId: row.occupant_id });
  return p as unknown as ParticipantRecord;
}

/** Names of the statements of {@link prepareStatements}. */
export type RoomStatement =
  | "room"
  | "roomId"
  | "roomByLegacyId"
  | "putRoom"
  | "deleteRoom"
  | "listRooms"
  | "participants"
  | "clearParticipants"
  | "putParticipant"
  | "putParticipantAt"
  | "deleteParticipant"
  | "nextRun"
  | "currentRun"
  | "avatar"
  | "putAvatar"
  | "purgeAvatars";

/** The statements of rooms and participants, prepared once per database. */
export function prepareStatements(db: Database.Database): Record<RoomStatement, Statement> {
  const columns = ROOM_FIELDS.map(([, column]) => column);
  const prepare = (sql: string) => db.prepare(sql) as Statement;
  return {
    room: prepare("SELECT * FROM rooms WHERE user_jid = ? AND room_jid = ?"),
    roomId: prepare("SELECT id FROM rooms WHERE user_jid = ? AND room_jid = ?").pluck() as Statement,
    roomByLegacyId: prepare("SELECT * FROM rooms WHERE user_jid = ? AND legacy_id = ? ORDER BY id LIMIT 1"),
    putRoom: prepare(
      `INSERT INTO rooms (user_jid, room_jid, ${columns.join(", ")}, flags) VALUES (?, ?, ${columns.map(() => "?").join(", ")}, ?)
       ON CONFLICT (user_jid, room_jid) DO UPDATE SET ${[...columns, "flags"].map((c) => `${c} = excluded.${c}`).join(", ")}
       RETURNING id`,
    ).pluck() as Statement,
    deleteRoom: prepare("DELETE FROM rooms WHERE user_jid = ? AND room_jid = ?"),
    listRooms: prepare("SELECT * FROM rooms WHERE user_jid = ? ORDER BY room_jid"),
    participants: prepare("SELECT * FROM participants WHERE room_id = ? ORDER BY position"),
    clearParticipants: prepare("DELETE FROM participants WHERE room_id = ?"),
    putParticipant: prepare(
      `INSERT INTO participants (room_id, nickname, position, resource, contact, affiliation, role, occupant_id)
       VALUES (?, ?, (SELECT COALESCE(MAX(position), -1) + 1 FROM participants WHERE room_id = ?), ?, ?, ?, ?, ?)
       ON CONFLICT (room_id, resource) DO UPDATE SET nickname = excluded.nickname, contact = excluded.contact,
         affiliation = excluded.affiliation, role = excluded.role, occupant_id = excluded.occupant_id`,
    ),
    putParticipantAt: prepare(
      `INSERT INTO participants (room_id, nickname, position, resource, contact, affiliation, role, occupant_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_id, resource) DO UPDATE SET nickname = excluded.nickname, contact = excluded.contact,
         affiliation = excluded.affiliation, role = excluded.role, occupant_id = excluded.occupant_id`,
    ),
    deleteParticipant: prepare("DELETE FROM participants WHERE room_id = ? AND resource = ?"),
    avatar: prepare("SELECT mime, data FROM avatars WHERE hash = ?"),
    putAvatar: prepare("INSERT INTO avatars (hash, mime, data) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING"),
    purgeAvatars: prepare("DELETE FROM avatars WHERE hash NOT IN (SELECT avatar_hash FROM rooms WHERE avatar_hash IS NOT NULL)"),
    nextRun: prepare("UPDATE meta SET value = value + 1 WHERE key = 'run' RETURNING value").pluck() as Statement,
    currentRun: prepare("SELECT value FROM meta WHERE key = 'run'").pluck() as Statement,
  };
}
