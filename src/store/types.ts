/**
 * The persistence contract of mucstate: plain records and the {@link Store} interface.
 *
 * @remarks
 * Every record is JSON-friendly: times are **epoch milliseconds** (numbers) everywhere, including
 * in {@link MamQuery}; absent optional fields are left out rather than set to `null`.
 *
 * A room is identified by the pair (user bare JID, room bare JID), a {@link RoomKey}. Its
 * participants and its archive belong to that pair: two users bridged to the same legacy group
 * have two rooms, two participant lists and two archives, and one never reads the other's
 * (an early slidge bug leaked archives across users). JIDs are compared exactly; normalise them
 * (lowercase domain and local part) before calling the store.
 *
 * The interface is **synchronous**: both implementations (in-memory and better-sqlite3) finish
 * their work before returning, and reads see every write at once. Archive writes may be
 * *group-committed*: the SQLite store commits the messages archived since its last commit in
 * one transaction, at the end of the event-loop turn or a few ms later under load
 * ({@link Store.uncommitted}, {@link Store.afterCommit}). The gateway's outbox holds outgoing
 * stanzas while a commit is pending, so nothing a client receives refers to a message that is
 * not durable yet.
 *
 * A commit can fail (a full disk, a constraint only checked at COMMIT, a lock held too long by
 * another process). Its writes are rolled back; the SQLite store then replays each write of the
 * batch (archived messages, room and participant writes) in a transaction of its own, in their
 * order, and only those that fail again are lost. A write can also throw by itself (a full disk
 * mid-statement, where SQLite may roll the whole batch back: the rest is then replayed at once).
 * {@link Store.afterCommit} names the lost messages ({@link LostMessage}, with the error), and
 * the room reports a write that threw the same way. Nothing that claims a lost message is
 * archived is ever sent (by its XEP-0359 stanza-id, also inside a MAM result, now or later): a
 * live message goes out without its stanza-id, a MAM result of it is dropped (`onDrop`,
 * `not-durable`), and the echo of a user's message is replaced, for the resource that sent it,
 * by an error reply (`resource-constraint` for a full disk, else `internal-server-error`, type
 * `cancel`). The gateway's `onWarning` names each lost message. Stanzas that refer to no lost
 * message (presences, iq results, messages saved by the replay) go out as usual, in order.
 *
 * @module
 */
import type { Affiliation, Role } from "../protocol/xep0045.js";
import type { ArchiveMetadata, MamQuery, MamResult } from "./mam.js";
import type { ArchiveInput, ArchivedMessage, HoleBounds, LostMessage } from "./archiveTypes.js";

/** Identifies a bridged room of one user. */
export interface RoomKey {
  /** The user's bare JID, e.g. `juliet@capulet.lit`. */
  user: string;
  /** The room's bare JID, e.g. `coven@gateway.example`. */
  room: string;
}

/** `group`: non-anonymous and members-only. `channel`: semi-anonymous and open. */
export type StoredRoomType = "group" | "channel";

/**
 * Per-room flags the runtime may persist; the store keeps them exactly as given.
 *
 * @remarks
 * slidge resets both at every start; mucstate's runtime decides whether to
 * read them after a restart. The store never changes them on its own.
 */
export interface RoomFlags {
  /** `fillParticipants()` already ran. */
  participantsFilled?: boolean;
  /** `backfill()` already ran. */
  historyFilled?: boolean;
  /**
   * The gateway run (its `run` option) in which `fillParticipants()` ran and its participant
   * rows were stored: a process of the same run restores the room with them, without the call.
   */
  filledInRun?: string;
  /**
   * The gateway run in which `backfill()` ran for the room: a process of the same run that restores
   * the room with its participants (see {@link RoomFlags.filledInRun}) does not call it again.
   */
  backfilledInRun?: string;
}

