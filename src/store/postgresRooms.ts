/**
 * The statements of the PostgreSQL store's `rooms` and `participants` tables, and the values they
 * take. Rows come back with the columns of the SQLite store's tables, so `toRoom` and
 * `toParticipant` of `sqliteRooms.ts` read both.
 *
 * @internal
 * @module
 */
import { ROOM_FIELDS } from "./sqliteRooms.js";
import type { ParticipantInput, RoomRecord } from "./types.js";

const COLUMNS = ROOM_FIELDS.map(([, column]) => column);
/** Creates or replaces a room; returns its id. @internal */
export const PUT_ROOM = `INSERT INTO rooms (user_jid, room_jid, ${COLUMNS.join(", ")}, flags) VALUES (${[...COLUMNS, "", "", ""].map((_, i) => `$${i + 1}`).join(", ")})
  ON CONFLICT (user_jid, room_jid) DO UPDATE SET ${[...COLUMNS, "flags"].map((c) => `${c} = excluded.${c}`).join(", ")} RETURNING id`;
const PARTICIPANT_UPDATE = `ON CONFLICT (room_id, resource) DO UPDATE SET nickname = excluded.nickname, contact = excluded.contact,
  affiliation = excluded.affiliation, role = excluded.role, occupant_id = excluded.occupant_id`;
/** Adds a participant last, or replaces it in place (by resource). @internal */
export const PUT_PARTICIPANT = `INSERT INTO participants (room_id, nickname, position, resource, contact, affiliation, role, occupant_id)
  VALUES ($1, $2, (SELECT COALESCE(MAX(position), -1) + 1 FROM participants WHERE room_id = $1), $3, $4, $5, $6, $7) ${PARTICIPANT_UPDATE}`;
/** Inserts a whole list from one array per column ({@link participantColumns}). @internal */
export const PUT_PARTICIPANTS = `INSERT INTO participants (room_id, nickname, position, resource, contact, affiliation, role, occupant_id)
  SELECT $1, t.nickname, t.position, t.resource, t.contact, t.affiliation, t.role, t.occupant_id
  FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
    AS t(nickname, position, resource, contact, affiliation, role, occupant_id)`;
/** The values of {@link PUT_ROOM} for a room. @internal */
export function roomValues(record: RoomRecord): unknown[] {
  return [record.user, record.room, ...ROOM_FIELDS.map(([field]) => record[field] ?? null), record.flags ? JSON.stringify(record.flags) : null];
}

/**
 * The arrays of {@link PUT_PARTICIPANTS}: one row per resource, at the first one's place with
 * the last one's values (as one upsert after another would leave them). @internal
 */
export function participantColumns(participants: readonly ParticipantInput[]): unknown[][] {
  const byResource = new Map<string, { position: number; p: ParticipantInput }>();
  for (const [position, p] of participants.entries()) byResource.set(p.resource, { position: byResource.get(p.resource)?.position ?? position, p });
  const rows = [...byResource.values()];
  return [
    rows.map((r) => r.p.nickname),
    rows.map((r) => r.position),
    rows.map((r) => r.p.resource),
    rows.map((r) => r.p.contact ?? null),
    rows.map((r) => r.p.affiliation),
    rows.map((r) => r.p.role),
    rows.map((r) => r.p.occupantId),
  ];
}
