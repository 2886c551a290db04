/**
 * The in-memory {@link Store}: same behaviour as the SQLite store, nothing survives the process.
 *
 * @module
 */
import { StoreRoomNotFound } from "./errors.js";
import type { ArchiveMetadata, MamQuery, MamResult } from "./mam.js";
import { MemoryArchive } from "./memoryArchive.js";
import { checkStoreOptions, retentionFromOptions } from "./retention.js";
import type {
  ArchivedMessage,
  ArchiveInput,
  HoleBounds,
  LostMessage,
  ParticipantInput,
  ParticipantRecord,
  RoomKey,
  RoomRecord,
  Store,
  StoredAvatar,
  StoreOptions,
} from "./types.js";
import { checkAvatar, checkKey, checkMessage, checkParticipant, checkPurgeLimit, checkRoom, roomKeyString } from "./validate.js";

interface RoomState {
  record: RoomRecord;
  participants: Map<string, ParticipantInput>;
  archive: MemoryArchive;
}

/** Drops `undefined` properties so records look the same as the SQLite store's. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function copyRoom(record: RoomRecord): RoomRecord {
  const copy = defined({ ...record });
  if (record.flags) copy.flags = defined({ ...record.flags });
  return copy;
}


class MemoryStore implements Store {
  readonly #rooms = new Map<string, RoomState>();
  readonly #avatars = new Map<string, StoredAvatar>();
  #seq = 0;
  #run = 1;
  #stopRetention: () => void = () => {};

  constructor(options: StoreOptions) {
    this.#stopRetention = retentionFromOptions(this, options);
  }

  getRoom(user: string, room: string): RoomRecord | undefined {
    const state = this.#rooms.get(roomKeyString(user, room));
    return state && copyRoom(state.record);
  }

  getRoomByLegacyId(user: string, legacyId: string): RoomRecord | undefined {
    for (const { record } of this.#rooms.values()) {
      if (record.user === user && record.legacyId === legacyId) return copyRoom(record);
    }
    return undefined;
  }

  putRoom(record: RoomRecord): void {
    checkRoom(record);
    const state = this.#rooms.get(roomKeyString(record.user, record.room));
    if (state) state.record = copyRoom(record);
    else this.#rooms.set(roomKeyString(record.user, record.room), { record: copyRoom(record), participants: new Map(), archive: new MemoryArchive() });
  }

  deleteRoom(user: string, room: string): boolean {
    return this.#rooms.delete(roomKeyString(user, room));
  }

  listRooms(user: string): RoomRecord[] {
    return [...this.#rooms.values()]
      .filter((s) => s.record.user === user)
      .map((s) => copyRoom(s.record))
      .sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  getAvatar(hash: string): StoredAvatar | undefined {
    const avatar = this.#avatars.get(hash);
    return avatar && { ...avatar, data: avatar.data.slice() };
  }

  putAvatar(avatar: StoredAvatar): void {
    checkAvatar(avatar);
    if (!this.#avatars.has(avatar.hash)) this.#avatars.set(avatar.hash, { ...avatar, data: avatar.data.slice() });
  }

  getParticipants(room: RoomKey): ParticipantRecord[] {
    const state = this.#state(room);
    if (!state) return [];
    return [...state.participants.values()].map((p) => ({ user: room.user, room: room.room, ...p }));
  }

  putParticipants(room: RoomKey, participants: readonly ParticipantInput[]): void {
    participants.forEach(checkParticipant);
    const state = this.#required(room);
    state.participants.clear();
    for (const p of participants) state.participants.set(p.resource, copyParticipant(p));
  }

  putParticipant(room: RoomKey, participant: ParticipantInput): void {
    checkParticipant(participant);
    this.#required(room).participants.set(participant.resource, copyParticipant(participant));
  }

  deleteParticipant(room: RoomKey, resource: string): boolean {
    return this.#state(room)?.participants.delete(resource) ?? false;
  }

  archive(message: ArchiveInput): ArchivedMessage {
    checkMessage(message);
    return this.#required(message).archive.upsert(message, () => ++this.#seq, this.#run);
  }

  archiveMany(messages: readonly ArchiveInput[]): ArchivedMessage[] {
    messages.forEach(checkMessage);
    const states = messages.map((m) => this.#required(m));
    return messages.map((m, i) => states[i]!.archive.upsert(m, () => ++this.#seq, this.#run));
  }

  queryArchive(room: RoomKey, query: MamQuery = {}): MamResult {
    return (this.#state(room)?.archive ?? new MemoryArchive()).query(room, query, this.#run);
  }

  archiveMetadata(room: RoomKey): ArchiveMetadata {
    return this.#state(room)?.archive.metadata() ?? {};
  }

  holeBounds(room: RoomKey): HoleBounds {
    return this.#state(room)?.archive.holeBounds(this.#run) ?? {};
  }

  markAllBackfill(): void {
    this.#run += 1;
  }

  /** Deletes every message due at once, whatever `limit` says (checked only): an in-memory purge is quick. */
  purgeOlderThan(before: number, limit?: number): number {
    checkPurgeLimit(limit);
    let deleted = 0;
    for (const state of this.#rooms.values()) deleted += state.archive.purge(before);
    const named = new Set([...this.#rooms.values()].map((s) => s.record.avatarHash));
    for (const hash of this.#avatars.keys()) if (!named.has(hash)) this.#avatars.delete(hash);
    return deleted;
  }

  /** Always false: every write is done when its call returns. */
  get uncommitted(): boolean {
    return false;
  }

  commit(): void {}

  afterCommit(listener: (lost: readonly LostMessage[]) => void): void {
    listener([]);
  }

  close(): void {
    this.#stopRetention();
  }

  #state(room: RoomKey): RoomState | undefined {
    return this.#rooms.get(roomKeyString(room.user, room.room));
  }

  #required(room: RoomKey): RoomState {
    checkKey(room);
    const state = this.#state(room);
    if (!state) throw new StoreRoomNotFound(room);
    return state;
  }
}

function copyParticipant(p: ParticipantInput): ParticipantInput {
  return defined({
    nickname: p.nickname,
    resource: p.resource,
    contact: p.contact,
    affiliation: p.affiliation,
    role: p.role,
    occupantId: p.occupantId,
  });
}

/**
 * Creates an empty store that keeps everything in memory; for tests and demos.
 *
 * @remarks
 * Behaves like {@link openSqliteStore} (same upserts, paging, errors and hole bounds, checked by
 * one shared test suite) but queries scan the room's whole archive. Starts the retention timer
 * of `options` (7 days by default); {@link Store.close} stops it.
 *
 * @example
 * ```ts
 * const store = createMemoryStore({ retentionDays: Infinity });
 * ```
 */
export function createMemoryStore(options: StoreOptions = {}): Store {
  checkStoreOptions(options);
  return new MemoryStore(options);
}
