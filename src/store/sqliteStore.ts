/**
 * The default {@link Store}: one SQLite file through better-sqlite3.
 *
 * @remarks
 * Durability: the file is in WAL mode with `synchronous = NORMAL`. Archived messages are
 * group-committed: the first {@link Store.archive} of an event-loop turn opens a transaction,
 * and it is committed at the end of that turn (a `setImmediate`), after {@link MAX_BATCH}
 * messages, or on {@link Store.commit}, whichever comes first. One commit per turn instead of one
 * per message is what lets a busy room archive every message (a commit costs about as much as
 * five inserts). While a commit is pending {@link Store.uncommitted} is true and the gateway's
 * outbox holds every outgoing stanza; it commits before it writes. A killed process (SIGKILL,
 * crash) may lose the messages of its last turn, but no client ever received them, which is the
 * guarantee the gateway needs: archive, then fan out. Other writes made while the transaction is
 * open (rooms, participants) join it; outside one they commit at once.
 * `NORMAL` skips the fsync at each commit (WAL checkpoints still sync), so a power cut or kernel
 * crash may lose the last commits but never corrupts the file; this is SQLite's recommended
 * setting for WAL and keeps inserts fast. `foreign_keys = ON` makes deleting a room delete its
 * participants and archive. `busy_timeout` lets a second process (a CLI reading the file) wait
 * for the writer instead of failing.
 *
 * Start-up cost does not grow with the number of rooms: opening applies missing migrations and
 * bumps the run counter, nothing else; rooms are read one point lookup at a time when activated.
 *
 * @module
 */
import Database from "better-sqlite3";
import { LRUCache } from "lru-cache";
import { StoreRoomNotFound } from "./errors.js";
import type { ArchiveMetadata, MamQuery, MamResult } from "./mam.js";
import { migrate } from "./migrations.js";
import { retentionFromOptions, storeErrorHandler } from "./retention.js";
import { SqliteArchive } from "./sqliteArchive.js";
import { prepareStatements, ROOM_FIELDS, type RoomStatement, type SqlRow, type Statement, toParticipant, toRoom } from "./sqliteRooms.js";
import type {
  ArchivedMessage,
  ArchiveInput,
  HoleBounds,
  ParticipantInput,
  ParticipantRecord,
  RoomKey,
  RoomRecord,
  Store,
  StoreOptions,
} from "./types.js";
import { checkKey, checkMessage, checkParticipant, checkRoom } from "./validate.js";

/** How many room ids are cached for archive writes and queries. */
const ROOM_ID_CACHE = 10_000;

/** Most messages in one group commit; a turn that archives more commits more than once. */
export const MAX_BATCH = 1_000;

