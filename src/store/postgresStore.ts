/**
 * The PostgreSQL {@link AsyncStore}: rooms, participants and archives in a database that several
 * gateway processes share.
 *
 * @remarks
 * Connections come from a bounded `pg` pool. One of them is the store's writer
 * ({@link PgWriter}): every write runs there in call order, and archived messages and single
 * participant writes are group-committed as in the SQLite store (the first after a quiet spell
 * commits at the end of its event-loop turn; under load at most every `groupCommitMs`). Reads run
 * on the other connections of the pool, after the writes called before them are committed, so a
 * read sees every earlier write of this process and what other processes committed.
 *
 * Every statement is parameterized; the only name put into SQL text is the `schema` option,
 * checked to be a plain identifier.
 *
 * @module
 */
import pg from "pg";
import type { AsyncStore } from "./asyncTypes.js";
import { StoreRoomNotFound } from "./errors.js";
import type { Lost } from "./groupCommit.js";
import type { ArchiveMetadata, MamQuery, MamResult } from "./mam.js";
import { archiveEnds, archiveHoleBounds, type Queryable, queryMessages, sql, upsertMessage } from "./postgresArchive.js";
import { connectWriter, type Fence, fenceEach, fenceOf, prepareFencedWriter } from "./postgresFencing.js";
import { PgWriter } from "./postgresGroupCommit.js";
import { migratePostgres } from "./postgresMigrations.js";
import { checkPostgresOptions, type PostgresStoreOptions } from "./postgresOptions.js";
import { checkStoreOptions, retentionFromOptions, storeErrorHandler } from "./retention.js";
import { PUT_PARTICIPANT, PUT_PARTICIPANTS, PUT_ROOM, participantColumns, roomValues } from "./postgresRooms.js";
import { type SqlRow, toParticipant, toRoom } from "./sqliteRooms.js";
import type {
  ArchivedMessage,
  ArchiveInput,
  HoleBounds,
  LostMessage,
  ParticipantInput,
  ParticipantRecord,
  RoomKey,
  RoomRecord,
  StoredAvatar,
} from "./types.js";
import { checkAvatar, checkKey, checkMessage, checkParticipant, checkPurgeLimit, checkRoom } from "./validate.js";
import { RoomIdCache } from "./roomIdCache.js";

export type { PostgresStoreOptions } from "./postgresOptions.js";

type Pending = Omit<LostMessage, "error">;
const NEXT_RUN = "UPDATE meta SET value = value + 1 WHERE key = 'run' RETURNING value";
const ROOM_ID = "SELECT id FROM rooms WHERE user_jid = $1 AND room_jid = $2";

class PostgresStore implements AsyncStore {
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #writer: PgWriter<Pending>;
  readonly #roomIds = new RoomIdCache();
  readonly #fence: Fence;
  #run: number;
  #stopRetention: () => void;
  #closed: Promise<void> | undefined;

