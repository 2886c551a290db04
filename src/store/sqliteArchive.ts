/**
 * The archive half of the SQLite store: upserts, MAM queries, metadata, hole bounds, purge.
 *
 * @remarks
 * Every query is an index range: (room, timestamp, seq) for order and time bounds, (room,
 * author, timestamp, seq) for `with`, (room, stanza_id) for ids; a legacy id is found by the
 * stanza-id index when it is the row's stanza-id, else by the legacy-id index, which holds only
 * those rows (schema version 6). `count` of an unfiltered query
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

/** An `archive` row as SQLite returns it (columns renamed by {@link COLUMNS}). */
type Row = ArchiveRow & { legacyId: string | null; liveRun: number | null };

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
  readonly #byStanzaId: Statement;
  readonly #byLegacyIdApart: Statement;
  readonly #byOwnLegacyId: Statement;
  readonly #insert: Statement;
  readonly #insertNew: Statement;
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
  readonly #upsert: (roomId: number, input: ArchiveInput, run: number) => ArchivedMessage;

  constructor(db: Database.Database) {
    this.#db = db;
    const prepare = (sql: string) => db.prepare(sql) as Statement;
    this.#byStanzaId = prepare(`SELECT ${COLUMNS} FROM archive WHERE room_id = ? AND stanza_id = ?`);
    // The two halves of a legacy-id look-up, each an index point read (see the module comment).
    this.#byLegacyIdApart = prepare(`SELECT ${COLUMNS} FROM archive WHERE room_id = ? AND legacy_id = ? AND legacy_id <> stanza_id`);
    this.#byOwnLegacyId = prepare(`SELECT ${COLUMNS} FROM archive WHERE room_id = ? AND stanza_id = ? AND legacy_id = stanza_id`);
    this.#insert = prepare(
      "INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, live_run, xml) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    // The common case, a message neither id of which is archived yet: one statement, atomic by itself.
    // Its row's seq is the rowid SQLite reports (a RETURNING clause cost more than the insert's own index work).
    this.#insertNew = prepare(
      "INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, live_run, xml) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
    this.#purge = prepare("DELETE FROM archive WHERE room_id IN (SELECT id FROM rooms) AND timestamp < ?");
    this.#upsert = db.transaction((roomId: number, input: ArchiveInput, run: number) => this.#write(roomId, input, run));
  }

  /**
   * See {@link Store.archive}. A new message is one `INSERT … ON CONFLICT DO NOTHING`; one that
   * clashes with an archived id takes the upsert path, in a transaction (a savepoint inside the
   * store's group commit). The unique indexes catch every clash but a legacy id that the other
   * index covers: that one is looked up first.
   */
  upsert(roomId: number, input: ArchiveInput, run: number): ArchivedMessage {
    const liveRun = input.source === "live" ? run : null;
    const legacyId = input.legacyId ?? null;
    if (legacyId !== null && this.#legacyIdElsewhere(roomId, input.stanzaId, legacyId)) return this.#upsert(roomId, input, run);
    const inserted = this.#insertNew.run(roomId, input.stanzaId, legacyId, input.timestamp, input.authorJid, liveRun, input.xml);
    if (inserted.changes === 0) return this.#upsert(roomId, input, run);
    const seq = Number(inserted.lastInsertRowid);
    const row: Row = { seq, stanzaId: input.stanzaId, legacyId, timestamp: input.timestamp, authorJid: input.authorJid, liveRun, xml: input.xml };
    return toArchivedMessage(input, row, run);
  }

  /** See {@link Store.queryArchive}; `roomId` is undefined for a room never stored. */
  query(key: RoomKey, roomId: number | undefined, query: MamQuery, run: number): MamResult {
    const size = pageSizeOf(query);
    const position = (id: string | undefined): Position | undefined => {
      if (id === undefined) return undefined;
      const row = roomId === undefined ? undefined : (this.#byStanzaId.get(roomId, id) as Row | undefined);
      if (!row) throw new StoreItemNotFound(id);
      return row;
    };
    const afterId = position(query.afterId);
    const beforeId = position(query.beforeId);
    const after = position(query.after || undefined);
    const before = position(query.before || undefined);
    const ids = query.ids?.length ? [...new Set(query.ids)] : undefined;
    for (const id of ids ?? []) if (roomId === undefined || !this.#byStanzaId.get(roomId, id)) throw StoreItemNotFound.forIds(id);
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
    if (ids) add("stanza_id IN (SELECT value FROM json_each(?))", JSON.stringify(ids));
    const from = `FROM archive${ids ? " INDEXED BY archive_stanza_id" : ""}`;
    const count = isFiltered(query)
      ? (this.#shape(`SELECT COUNT(*) ${from} WHERE ${where.join(" AND ")}`).pluck().get(...params) as number)
      : (this.#count.get(roomId) as number);

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
  purge(before: number): number {
    return this.#purge.run(before).changes;
  }

  #write(roomId: number, input: ArchiveInput, run: number): ArchivedMessage {
    const byStanzaId = this.#byStanzaId.get(roomId, input.stanzaId) as Row | undefined;
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
    } else {
      row.seq = Number(this.#insert.run(roomId, input.stanzaId, legacyId, input.timestamp, input.authorJid, liveRun, input.xml).lastInsertRowid);
    }
    return toArchivedMessage(input, row, run);
  }

  /** The row archived under this legacy id, if any. */
  #byLegacyId(roomId: number, legacyId: string): Row | undefined {
    return (this.#byLegacyIdApart.get(roomId, legacyId) ?? this.#byOwnLegacyId.get(roomId, legacyId)) as Row | undefined;
  }

  /**
   * True when a row holds `legacyId` where the unique index a new row (`stanzaId`, `legacyId`)
   * goes into does not see it: a row with that legacy id apart from its stanza-id when the new
   * row's are the same, else a row whose stanza-id is that legacy id.
   */
  #legacyIdElsewhere(roomId: number, stanzaId: string, legacyId: string): boolean {
    const other = legacyId === stanzaId ? this.#byLegacyIdApart : this.#byOwnLegacyId;
    return other.get(roomId, legacyId) !== undefined;
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
