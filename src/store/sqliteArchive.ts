/**
 * The archive half of the SQLite store: upserts, MAM queries, metadata, hole bounds, purge.
 *
 * @remarks
 * Every query is an index range: (room, timestamp, seq) for order and time bounds, (room,
 * author, timestamp, seq) for `with`. An id (stanza-id or legacy id) is found through
 * {@link ArchiveIds} (schema version 7): the row it names is read by `seq` and checked against
 * the id. `count` of an unfiltered query
 * reads the room's `archive_count` (kept by triggers); a filtered one runs `COUNT(*)` with the
 * filter's WHERE, which covers only the filtered index range. Query statements are built from
 * the set of fields present and cached per shape.
 *
 * @internal
 * @module
 */
import type Database from "better-sqlite3";
import { StoreItemNotFound } from "./errors.js";
import { type ArchiveRow, toArchivedMessage, toHoleCandidate } from "./archiveRow.js";
import { findHoleBounds, type HoleCandidate } from "./holeBounds.js";
import { type ArchiveMetadata, isBackward, isFiltered, type MamQuery, type MamResult, pageResult, pageSizeOf } from "./mam.js";
import type { ArchivedMessage, ArchiveInput, HoleBounds, RoomKey } from "./types.js";
import { ArchiveIds, type IdKind, LEGACY_ID, STANZA_ID } from "./sqliteArchiveIds.js";

/** An `archive` row as SQLite returns it (columns renamed by {@link COLUMNS}). */
type Row = ArchiveRow & { legacyId: string | null; liveRun: number | null };
/** A row read by `seq`, with its room to check a found id against. */
type RowInRoom = Row & { roomId: number };

type Position = Pick<Row, "timestamp" | "seq">;
type Statement = Database.Statement<unknown[], unknown>;

const COLUMNS = "seq, stanza_id AS stanzaId, legacy_id AS legacyId, timestamp, author_jid AS authorJid, live_run AS liveRun, xml";
const BY_POSITION = "ORDER BY timestamp, seq";
const BY_POSITION_DESC = "ORDER BY timestamp DESC, seq DESC";
/** Hole-bound look-ups walk the time index from one end; never let the planner sort instead. */
const WITH_LEGACY_ID = `FROM archive INDEXED BY archive_time WHERE room_id = ? AND legacy_id IS NOT NULL`;

const candidate = (row: Row | undefined, run: number): HoleCandidate | undefined =>
  row && toHoleCandidate({ ...row, legacyId: row.legacyId as string }, run);

/** The archive statements of one database. @internal */
export class SqliteArchive {
  readonly #db: Database.Database;
  readonly #shapes = new Map<string, Statement>();
  /** The ids of the archived messages; the store flushes them with its group commits. */
  readonly ids: ArchiveIds;
  readonly #bySeq: Statement;
  readonly #insert: Statement;
  readonly #update: Statement;
  readonly #delete: Statement;
  readonly #count: Statement;
  readonly #first: Statement;
  readonly #last: Statement;
  readonly #newest: Statement;
  readonly #newestBackfill: Statement;
  readonly #oldestLive: Statement;
  readonly #oldestLiveAfter: Statement;
  readonly #purge: Statement;
  readonly #countBefore: Statement;
  readonly #purgeCut: Statement;
  readonly #purgeUpTo: Statement;
  readonly #upsert: (roomId: number, input: ArchiveInput, run: number) => ArchivedMessage;
  readonly #upsertMany: (inputs: readonly ArchiveInput[], roomIdOf: (input: ArchiveInput) => number, run: number) => ArchivedMessage[];

