/**
 * The default {@link Store}: one SQLite file through better-sqlite3.
 *
 * @remarks
 * Durability: the file is in WAL mode with `synchronous = NORMAL`. Archived messages are
 * group-committed ({@link GroupCommit}): the first {@link Store.archive} after a quiet spell
 * opens a transaction that commits at the end of its event-loop turn; under load, commits come
 * at most every `groupCommitMs` (2 ms by default), each covering every message since the last.
 * A commit costs ~200 µs whatever it holds, so one per message would cap a room at a few
 * thousand messages a second. While a commit is pending {@link Store.uncommitted} is true and
 * the gateway's outbox holds every outgoing stanza until {@link Store.afterCommit} says it is
 * done. A killed process (SIGKILL, crash) may lose the messages of its last batch, but no client
 * ever received them, which is the guarantee the gateway needs: archive, then fan out. Single
 * participant writes ({@link Store.putParticipant}, {@link Store.deleteParticipant}) are
 * group-committed the same way. Other writes made while the transaction is open (rooms, whole
 * participant lists) join it; outside one they commit at once.
 * `NORMAL` skips the fsync at each commit (WAL checkpoints still sync), so a power cut or kernel
 * crash may lose the last commits but never corrupts the file; this is SQLite's recommended
 * setting for WAL and keeps inserts fast. Once the store has made 1,000 writes its WAL
 * checkpoints (the one fsync) move to a worker thread ({@link LazyCheckpointer}), so that a
 * commit never holds the event loop for one; durability is the same. `foreign_keys = ON` makes deleting a room delete its
 * participants and archive. `busy_timeout` lets a second process (a CLI reading the file) wait
 * for the writer instead of failing. Write transactions begin `IMMEDIATE`, taking the write lock
 * before their first read: with a deferred `BEGIN`, a commit by another connection between a
 * transaction's read and its first write makes SQLite refuse that write (`SQLITE_BUSY_SNAPSHOT`)
 * without waiting.
 *
 * Start-up cost does not grow with the number of rooms: opening applies missing migrations and
 * bumps the run counter, nothing else; rooms are read one point lookup at a time when activated.
 *
 * @module
 */
import Database from "better-sqlite3";
import { StoreRoomNotFound } from "./errors.js";
import type { ArchiveMetadata, MamQuery, MamResult } from "./mam.js";
import { migrate } from "./migrations.js";
import { checkNonEmptyString } from "../optionChecks.js";
import { checkStoreOptions, retentionFromOptions, storeErrorHandler } from "./retention.js";
import { GroupCommit } from "./groupCommit.js";
import { LazyCheckpointer, WAL_FILE_LIMIT } from "./sqliteCheckpointer.js";
import { SqliteArchive } from "./sqliteArchive.js";
import { prepareStatements, returnedValue, ROOM_FIELDS, type RoomStatement, type SqlRow, type Statement, toParticipant, toRoom } from "./sqliteRooms.js";
import type { ArchivedMessage, ArchiveInput, HoleBounds, LostMessage, ParticipantInput, ParticipantRecord } from "./types.js";
import type { RoomKey, RoomRecord, Store, StoreOptions, StoredAvatar } from "./types.js";
import { checkAvatar, checkKey, checkMessage, checkParticipant, checkPurgeLimit, checkRoom } from "./validate.js";
import { RoomIdCache } from "./roomIdCache.js";

export { MAX_BATCH } from "./groupCommit.js";