  constructor(pool: pg.Pool, ownsPool: boolean, writer: pg.PoolClient, run: number, options: PostgresStoreOptions) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#run = run;
    this.#writer = new PgWriter<Pending>(writer, {
      connect: () => connectWriter(pool, options.fencing),
      intervalMs: options.groupCommitMs,
      onError: storeErrorHandler(options),
      onRollback: () => this.#roomIds.clear(),
    });
    this.#fence = fenceOf(options.fencing, () => this.#writer.transaction);
    this.#stopRetention = retentionFromOptions(this, options);
  }

  async getRoom(user: string, room: string): Promise<RoomRecord | undefined> {
    const [row] = await this.#read((db) => sql<SqlRow>(db, "SELECT * FROM rooms WHERE user_jid = $1 AND room_jid = $2", [user, room]));
    if (row) this.#roomIds.set(user, room, row.id as number);
    return row && toRoom(row);
  }

  async getRoomByLegacyId(user: string, legacyId: string): Promise<RoomRecord | undefined> {
    const [row] = await this.#read((db) => sql<SqlRow>(db, "SELECT * FROM rooms WHERE user_jid = $1 AND legacy_id = $2 ORDER BY id LIMIT 1", [user, legacyId]));
    return row && toRoom(row);
  }

  async putRoom(record: RoomRecord): Promise<void> {
    checkRoom(record);
    const [row] = await this.#writer.joined(this.#fence(record.user, (db) => sql<{ id: number }>(db, PUT_ROOM, roomValues(record))));
    this.#roomIds.set(record.user, record.room, row!.id);
  }

  async deleteRoom(user: string, room: string): Promise<boolean> {
    const write = async (db: pg.ClientBase) => {
      this.#roomIds.delete(user, room);
      return (await db.query("DELETE FROM rooms WHERE user_jid = $1 AND room_jid = $2", [user, room])).rowCount! > 0;
    };
    return this.#writer.joined(this.#fence(user, write));
  }

  async listRooms(user: string): Promise<RoomRecord[]> {
    return (await this.#read((db) => sql<SqlRow>(db, "SELECT * FROM rooms WHERE user_jid = $1 ORDER BY room_jid", [user]))).map(toRoom);
  }

  async getAvatar(hash: string): Promise<StoredAvatar | undefined> {
    const [row] = await this.#read((db) => sql<{ mime: string; data: Buffer }>(db, "SELECT mime, data FROM avatars WHERE hash = $1", [hash]));
    return row && { hash, mime: row.mime, data: new Uint8Array(row.data) };
  }

  async putAvatar(avatar: StoredAvatar): Promise<void> {
    checkAvatar(avatar);
    const data = Buffer.from(avatar.data);
    await this.#writer.joined((db) => sql(db, "INSERT INTO avatars (hash, mime, data) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING", [avatar.hash, avatar.mime, data]));
  }

  async getParticipants(room: RoomKey): Promise<ParticipantRecord[]> {
    const rows = await this.#read((db) =>
      sql<SqlRow>(db, "SELECT p.* FROM participants p JOIN rooms r ON r.id = p.room_id WHERE r.user_jid = $1 AND r.room_jid = $2 ORDER BY p.position", [
        room.user,
        room.room,
      ]),
    );
    return rows.map((row) => toParticipant(room, row));
  }

  async putParticipants(room: RoomKey, participants: readonly ParticipantInput[]): Promise<void> {
    participants.forEach(checkParticipant);
    const columns = participantColumns(participants);
    await this.#writer.joined(
      this.#fence(room.user, async (db) => {
        const id = await this.#requiredRoomId(db, room);
        await sql(db, "DELETE FROM participants WHERE room_id = $1", [id]);
        await sql(db, PUT_PARTICIPANTS, [id, ...columns]);
      }),
    );
  }

  async putParticipant(room: RoomKey, p: ParticipantInput): Promise<void> {
    checkParticipant(p);
    checkKey(room);
    await this.#writer.grouped(
      this.#fence(room.user, async (db) => {
        const id = await this.#requiredRoomId(db, room);
        await sql(db, PUT_PARTICIPANT, [id, p.nickname, p.resource, p.contact ?? null, p.affiliation, p.role, p.occupantId]);
      }),
    );
  }

  async deleteParticipant(room: RoomKey, resource: string): Promise<boolean> {
    return this.#writer.grouped(
      this.#fence(room.user, async (db) => {
        const id = await this.#roomId(db, room);
        return id !== undefined && (await db.query("DELETE FROM participants WHERE room_id = $1 AND resource = $2", [id, resource])).rowCount! > 0;
      }),
    );
  }

  async archive(message: ArchiveInput): Promise<ArchivedMessage> {
    checkMessage(message);
    const lost: Pending = { user: message.user, room: message.room, stanzaId: message.stanzaId };
    const write = this.#fence(message.user, async (db) => upsertMessage(db, await this.#requiredRoomId(db, message), message, this.#run));
    const row = await this.#writer.grouped(write, lost);
    lost.stanzaId = row.stanzaId; // an upsert keeps the stanza-id of the row it replaces
    return row;
  }

  async archiveMany(messages: readonly ArchiveInput[]): Promise<ArchivedMessage[]> {
    messages.forEach(checkMessage);
    const write = async (db: pg.ClientBase) => {
      const rows: ArchivedMessage[] = [];
      for (const m of messages) rows.push(await upsertMessage(db, await this.#requiredRoomId(db, m), m, this.#run));
      return rows;
    };
    return this.#writer.separate(fenceEach(this.#fence, new Set(messages.map((m) => m.user)), write));
  }

  async queryArchive(room: RoomKey, query: MamQuery = {}): Promise<MamResult> {
    return this.#read(async (db) => queryMessages(db, room, await this.#roomId(db, room), query, this.#run));
  }

  async archiveMetadata(room: RoomKey): Promise<ArchiveMetadata> {
    return this.#read(async (db) => {
      const id = await this.#roomId(db, room);
      return id === undefined ? {} : archiveEnds(db, id);
    });
  }

  async holeBounds(room: RoomKey): Promise<HoleBounds> {
    return this.#read(async (db) => {
      const id = await this.#roomId(db, room);
      return id === undefined ? {} : archiveHoleBounds(db, id, this.#run);
    });
  }

  async markAllBackfill(): Promise<void> {
    // On the pool, outside any batch: a run number is never taken back, and the batch never waits for it.
    this.#run = await this.#writer.joined(async () => (await sql<{ value: number }>(this.#pool, NEXT_RUN))[0]!.value);
  }

  /** Deletes every message due in one statement, whatever `limit` says (checked only): the server does the work, not the event loop. */
  async purgeOlderThan(before: number, limit?: number): Promise<number> {
    checkPurgeLimit(limit);
    return this.#read(async (db) => {
      await sql(db, "DELETE FROM avatars WHERE hash NOT IN (SELECT avatar_hash FROM rooms WHERE avatar_hash IS NOT NULL)");
      return (await db.query("DELETE FROM archive WHERE timestamp < $1", [before])).rowCount ?? 0;
    });
  }

  get uncommitted(): boolean {
    return this.#writer.uncommitted;
  }

  commit(): Promise<readonly LostMessage[]> {
    return this.#writer.commit() as Promise<ReadonlyArray<Lost<Pending>>>;
  }

  afterCommit(listener: (lost: readonly LostMessage[]) => void): void {
    this.#writer.afterCommit(listener);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopRetention();
      await this.#writer.commit();
      const writer = this.#writer.client;
      writer.removeAllListeners("error").on("error", () => {}); // the server may say goodbye after we left
      writer.release();
      if (this.#ownsPool) await this.#pool.end().finally(() => this.#pool.removeAllListeners("error").on("error", () => {}));
    })();
    return this.#closed;
  }

  /** Runs a read on the pool once the writes called before it are committed. */
  async #read<R>(read: (db: Queryable) => Promise<R>): Promise<R> {
    await this.#writer.settled();
    return read(this.#pool);
  }

  async #roomId(db: Queryable, room: RoomKey): Promise<number | undefined> {
    let id = this.#roomIds.get(room.user, room.room);
    if (id === undefined) {
      id = (await sql<{ id: number }>(db, ROOM_ID, [room.user, room.room]))[0]?.id;
      if (id !== undefined) this.#roomIds.set(room.user, room.room, id);
    }
    return id;
  }

  async #requiredRoomId(db: Queryable, room: RoomKey): Promise<number> {
    checkKey(room);
    const id = await this.#roomId(db, room);
    if (id === undefined) throw new StoreRoomNotFound(room);
    return id;
  }
}