/** What the store keeps about a room (the columns of slidge's `room` row that mucstate uses). */
export interface RoomRecord extends RoomKey {
  /** The legacy network's id of the room. */
  legacyId: string;
  /** The room's name, when the plugin set one. */
  name?: string;
  /** The room's description. */
  description?: string;
  /** The room subject (topic). */
  subject?: string;
  /** Nickname of whoever set the subject. */
  subjectSetter?: string;
  /** When the subject was set, epoch ms. */
  subjectDate?: number;
  /** The room's type (`LegacyRoom.type`). */
  type: StoredRoomType;
  /** The user's nickname in this room. */
  userNick?: string;
  /** The legacy network's id of the room avatar. */
  avatarId?: string;
  /** SHA-1 of the avatar bytes, as advertised in vCard-based avatar updates. */
  avatarHash?: string;
  /** Whether `fillParticipants` and `backfill` already ran. */
  flags?: RoomFlags;
}

/** A stored participant of a room. */
export interface ParticipantRecord extends RoomKey {
  /** The nickname as the legacy network gives it; two participants may share one (even an empty one). */
  nickname: string;
  /** The resource part of the occupant JID (the nickname made valid and unique); the participant's key in the room. */
  resource: string;
  /** The legacy contact behind the participant, if any. */
  contact?: string;
  /** The occupant's XEP-0045 affiliation. */
  affiliation: Affiliation;
  /** The occupant's XEP-0045 role. */
  role: Role;
  /** XEP-0421 occupant id. */
  occupantId: string;
}

/** A participant as given to {@link Store.putParticipants}: the room key comes separately. */
export type ParticipantInput = Omit<ParticipantRecord, keyof RoomKey>;

export type { ArchiveInput, ArchiveSource, ArchivedMessage, HoleBound, HoleBounds, LostMessage } from "./archiveTypes.js";
export type { StoreOptions } from "./storeOptions.js";

/** An avatar's bytes as the store keeps them: content-addressed by their SHA-1. */
export interface StoredAvatar {
  /** SHA-1 of `data`, hex: the key, and what a room's {@link RoomRecord.avatarHash} names. */
  hash: string;
  /** The media type, e.g. `image/png`. */
  mime: string;
  /** The image's bytes. */
  data: Uint8Array;
}

/**
 * Persistence of rooms, participants and archives.
 *
 * @remarks
 * Implementations: {@link createMemoryStore} (tests) and {@link openSqliteStore} (default).
 * Every method is synchronous. Methods that read a room that was never stored return empty
 * results; methods that write under a room ({@link archive}, {@link putParticipants}) throw a
 * {@link StoreRoomNotFound} until {@link putRoom} stored it.
 *
 * @example
 * ```ts
 * const store = openSqliteStore("mucstate.db");
 * store.putRoom({ user: "juliet@capulet.lit", room: "coven@gw", legacyId: "42", type: "group" });
 * store.archive({ user: "juliet@capulet.lit", room: "coven@gw", stanzaId: "s1", timestamp: Date.now(),
 *   authorJid: "coven@gw/firstwitch", source: "live", xml: "<message/>" });
 * const page = store.queryArchive({ user: "juliet@capulet.lit", room: "coven@gw" }, { before: "", max: 20 });
 * ```
 */
export interface Store {
  /** The room, or `undefined`. A point lookup: rooms are activated lazily, never scanned at start. */
  getRoom(user: string, room: string): RoomRecord | undefined;
  /** The room with this legacy id, or `undefined`. */
  getRoomByLegacyId(user: string, legacyId: string): RoomRecord | undefined;
  /** Creates or replaces the room's info; its participants and archive stay. */
  putRoom(record: RoomRecord): void;
  /** Deletes the room with its participants and archive; false when there was none. */
  deleteRoom(user: string, room: string): boolean;
  /** Every room of the user, ordered by room JID. */
  listRooms(user: string): RoomRecord[];
  /** The avatar bytes kept under this hash, or `undefined`. */
  getAvatar(hash: string): StoredAvatar | undefined;
  /**
   * Keeps an avatar's bytes under its hash (rooms with the same avatar share them), so that a
   * room's avatar survives a restart without a download. Bytes that no room's `avatarHash` names
   * any more are deleted by {@link purgeOlderThan}.
   */
  putAvatar(avatar: StoredAvatar): void;