  constructor(db: Database.Database) {
    this.#db = db;
    const prepare = (sql: string) => db.prepare(sql) as Statement;
    this.ids = new ArchiveIds(db);
    this.#bySeq = prepare(`SELECT room_id AS roomId, ${COLUMNS} FROM archive WHERE seq = ?`);
    // A row's seq is the rowid SQLite reports (a RETURNING clause cost more than the insert's own index work).
    this.#insert = prepare(
      "INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, live_run, xml) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.#update = prepare("UPDATE archive SET legacy_id = ?, timestamp = ?, author_jid = ?, live_run = ?, xml = ? WHERE seq = ?");
    this.#delete = prepare("DELETE FROM archive WHERE seq = ?");
    this.#count = prepare("SELECT archive_count FROM rooms WHERE id = ?").pluck() as Statement;
    this.#first = prepare(`SELECT ${COLUMNS} FROM archive WHERE room_id = ? ${BY_POSITION} LIMIT 1`);
    this.#last = prepare(`SELECT ${COLUMNS} FROM archive WHERE room_id = ? ${BY_POSITION_DESC} LIMIT 1`);
    this.#newest = prepare(`SELECT ${COLUMNS} ${WITH_LEGACY_ID} ${BY_POSITION_DESC} LIMIT 1`);
    this.#newestBackfill = prepare(`SELECT ${COLUMNS} ${WITH_LEGACY_ID} AND live_run IS NOT ? ${BY_POSITION_DESC} LIMIT 1`);
    this.#oldestLive = prepare(`SELECT ${COLUMNS} ${WITH_LEGACY_ID} AND live_run = ? ${BY_POSITION} LIMIT 1`);
    this.#oldestLiveAfter = prepare(
      `SELECT ${COLUMNS} ${WITH_LEGACY_ID} AND live_run = ? AND (timestamp, seq) > (?, ?) ${BY_POSITION} LIMIT 1`,
    );
    this.#countBefore = prepare("SELECT COUNT(*) FROM archive WHERE room_id = ? AND timestamp < ?").pluck() as Statement;
    this.#purge = prepare("DELETE FROM archive WHERE room_id IN (SELECT id FROM rooms) AND timestamp < ?");
    // A purge step: the `limit`th expired row in seq order, then every expired row up to it. Rows
    // are numbered as they are archived, so the scan meets expired rows first. The same step as
    // `DELETE … WHERE seq IN (SELECT … LIMIT ?)` cost 8.9 µs a row against 5.4 (100,000 rows in
    // steps of 5,000); the whole purge in one statement 2.7, in one long pause.
    this.#purgeCut = prepare("SELECT seq FROM archive WHERE timestamp < ? ORDER BY seq LIMIT 1 OFFSET ?").pluck() as Statement;
    this.#purgeUpTo = prepare("DELETE FROM archive WHERE seq <= ? AND timestamp < ?");
    // Immediate (a savepoint inside an open transaction): they read before they write; see GroupCommit's BEGIN.
    this.#upsert = db.transaction((roomId: number, input: ArchiveInput, run: number) => this.#write(roomId, input, run)).immediate;
    this.#upsertMany = db.transaction((inputs: readonly ArchiveInput[], roomIdOf: (input: ArchiveInput) => number, run: number) =>
      inputs.map((input) => this.upsert(roomIdOf(input), input, run)),
    ).immediate;
  }

  /**
   * See {@link Store.archive}. A new message (neither id archived in the room) is one `INSERT`,
   * atomic by itself; one that names an archived row takes the upsert path, in a transaction (a
   * savepoint inside the store's group commit).
   */
  upsert(roomId: number, input: ArchiveInput, run: number): ArchivedMessage {
    const liveRun = input.source === "live" ? run : null;
    const legacyId = input.legacyId ?? null;
    if (!this.ids.unknown(roomId, input.stanzaId, legacyId)) return this.#upsert(roomId, input, run);
    const inserted = this.#insert.run(roomId, input.stanzaId, legacyId, input.timestamp, input.authorJid, liveRun, input.xml);
    const seq = Number(inserted.lastInsertRowid);
    this.ids.added(roomId, seq, input.stanzaId, legacyId);
    const row: Row = { seq, stanzaId: input.stanzaId, legacyId, timestamp: input.timestamp, authorJid: input.authorJid, liveRun, xml: input.xml };
    return toArchivedMessage(input, row, run);
  }

  /** See {@link Store.archiveMany}: every message in one transaction, all or none. */
  upsertMany(inputs: readonly ArchiveInput[], roomIdOf: (input: ArchiveInput) => number, run: number): ArchivedMessage[] {
    try {
      return this.#upsertMany(inputs, roomIdOf, run);
    } catch (error) {
      this.ids.reload(); // the ids of the rows rolled back
      throw error;
    }
  }

  /** See {@link Store.queryArchive}; `roomId` is undefined for a room never stored. */
  query(key: RoomKey, roomId: number | undefined, query: MamQuery, run: number): MamResult {
    const size = pageSizeOf(query);
    const position = (id: string | undefined): Position | undefined => {
      if (id === undefined) return undefined;
      const row = roomId === undefined ? undefined : this.#byStanzaId(roomId, id);
      if (!row) throw new StoreItemNotFound(id);
      return row;
    };
    const afterId = position(query.afterId);
    const beforeId = position(query.beforeId);
    const after = position(query.after || undefined);
    const before = position(query.before || undefined);
    const ids = query.ids?.length ? [...new Set(query.ids)] : undefined;
    const seqs: number[] = [];
    for (const id of ids ?? []) {
      const row = roomId === undefined ? undefined : this.#byStanzaId(roomId, id);
      if (!row) throw StoreItemNotFound.forIds(id);
      seqs.push(row.seq);
    }
    if (roomId === undefined) return pageResult([], size, query, 0);

    const where = ["room_id = ?"];
    const params: unknown[] = [roomId];
    const add = (condition: string, ...values: unknown[]) => {
      where.push(condition);
      params.push(...values);
    };
    if (query.start !== undefined) add("timestamp >= ?", query.start);
    if (query.end !== undefined) add("timestamp <= ?", query.end);
    if (query.with !== undefined) add("author_jid = ?", query.with);
    if (afterId) add("(timestamp, seq) > (?, ?)", afterId.timestamp, afterId.seq);
    if (beforeId) add("(timestamp, seq) < (?, ?)", beforeId.timestamp, beforeId.seq);
    if (ids) add("seq IN (SELECT value FROM json_each(?))", JSON.stringify(seqs));
    // The rows of an `ids` query by rowid: left to itself, the planner walked the room's time
    // index to the end (100 ms for 3 ids in a room of 1,000,000 messages, against ~15 µs).
    const from = ids ? "FROM archive NOT INDEXED" : "FROM archive";
    const count = this.#countMatching(roomId, query, `${from} WHERE ${where.join(" AND ")}`, params, where.length);

    if (after) add("(timestamp, seq) > (?, ?)", after.timestamp, after.seq);
    if (before) add("(timestamp, seq) < (?, ?)", before.timestamp, before.seq);
    const order = isBackward(query) ? BY_POSITION_DESC : BY_POSITION;
    const rows = this.#shape(`SELECT ${COLUMNS} ${from} WHERE ${where.join(" AND ")} ${order} LIMIT ?`).all(...params, size + 1) as Row[];
    return pageResult(
      rows.map((row) => toArchivedMessage(key, row, run)),
      size,
      query,
      count,
    );
  }

  /** The RSM count of `query`, whose conditions are `fromWhere` (`conditions` of them, the room's first). */
  #countMatching(roomId: number, query: MamQuery, fromWhere: string, params: unknown[], conditions: number): number {
    if (!isFiltered(query)) return this.#count.get(roomId) as number;
    // `start` is the only condition beside the room's: the room's total may give the count.
    const byTotal = conditions === 2 && query.start !== undefined ? this.#countSinceByTotal(roomId, query.start) : undefined;
    return byTotal ?? (this.#shape(`SELECT COUNT(*) ${fromWhere}`).pluck().get(...params) as number);
  }

  /**
   * How many of the room's messages are dated `start` or later, when the room's total
   * (`archive_count`) gives it cheaply: past either end of the room's time span, or with `start`
   * in its older half (the total less the rows before it). Undefined otherwise: the caller counts
   * the rows since `start`. A COUNT walks every row it counts (a catch-up from the middle of
   * 1,000,000 messages: ~15 ms), so this walks the smaller side.
   */
  #countSinceByTotal(roomId: number, start: number): number | undefined {
    const { start: oldest, end: newest } = this.metadata(roomId);
    if (!oldest || !newest || start > newest.timestamp) return 0;
    if (start - oldest.timestamp >= (newest.timestamp - oldest.timestamp) / 2) return undefined;
    const total = this.#count.get(roomId) as number;
    return start <= oldest.timestamp ? total : total - (this.#countBefore.get(roomId, start) as number);
  }

  /** See {@link Store.archiveMetadata}. */
  metadata(roomId: number): ArchiveMetadata {
    const first = this.#first.get(roomId) as Row | undefined;
    const last = this.#last.get(roomId) as Row | undefined;
    if (!first || !last) return {};
    return { start: { id: first.stanzaId, timestamp: first.timestamp }, end: { id: last.stanzaId, timestamp: last.timestamp } };
  }

  /** See {@link Store.holeBounds}. */
  holeBounds(roomId: number, run: number): HoleBounds {
    return findHoleBounds({
      newest: () => candidate(this.#newest.get(roomId) as Row | undefined, run),
      newestBackfill: () => candidate(this.#newestBackfill.get(roomId, run) as Row | undefined, run),
      oldestLiveAfter: (from) =>
        candidate(
          (from ? this.#oldestLiveAfter.get(roomId, run, from.timestamp, from.seq) : this.#oldestLive.get(roomId, run)) as Row | undefined,
          run,
        ),
    });
  }

  /** See {@link Store.purgeOlderThan}. */
  purge(before: number, limit?: number): number {
    const cut = limit === undefined ? undefined : (this.#purgeCut.get(before, limit - 1) as number | undefined);
    // Fewer than `limit` expired rows left: the last step takes them all.
    return (cut === undefined ? this.#purge.run(before) : this.#purgeUpTo.run(cut, before)).changes;
  }

  #write(roomId: number, input: ArchiveInput, run: number): ArchivedMessage {
    const byStanzaId = this.#byStanzaId(roomId, input.stanzaId);
    const byLegacyId = input.legacyId === undefined ? undefined : this.#byLegacyId(roomId, input.legacyId);
    if (byStanzaId && byLegacyId && byStanzaId.seq !== byLegacyId.seq) this.#delete.run(byLegacyId.seq);
    const existing = byStanzaId ?? byLegacyId;
    const liveRun = input.source === "live" ? run : null;
    const legacyId = input.legacyId ?? existing?.legacyId ?? null;
    const row: Row = { seq: 0, stanzaId: input.stanzaId, legacyId, timestamp: input.timestamp, authorJid: input.authorJid, liveRun, xml: input.xml };
    if (existing) {
      this.#update.run(legacyId, input.timestamp, input.authorJid, liveRun, input.xml, existing.seq);
      row.seq = existing.seq;
      row.stanzaId = existing.stanzaId;
      if (legacyId !== existing.legacyId) {
        const old = existing.legacyId;
        if (old !== null && old !== existing.stanzaId) this.ids.drop(roomId, LEGACY_ID, old, existing.seq);
        if (legacyId !== null && legacyId !== existing.stanzaId) this.ids.put(roomId, LEGACY_ID, legacyId, existing.seq);
      }
    } else {
      row.seq = Number(this.#insert.run(roomId, input.stanzaId, legacyId, input.timestamp, input.authorJid, liveRun, input.xml).lastInsertRowid);
      this.ids.added(roomId, row.seq, input.stanzaId, legacyId);
    }
    return toArchivedMessage(input, row, run);
  }

  /** The row of this room with this stanza-id, if any. */
  #byStanzaId(roomId: number, stanzaId: string): Row | undefined {
    return this.#find(roomId, STANZA_ID, stanzaId);
  }

  /**
   * The row archived under this legacy id, if any: one that holds it apart from its stanza-id,
   * or one whose stanza-id it is (and that has it as legacy id too).
   */
  #byLegacyId(roomId: number, legacyId: string): Row | undefined {
    const apart = this.#find(roomId, LEGACY_ID, legacyId);
    if (apart) return apart;
    const own = this.#find(roomId, STANZA_ID, legacyId);
    return own && own.legacyId === own.stanzaId ? own : undefined;
  }

  /** The row `id` names as `kind` in the room: each candidate row is checked against the id; a miss looks again once if another connection wrote meanwhile. */
  #find(roomId: number, kind: IdKind, id: string): Row | undefined {
    return this.ids.lookUp(() => {
      for (const seq of this.ids.candidates(roomId, kind, id)) {
        const row = this.#bySeq.get(seq) as RowInRoom | undefined;
        if (row && row.roomId === roomId && (kind === STANZA_ID ? row.stanzaId === id : row.legacyId === id && row.legacyId !== row.stanzaId)) {
          return row;
        }
      }
      return undefined;
    });
  }

  #shape(sql: string): Statement {
    let statement = this.#shapes.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql) as Statement;
      this.#shapes.set(sql, statement);
    }
    return statement;
  }
}
