/**
 * The archive's records: a message as the store keeps it, as it is given, as it may be lost,
 * and the bounds of the hole a backfill fills. Part of the persistence contract of `types.ts`
 * (which re-exports them).
 *
 * @module
 */
import type { RoomKey, Store } from "./types.js";

/**
 * Where an archived message came from.
 *
 * - `live`: received while this run of the gateway was up, and fanned out to clients;
 * - `backfill`: fetched from the legacy network's history (`archive_only`), or archived live by
 *   an earlier run (see {@link Store.markAllBackfill}).
 */
export type ArchiveSource = "live" | "backfill";

/** A message of a room's archive. */
export interface ArchivedMessage extends RoomKey {
  /**
   * Position assigned by the store: strictly increasing in insertion order, never reused.
   * Messages are ordered by (`timestamp`, `seq`), so equal timestamps keep insertion order.
   */
  seq: number;
  /** XEP-0359 stanza-id, the MAM archive UID; unique within the room. */
  stanzaId: string;
  /** The legacy network's id of the message; unique within the room when given. */
  legacyId?: string;
  /** When the message was sent, epoch ms. */
  timestamp: number;
  /** The occupant JID (`room@host/nick`) of the author; what the MAM `with` field matches. */
  authorJid: string;
  /** How the message came into the archive. */
  source: ArchiveSource;
  /** The serialized `<message/>` as it is replayed in MAM results and join history. */
  xml: string;
}

/**
 * An archived message whose group commit failed and whose replay failed too: it is not in the
 * archive, and nothing that refers to it may be sent.
 */
export interface LostMessage extends RoomKey {
  /** The stanza-id it was archived with (the one fanned out). */
  stanzaId: string;
  /** Why it could not be saved: what its replay failed with (`SQLITE_FULL` for a full disk). */
  error?: unknown;
}

/** A message as given to {@link Store.archive}: the store assigns `seq`. */
export type ArchiveInput = Omit<ArchivedMessage, "seq">;

/** One end of a hole in the archive: a message with a legacy id. */
export interface HoleBound {
  /** The message's legacy id. */
  legacyId: string;
  /** Epoch ms. */
  timestamp: number;
}

/**
 * What the backfill should fetch (slidge's "hole bounds").
 *
 * Only messages with a legacy id count:
 * - empty archive → no bounds (fetch the recent history);
 * - newest message is `backfill` → `after` it (fetch what was missed since);
 * - never backfilled → `before` the oldest `live` message;
 * - both → `after` the newest `backfill` message and `before` the oldest `live` one newer than it.
 */
export interface HoleBounds {
  /** Fetch messages newer than this one. */
  after?: HoleBound;
  /** Fetch messages older than this one. */
  before?: HoleBound;
}
