/**
 * The asynchronous persistence contract: {@link AsyncStore}, the {@link Store} of a database
 * reached over the network (PostgreSQL, shared by several gateway processes).
 *
 * @remarks
 * Same records, same semantics as {@link Store} (see its module notes), with these differences:
 *
 * - **Order.** Calls take effect in the order they are made, whether or not the caller awaits
 *   each one: writes run one after another, and a read sees every write made before it (it waits
 *   until they are committed). `store.putRoom(r); store.archive(m)` without an `await` between
 *   them is fine.
 * - **Errors** reject the promise (never throw synchronously): a `TypeError` for a malformed
 *   record (checked before anything is sent), {@link StoreRoomNotFound}, {@link StoreItemNotFound},
 *   and the database's own errors ({@link isStoreFull} tells a full disk).
 * - **Group commit.** {@link AsyncStore.archive} resolves once its row is written in the open
 *   batch, with its `seq` and the stanza-id to fan out; the row is durable once the batch
 *   commits. {@link AsyncStore.uncommitted} is true from the call on (synchronously, so an outbox
 *   can hold stanzas at once), {@link AsyncStore.afterCommit} and {@link AsyncStore.commit} tell
 *   the end of the batch with the {@link LostMessage}s of a failed commit whose replay failed too.
 *   "Archive before fan-out" therefore reads: await `archive()`, send the stanzas through an
 *   outbox gated on `uncommitted`/`afterCommit`, exactly as with the synchronous store.
 *
 * {@link fromSyncStore} makes any synchronous store an `AsyncStore`, so the memory and SQLite
 * stores pass the same contract tests as {@link createPostgresStore}.
 *
 * @module
 */
import type { ArchiveMetadata, MamQuery, MamResult } from "./mam.js";
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
} from "./types.js";

/**
 * Persistence of rooms, participants and archives with Promise-returning methods; each method
 * does what the {@link Store} method of the same name does.
 *
 * @example
 * ```ts
 * const store = await createPostgresStore({ connectionString: "postgresql://mucstate@db/mucstate" });
 * await store.putRoom({ user: "juliet@capulet.lit", room: "coven@gw", legacyId: "42", type: "group" });
 * const row = await store.archive({ user: "juliet@capulet.lit", room: "coven@gw", stanzaId: "s1",
 *   timestamp: Date.now(), authorJid: "coven@gw/firstwitch", source: "live", xml: "<message/>" });
 * const lost = await store.commit(); // [] unless the commit and the replay of `row` failed
 * ```
 */
export interface AsyncStore {
  /** See {@link Store.getRoom}. */
  getRoom(user: string, room: string): Promise<RoomRecord | undefined>;
  /** See {@link Store.getRoomByLegacyId}. */
  getRoomByLegacyId(user: string, legacyId: string): Promise<RoomRecord | undefined>;
  /** See {@link Store.putRoom}. */
  putRoom(record: RoomRecord): Promise<void>;
  /** See {@link Store.deleteRoom}. */
  deleteRoom(user: string, room: string): Promise<boolean>;
  /** See {@link Store.listRooms}. */
  listRooms(user: string): Promise<RoomRecord[]>;
  /** See {@link Store.getAvatar}. */
  getAvatar(hash: string): Promise<StoredAvatar | undefined>;
  /** See {@link Store.putAvatar}. */
  putAvatar(avatar: StoredAvatar): Promise<void>;
  /** See {@link Store.getParticipants}. */
  getParticipants(room: RoomKey): Promise<ParticipantRecord[]>;
  /** See {@link Store.putParticipants}. */
  putParticipants(room: RoomKey, participants: readonly ParticipantInput[]): Promise<void>;
  /** See {@link Store.putParticipant}; group-committed. */
  putParticipant(room: RoomKey, participant: ParticipantInput): Promise<void>;
  /** See {@link Store.deleteParticipant}; group-committed. */
  deleteParticipant(room: RoomKey, resource: string): Promise<boolean>;
  /** See {@link Store.archive}: resolves once written in the open batch; durable at its commit. */
  archive(message: ArchiveInput): Promise<ArchivedMessage>;
  /** See {@link Store.archiveMany}: one transaction of its own, durable when it resolves. */
  archiveMany(messages: readonly ArchiveInput[]): Promise<ArchivedMessage[]>;
  /** See {@link Store.queryArchive}; rejects with {@link StoreItemNotFound} for an unknown id. */
  queryArchive(room: RoomKey, query?: MamQuery): Promise<MamResult>;
  /** See {@link Store.archiveMetadata}. */
  archiveMetadata(room: RoomKey): Promise<ArchiveMetadata>;
  /** See {@link Store.holeBounds}. */
  holeBounds(room: RoomKey): Promise<HoleBounds>;
  /** See {@link Store.markAllBackfill}: later reads see the new run. */
  markAllBackfill(): Promise<void>;
  /** See {@link Store.purgeOlderThan} (the PostgreSQL store ignores `limit`: its purge does not hold the event loop). */
  purgeOlderThan(before: number, limit?: number): Promise<number>;
  /**
   * True from the moment a write is called until it is committed (with its batch, for a
   * group-committed one) or has failed. Synchronous, so that a caller can hold stanzas at once.
   */
  readonly uncommitted: boolean;
  /**
   * Commits the writes made so far (waiting for those still queued) and resolves with the
   * archived messages that could not be saved; never rejects (see {@link Store.commit}).
   */
  commit(): Promise<readonly LostMessage[]>;
  /**
   * Calls `listener` once the writes made so far are committed, at once when none is pending,
   * with the lost messages of their batch (see {@link Store.afterCommit}).
   */
  afterCommit(listener: (lost: readonly LostMessage[]) => void): void;
  /** Commits, stops the retention timer and releases the connections; idempotent. */
  close(): Promise<void>;
}

/** The methods that map one to one: the result of the synchronous call, resolved. */
const PLAIN = [
  "getRoom",
  "getRoomByLegacyId",
  "putRoom",
  "deleteRoom",
  "listRooms",
  "getAvatar",
  "putAvatar",
  "getParticipants",
  "putParticipants",
  "putParticipant",
  "deleteParticipant",
  "archive",
  "archiveMany",
  "queryArchive",
  "archiveMetadata",
  "holeBounds",
  "markAllBackfill",
  "purgeOlderThan",
] as const;

type Plain = (typeof PLAIN)[number];

/**
 * Wraps a synchronous {@link Store} (memory, SQLite) as an {@link AsyncStore}: every call runs
 * at once, its result or error comes back as a promise. The wrapped store keeps its own group
 * commit; {@link AsyncStore.commit} resolves with what its {@link Store.afterCommit} reports.
 *
 * @example
 * ```ts
 * const store = fromSyncStore(openSqliteStore("mucstate.sqlite"));
 * ```
 */
export function fromSyncStore(store: Store): AsyncStore {
  const call =
    <K extends Plain>(name: K) =>
    async (...args: Parameters<Store[K]>) =>
      (store[name] as (...a: Parameters<Store[K]>) => ReturnType<Store[K]>)(...args);
  const methods = Object.fromEntries(PLAIN.map((name) => [name, call(name)])) as unknown as Pick<AsyncStore, Plain>;
  return {
    ...methods,
    get uncommitted() {
      return store.uncommitted;
    },
    commit() {
      return new Promise((done) => {
        store.afterCommit(done);
        store.commit();
      });
    },
    afterCommit: (listener) => store.afterCommit(listener),
    close: async () => store.close(),
  };
}