/**
 * Connects to PostgreSQL, brings the schema up to date and returns the store.
 *
 * @remarks
 * Give a `connectionString` (the store makes a pool of at most `maxConnections`, and ends it on
 * {@link AsyncStore.close}) or a `pg.Pool` of yours (at least 2 connections: one is the writer
 * for the store's lifetime; the store leaves the pool open). Opening applies missing migrations
 * (the table `mucstate_migrations` lists those applied), starts a new run (messages archived live by an earlier run, or
 * by another process, read as `backfill`) and starts the retention timer of `options`.
 *
 * @throws TypeError for a bad option, before connecting; Error naming the server when it cannot
 * connect (the `pg` error is its `cause`), or when the schema is newer than this code.
 *
 * @example
 * ```ts
 * const store = await createPostgresStore({ connectionString: process.env.DATABASE_URL, retentionDays: 30 });
 * process.on("SIGTERM", () => void store.close());
 * ```
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<AsyncStore> {
  checkPostgresOptions(options);
  checkStoreOptions(options);
  const ownsPool = options.pool === undefined;
  const schema = options.schema;
  const pool =
    options.pool ??
    new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10, ...(schema && { options: `-c search_path=${schema}` }) });
  if (ownsPool) pool.on("error", storeErrorHandler(options)); // an idle connection that broke
  let writer: pg.PoolClient | undefined;
  try {
    writer = await pool.connect().catch((error: unknown) => {
      const where = options.connectionString?.replace(/\/\/[^@/]*@/, "//") ?? "the pool's server";
      throw new Error(`createPostgresStore could not connect to ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    writer.on("error", () => {}); // until the store watches it: a failed start throws instead
    await migratePostgres(writer, undefined, schema);
    await prepareFencedWriter(writer, options.fencing);
    const [{ value: run }] = (await sql<{ value: number }>(writer, NEXT_RUN)) as [{ value: number }];
    return new PostgresStore(pool, ownsPool, writer, run, options);
  } catch (error) {
    writer?.release();
    if (ownsPool) await pool.end().catch(() => {});
    throw error;
  }
}
