/**
 * An archived message as both stores hold it, and how it becomes an {@link ArchivedMessage} or a
 * hole-bound candidate. The SQLite store selects its columns under these names.
 *
 * @internal
 * @module
 */
import type { HoleCandidate } from "./holeBounds.js";
import type { ArchivedMessage, RoomKey } from "./types.js";

/** A stored message; absent values are `null` in SQLite and `undefined` in memory. */
export interface ArchiveRow {
  seq: number;
  stanzaId: string;
  legacyId: string | null | undefined;
  timestamp: number;
  authorJid: string;
  /** The run that archived it live, if it was live. */
  liveRun: number | null | undefined;
  xml: string;
}

/** The row as the {@link Store} API returns it: `live` only when archived live in this run. */
export function toArchivedMessage(key: RoomKey, row: ArchiveRow, run: number): ArchivedMessage {
  const message: ArchivedMessage = {
    user: key.user,
    room: key.room,
    seq: row.seq,
    stanzaId: row.stanzaId,
    timestamp: row.timestamp,
    authorJid: row.authorJid,
    source: row.liveRun === run ? "live" : "backfill",
    xml: row.xml,
  };
  if (row.legacyId !== null && row.legacyId !== undefined) message.legacyId = row.legacyId;
  return message;
}

/** A row with a legacy id as a hole bound candidate. */
export function toHoleCandidate(row: ArchiveRow & { legacyId: string }, run: number): HoleCandidate {
  return { seq: row.seq, timestamp: row.timestamp, legacyId: row.legacyId, live: row.liveRun === run };
}