class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #archive: SqliteArchive;
  readonly #roomIds = new RoomIdCache();
  readonly #sql: Record<RoomStatement, Statement>;
  readonly #replaceParticipants: (roomId: number, participants: readonly ParticipantInput[]) => void;
  readonly #batch: GroupCommit<Omit<LostMessage, "error">>;
  #run: number;
  /** WAL checkpoints on a worker thread, once the store has written enough. */
  readonly #checkpoints: LazyCheckpointer;
  readonly #onError: (error: unknown) => void;
  #stopRetention: () => void = () => {};

  constructor(db: Database.Database, options: StoreOptions) {
    this.#db = db;
    this.#onError = storeErrorHandler(options);
    this.#checkpoints = new LazyCheckpointer(db, this.#onError);
    this.#archive = new SqliteArchive(db);
    const ids = this.#archive.ids;
    this.#batch = new GroupCommit<Omit<LostMessage, "error">>(db, {
      intervalMs: options.groupCommitMs,
      onError: this.#onError,
      onRollback: () => this.#forgetLostWrites(),
      beforeCommit: () => ids.flush(),
      onCommitted: () => ids.committed(),
    });
    this.#sql = prepareStatements(db);
    this.#replaceParticipants = db.transaction((roomId: number, participants: readonly ParticipantInput[]) => {
      this.#sql.clearParticipants.run(roomId);
      for (const [position, p] of participants.entries()) {
        this.#sql.putParticipantAt.run(roomId, p.nickname, position, p.resource, p.contact ?? null, p.affiliation, p.role, p.occupantId);
      }
    }).immediate;
    this.#run = returnedValue(this.#sql.nextRun) as number;
    this.#stopRetention = retentionFromOptions(this, options);
  }

  getRoom(user: string, room: string): RoomRecord | undefined {
    const row = this.#sql.room.get(user, room) as SqlRow | undefined;
    if (row) this.#roomIds.set(user, room, row.id as number);
    return row && toRoom(row);
  }

  getRoomByLegacyId(user: string, legacyId: string): RoomRecord | undefined {
    const row = this.#sql.roomByLegacyId.get(user, legacyId) as SqlRow | undefined;
    return row && toRoom(row);
  }

  putRoom(record: RoomRecord): void {
    checkRoom(record);
    this.#journaled(() => this.#putRoom(record));
  }

  #putRoom(record: RoomRecord): void {
    const values = ROOM_FIELDS.map(([field]) => record[field] ?? null);
    const flags = record.flags ? JSON.stringify(record.flags) : null;
    const id = returnedValue(this.#sql.putRoom, record.user, record.room, ...values, flags) as number;
    this.#roomIds.set(record.user, record.room, id);
  }

  deleteRoom(user: string, room: string): boolean {
    return this.#journaled(() => {
      this.#roomIds.delete(user, room);
      return this.#sql.deleteRoom.run(user, room).changes > 0;
    });
  }

  listRooms(user: string): RoomRecord[] {
    return (this.#sql.listRooms.all(user) as SqlRow[]).map(toRoom);
  }

  getAvatar(hash: string): StoredAvatar | undefined {
    const row = this.#sql.avatar.get(hash) as { mime: string; data: Buffer } | undefined;
    return row && { hash, mime: row.mime, data: new Uint8Array(row.data) };
  }

  putAvatar(avatar: StoredAvatar): void {
    checkAvatar(avatar);
    this.#journaled(() => this.#sql.putAvatar.run(avatar.hash, avatar.mime, avatar.data));
  }

  getParticipants(room: RoomKey): ParticipantRecord[] {
    const id = this.#roomId(room);
    if (id === undefined) return [];
    return (this.#sql.participants.all(id) as SqlRow[]).map((row) => toParticipant(room, row));
  }

  putParticipants(room: RoomKey, participants: readonly ParticipantInput[]): void {
    participants.forEach(checkParticipant);
    this.#journaled(() => this.#replaceParticipants(this.#requiredRoomId(room), participants));
  }

  // One participant's writes are group-committed like archived messages: the runtime writes one per
  // change, and a commit each cost 35-90 µs per change where the batch costs 3-15 µs.
  putParticipant(room: RoomKey, participant: ParticipantInput): void {
    checkParticipant(participant);
    this.#grouped(() => this.#writeParticipant(this.#requiredRoomId(room), participant));
  }

  deleteParticipant(room: RoomKey, resource: string): boolean {
    if (this.#roomId(room) === undefined) return false;
    return this.#grouped(() => {
      const id = this.#roomId(room);
      return id !== undefined && this.#sql.deleteParticipant.run(id, resource).changes > 0;
    });
  }

  archive(message: ArchiveInput): ArchivedMessage {
    checkMessage(message);
    this.#requiredRoomId(message); // throws for an unknown room before a batch opens
    const lost = { user: message.user, room: message.room, stanzaId: message.stanzaId };
    const row = this.#grouped(() => this.#archive.upsert(this.#requiredRoomId(message), message, this.#run), lost);
    lost.stanzaId = row.stanzaId; // an upsert keeps the stanza-id of the row it replaces
    return row;
  }

  archiveMany(messages: readonly ArchiveInput[]): ArchivedMessage[] {
    messages.forEach(checkMessage);
    this.commit(); // its own transaction, durable when it returns
    this.#checkpoints.wrote(messages.length);
    return this.#archive.upsertMany(messages, (m) => this.#requiredRoomId(m), this.#run);
  }

  queryArchive(room: RoomKey, query: MamQuery = {}): MamResult {
    return this.#archive.query(room, this.#roomId(room), query, this.#run);
  }

  archiveMetadata(room: RoomKey): ArchiveMetadata {
    const id = this.#roomId(room);
    return id === undefined ? {} : this.#archive.metadata(id);
  }

  holeBounds(room: RoomKey): HoleBounds {
    const id = this.#roomId(room);
    return id === undefined ? {} : this.#archive.holeBounds(id, this.#run);
  }

  markAllBackfill(): void {
    this.#run = returnedValue(this.#sql.nextRun) as number;
  }

  purgeOlderThan(before: number, limit?: number): number {
    checkPurgeLimit(limit);
    this.#journaled(() => this.#sql.purgeAvatars.run());
    return this.#archive.purge(before, limit);
  }

  get uncommitted(): boolean {
    return this.#batch.uncommitted;
  }

  commit(): void {
    this.#batch.commit();
  }

  afterCommit(listener: (lost: readonly LostMessage[]) => void): void {
    this.#batch.afterCommit(listener);
  }

  close(): void {
    this.#stopRetention();
    if (!this.#db.open) return;
    this.commit();
    this.#archive.ids.writeAll(this.#onError);
    this.#db.close();
    void this.#checkpoints.close();
  }

  /**
   * Runs a write in the open group commit (opening one), journaled: a failed commit replays it
   * rather than losing it with the batch. `lost` names the archived message it writes, if any.
   * A write that throws leaves the batch ({@link GroupCommit.run}); the caller gets the error.
   * The write runs again on a replay, so it looks up its room id each time (a rolled-back room
   * may come back with another).
   */
  #grouped<R>(write: () => R, lost?: Omit<LostMessage, "error">): R {
    this.#checkpoints.wrote();
    return this.#batch.run(write, lost);
  }

  /** Runs a room, avatar or participant-list write: in the open group commit if one is, else committed at once. */
  #journaled<R>(write: () => R): R {
    this.#checkpoints.wrote();
    return this.#batch.uncommitted ? this.#batch.run(write) : write();
  }

  #writeParticipant(roomId: number, p: ParticipantInput): void {
    this.#sql.putParticipant.run(roomId, p.nickname, roomId, p.resource, p.contact ?? null, p.affiliation, p.role, p.occupantId);
  }

  /** After a rolled-back batch: room ids it created may be reused, a run it started is undone, and the ids in memory are read again. */
  #forgetLostWrites(): void {
    this.#archive.ids.reload();
    this.#roomIds.clear();
    const stored = this.#sql.currentRun.get() as number;
    if (stored < this.#run) this.#run = returnedValue(this.#sql.nextRun) as number;
  }

  #roomId(room: RoomKey): number | undefined {
    let id = this.#roomIds.get(room.user, room.room);
    if (id === undefined) {
      id = this.#sql.roomId.get(room.user, room.room) as number | undefined;
      if (id !== undefined) this.#roomIds.set(room.user, room.room, id);
    }
    return id;
  }

  #requiredRoomId(room: RoomKey): number {
    checkKey(room);
    const id = this.#roomId(room);
    if (id === undefined) throw new StoreRoomNotFound(room);
    return id;
  }
}

/**
 * Opens (or creates) the SQLite store at `path` and brings its schema up to date.
 *
 * @remarks
 * Sets WAL mode, `synchronous = NORMAL` and `foreign_keys = ON` (see the module notes on
 * durability), applies pending schema migrations, starts a new run (so messages archived live
 * by an earlier process read as `backfill`, as slidge relabels them at start) and starts the
 * retention timer of `options` (7 days by default, checked every 6 h). `":memory:"` works too,
 * without WAL.
 *
 * @throws TypeError for a bad path or option, before the file is opened or created; Error when
 * the file's schema is newer than this code.
 *
 * @example
 * ```ts
 * const store = openSqliteStore("/var/lib/mucstate/store.db", { retentionDays: 30 });
 * process.on("SIGTERM", () => store.close());
 * ```
 */
export function openSqliteStore(path: string, options: StoreOptions = {}): Store {
  checkNonEmptyString("path", path, 'a file path or ":memory:"');
  checkStoreOptions(options);
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma(`journal_size_limit = ${WAL_FILE_LIMIT}`);
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db);
    return new SqliteStore(db, options);
  } catch (error) {
    db.close();
    throw error;
  }
}