  /** The stored participants, in the order they were put. */
  getParticipants(room: RoomKey): ParticipantRecord[];
  /** Replaces the whole participant list. */
  putParticipants(room: RoomKey, participants: readonly ParticipantInput[]): void;
  /**
   * Adds or replaces one participant (by resource); a new one goes last. Like {@link archive}, it
   * is durable once {@link Store.uncommitted} is false again (group-committed in the SQLite store).
   */
  putParticipant(room: RoomKey, participant: ParticipantInput): void;
  /** Removes a participant by resource; false when there was none. Group-committed like {@link putParticipant}. */
  deleteParticipant(room: RoomKey, resource: string): boolean;

  /**
   * Archives a message before it is fanned out; returns the stored row. It is durable once
   * {@link Store.uncommitted} is false again (at once in the in-memory store; at the group
   * commit, or on {@link Store.commit}, in the SQLite store).
   *
   * @remarks
   * Upsert: a message whose `stanzaId`, or else whose `legacyId`, is already archived in the room
   * replaces that row instead of adding one, as slidge does. The row keeps its `seq` and its
   * `stanzaId` (ids already sent to clients stay valid), and its `legacyId` when the new message
   * has none; timestamp, author, source and XML are replaced. If the stanza-id matches one row
   * and the legacy id another, the latter is a duplicate of the same legacy message and is
   * deleted. Fan out the returned row's `stanzaId`.
   */
  archive(message: ArchiveInput): ArchivedMessage;
  /**
   * Archives several messages in one transaction, each upserted in order as by {@link archive};
   * all are durable when it returns, and none is stored when one is rejected. Meant for backfill
   * batches: one commit instead of one per message.
   */
  archiveMany(messages: readonly ArchiveInput[]): ArchivedMessage[];
  /**
   * A XEP-0313 query on the room's archive. Throws {@link StoreItemNotFound} for an unknown
   * id in `after`, `before`, `afterId`, `beforeId` or `ids`, and a `TypeError` for a bad `max`.
   */
  queryArchive(room: RoomKey, query?: MamQuery): MamResult;
  /** First and last message of the archive (XEP-0313 #archive-metadata), empty when there is none. */
  archiveMetadata(room: RoomKey): ArchiveMetadata;
  /** What the next backfill should fetch; see {@link HoleBounds}. */
  holeBounds(room: RoomKey): HoleBounds;
  /**
   * From now on, every message archived `live` so far reads as `backfill` (slidge relabels the
   * archive at every start). O(1): the store counts runs instead of rewriting rows. Opening a
   * SQLite store starts a new run by itself; call this only to start one on demand.
   */
  markAllBackfill(): void;
  /**
   * Deletes archived messages with `timestamp < before` (epoch ms) in every room; returns how
   * many. With `limit` (a positive integer), deletes at most that many, the earliest archived first:
   * the retention timer calls it again until fewer come back, so that no call holds the event
   * loop long. A store may ignore `limit` (the in-memory store does).
   * @throws TypeError for a `limit` that is not a positive integer.
   */
  purgeOlderThan(before: number, limit?: number): number;
  /**
   * True while archived messages wait for their group commit: until then, a crash loses them,
   * so nothing that refers to them may be sent. The in-memory store is never uncommitted.
   */
  readonly uncommitted: boolean;
  /**
   * Commits pending writes now (the store also does so by itself, see {@link StoreOptions.groupCommitMs}).
   * A failed commit rolls them back and goes to `onError`, and each archived message is
   * replayed on its own (see the module notes); it never throws.
   */
  commit(): void;
  /**
   * Calls `listener` once pending writes are committed, or at once when none are, with the
   * archived messages that could not be saved (empty unless the commit failed and their replay
   * too), each with the error its replay failed with. Room and participant writes of a failed batch are replayed the same way; one that
   * fails again goes to `onError` only, since no stanza refers to it.
   */
  afterCommit(listener: (lost: readonly LostMessage[]) => void): void;
  /** Commits, stops the retention timer and releases the database; idempotent. */
  close(): void;
}