class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #archive: SqliteArchive;
  readonly #roomIds = new LRUCache<string, number>({ max: ROOM_ID_CACHE });
  readonly #sql: Record<RoomStatement, Statement>;
  readonly #replaceParticipants: (roomId: number, participants: readonly ParticipantInput[]) => void;
  readonly #archiveMany: (messages: readonly ArchiveInput[]) => ArchivedMessage[];
  readonly #begin: Statement;
  readonly #commit: Statement;
  readonly #onError: (error: unknown) => void;
  /** Messages in the open group commit; 0 when none is open. */
  #batched = 0;
  #commitTimer: NodeJS.Immediate | undefined;
  #run: number;
  #stopRetention: () => void = () => {};

  constructor(db: Database.Database, options: StoreOptions) {
    this.#db = db;
    this.#onError = storeErrorHandler(options);
    this.#begin = db.prepare("BEGIN") as Statement;
    this.#commit = db.prepare("COMMIT") as Statement;
    this.#archive = new SqliteArchive(db);
    this.#sql = prepareStatements(db);
    this.#replaceParticipants = db.transaction((roomId: number, participants: readonly ParticipantInput[]) => {
      this.#sql.clearParticipants.run(roomId);
      for (const [position, p] of participants.entries()) {
        this.#sql.putParticipantAt.run(roomId, p.nickname, position, p.resource, p.contact ?? null, p.affiliation, p.role, p.occupantId);
      }
    });
    this.#archiveMany = db.transaction((messages: readonly ArchiveInput[]) =>
      messages.map((m) => this.#archive.upsert(this.#requiredRoomId(m), m, this.#run)),
    );
    this.#run = this.#sql.nextRun.get() as number;
    this.#stopRetention = retentionFromOptions(this, options);
  }

  getRoom(user: string, room: string): RoomRecord | undefined {
    const row = this.#sql.room.get(user, room) as SqlRow | undefined;
    if (row) this.#roomIds.set(cacheKey(user, room), row.id as number);
    return row && toRoom(row);
  }

  getRoomByLegacyId(user: string, legacyId: string): RoomRecord | undefined {
    const row = this.#sql.roomByLegacyId.get(user, legacyId) as SqlRow | undefined;
    return row && toRoom(row);
  }

  putRoom(record: RoomRecord): void {
    checkRoom(record);
    const values = ROOM_FIELDS.map(([field]) => record[field] ?? null);
    const flags = record.flags ? JSON.stringify(record.flags) : null;
    const id = this.#sql.putRoom.get(record.user, record.room, ...values, flags) as number;
    this.#roomIds.set(cacheKey(record.user, record.room), id);
  }

  deleteRoom(user: string, room: string): boolean {
    this.#roomIds.delete(cacheKey(user, room));
    return this.#sql.deleteRoom.run(user, room).changes > 0;
  }

  listRooms(user: string): RoomRecord[] {
    return (this.#sql.listRooms.all(user) as SqlRow[]).map(toRoom);
  }

  getParticipants(room: RoomKey): ParticipantRecord[] {
    const id = this.#roomId(room);
    if (id === undefined) return [];
    return (this.#sql.participants.all(id) as SqlRow[]).map((row) => toParticipant(room, row));
  }

  putParticipants(room: RoomKey, participants: readonly ParticipantInput[]): void {
    participants.forEach(checkParticipant);
    this.#replaceParticipants(this.#requiredRoomId(room), participants);
  }

  putParticipant(room: RoomKey, participant: ParticipantInput): void {
    checkParticipant(participant);
    this.#writeParticipant(this.#requiredRoomId(room), participant);
  }

  deleteParticipant(room: RoomKey, nickname: string): boolean {
    const id = this.#roomId(room);
    return id !== undefined && this.#sql.deleteParticipant.run(id, nickname).changes > 0;
  }

  archive(message: ArchiveInput): ArchivedMessage {
    checkMessage(message);
    const roomId = this.#requiredRoomId(message);
    this.#joinBatch();
    return this.#archive.upsert(roomId, message, this.#run);
  }

  archiveMany(messages: readonly ArchiveInput[]): ArchivedMessage[] {
    messages.forEach(checkMessage);
    this.commit(); // its own transaction, durable when it returns
    return this.#archiveMany(messages);
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
    this.#run = this.#sql.nextRun.get() as number;
  }

  purgeOlderThan(before: number): number {
    return this.#archive.purge(before);
  }

  get uncommitted(): boolean {
    return this.#batched > 0;
  }

  commit(): void {
    if (this.#batched === 0) return;
    this.#batched = 0;
    if (this.#commitTimer) clearImmediate(this.#commitTimer);
    this.#commitTimer = undefined;
    try {
      this.#commit.run();
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec("ROLLBACK");
      this.#onError(error);
    }
  }

  close(): void {
    this.#stopRetention();
    if (!this.#db.open) return;
    this.commit();
    this.#db.close();
  }

  /** Opens the turn's group commit if none is open; commits a full one first. */
  #joinBatch(): void {
    if (this.#batched >= MAX_BATCH) this.commit();
    if (this.#batched === 0) {
      // A write inside a transaction opened elsewhere is committed by its owner.
      if (this.#db.inTransaction) return;
      this.#begin.run();
      this.#commitTimer = setImmediate(() => this.commit());
    }
    this.#batched++;
  }

  #writeParticipant(roomId: number, p: ParticipantInput): void {
    this.#sql.putParticipant.run(roomId, p.nickname, roomId, p.resource, p.contact ?? null, p.affiliation, p.role, p.occupantId);
  }

  #roomId(room: RoomKey): number | undefined {
    const key = cacheKey(room.user, room.room);
    let id = this.#roomIds.get(key);
    if (id === undefined) {
      id = this.#sql.roomId.get(room.user, room.room) as number | undefined;
      if (id !== undefined) this.#roomIds.set(key, id);
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

/** JIDs cannot contain a line feed, so it separates the two parts unambiguously. */
const cacheKey = (user: string, room: string) => `${user}\n${room}`;

/**
 * Opens (or creates) the SQLite store at `path` and brings its schema up to date.
 *
 * @remarks
 * Sets WAL mode, `synchronous = NORMAL` and `foreign_keys = ON` (see the module notes on
 * durability), applies pending {@link MIGRATIONS}, starts a new run (so messages archived live
 * by an earlier process read as `backfill`, as slidge relabels them at start) and starts the
 * retention timer of `options` (7 days by default, checked every 6 h). `":memory:"` works too,
 * without WAL.
 *
 * @throws TypeError for bad retention options; Error when the file's schema is newer than this
 * code.
 *
 * @example
 * ```ts
 * const store = openSqliteStore("/var/lib/mucstate/store.db", { retentionDays: 30 });
 * process.on("SIGTERM", () => store.close());
 * ```
 */
export function openSqliteStore(path: string, options: StoreOptions = {}): Store {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db);
    return new SqliteStore(db, options);
  } catch (error) {
    db.close();
    throw error;
  }
}
