/**
 * The archive half of the PostgreSQL store: upserts, MAM queries, metadata, hole bounds, purge.
 * The same statements as the SQLite store's ({@link SqliteArchive}), with `$n` parameters; every
 * value is a parameter, never spliced into the SQL text.
 *
 * @internal
 * @module
 */
import pg from "pg";
import { type ArchiveRow, toArchivedMessage, toHoleCandidate } from "./archiveRow.js";
import { StoreItemNotFound } from "./errors.js";
import { findHoleBounds, type HoleCandidate } from "./holeBounds.js";
import { type ArchiveMetadata, isBackward, isFiltered, type MamQuery, type MamResult, pageResult, pageSizeOf } from "./mam.js";
import type { ArchivedMessage, ArchiveInput, HoleBounds, RoomKey } from "./types.js";

/** A pool or a connection. */
export type Queryable = Pick<pg.ClientBase, "query">;

/** `bigint` columns (seq, timestamps, ids) as JavaScript numbers: they stay below 2^53. */
const NUMBERS: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** Runs one parameterized statement; bigint columns come back as numbers. @internal */
export async function sql<R extends object>(db: Queryable, text: string, values: unknown[] = []): Promise<R[]> {
  return (await db.query<R>({ text, values, types: NUMBERS })).rows;
}

type Row = ArchiveRow & { legacyId: string | null; liveRun: number | null };
type Position = Pick<Row, "timestamp" | "seq">;

const COLUMNS = `seq, stanza_id AS "stanzaId", legacy_id AS "legacyId", timestamp, author_jid AS "authorJid", live_run AS "liveRun", xml`;
const BY_POSITION = "ORDER BY timestamp, seq";
const BY_POSITION_DESC = "ORDER BY timestamp DESC, seq DESC";
const WITH_LEGACY_ID = "FROM archive WHERE room_id = $1 AND legacy_id IS NOT NULL";
const INSERT = "INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, live_run, xml) VALUES ($1, $2, $3, $4, $5, $6, $7)";

const first = async (db: Queryable, text: string, values: unknown[]) => (await sql<Row>(db, text, values))[0];
const candidate = (row: Row | undefined, run: number): HoleCandidate | undefined =>
  row && toHoleCandidate({ ...row, legacyId: row.legacyId as string }, run);

/**
 * See {@link Store.archive}: inside the caller's transaction. A new message is one `INSERT … ON
 * CONFLICT DO NOTHING`; one that clashes with an archived id takes the upsert path.
 */
export async function upsertMessage(db: Queryable, roomId: number, input: ArchiveInput, run: number): Promise<ArchivedMessage> {
  const liveRun = input.source === "live" ? run : null;
  const values = [roomId, input.stanzaId, input.legacyId ?? null, input.timestamp, input.authorJid, liveRun, input.xml];
  const inserted = await first(db, `${INSERT} ON CONFLICT DO NOTHING RETURNING seq`, values);
  const row: Row = { seq: 0, stanzaId: input.stanzaId, legacyId: input.legacyId ?? null, timestamp: input.timestamp, authorJid: input.authorJid, liveRun, xml: input.xml };
  if (inserted) return toArchivedMessage(input, { ...row, seq: inserted.seq }, run);
  const byStanzaId = await first(db, `SELECT ${COLUMNS} FROM archive WHERE room_id = $1 AND stanza_id = $2`, [roomId, input.stanzaId]);
  const byLegacyId =
    input.legacyId === undefined ? undefined : await first(db, `SELECT ${COLUMNS} FROM archive WHERE room_id = $1 AND legacy_id = $2`, [roomId, input.legacyId]);
  if (byStanzaId && byLegacyId && byStanzaId.seq !== byLegacyId.seq) await sql(db, "DELETE FROM archive WHERE seq = $1", [byLegacyId.seq]);
  const existing = byStanzaId ?? byLegacyId;
  if (!existing) throw new Error(`archive: the insert of ${input.stanzaId} conflicted with no row`);
  row.legacyId = input.legacyId ?? existing.legacyId;
  row.seq = existing.seq;
  row.stanzaId = existing.stanzaId;
  await sql(db, "UPDATE archive SET legacy_id = $1, timestamp = $2, author_jid = $3, live_run = $4, xml = $5 WHERE seq = $6", [
    row.legacyId,
    input.timestamp,
    input.authorJid,
    liveRun,
    input.xml,
    existing.seq,
  ]);
  return toArchivedMessage(input, row, run);
}

/** See {@link Store.queryArchive}; `roomId` is undefined for a room never stored. */
export async function queryMessages(db: Queryable, key: RoomKey, roomId: number | undefined, query: MamQuery, run: number): Promise<MamResult> {
  const size = pageSizeOf(query);
  const position = async (id: string | undefined): Promise<Position | undefined> => {
    if (id === undefined) return undefined;
    const row = roomId === undefined ? undefined : await first(db, "SELECT timestamp, seq FROM archive WHERE room_id = $1 AND stanza_id = $2", [roomId, id]);
    if (!row) throw new StoreItemNotFound(id);
    return row;
  };
  const afterId = await position(query.afterId);
  const beforeId = await position(query.beforeId);
  const after = await position(query.after || undefined);
  const before = await position(query.before || undefined);
  const ids = query.ids?.length ? [...new Set(query.ids)] : undefined;
  if (ids) {
    const found = roomId === undefined ? [] : await sql<{ id: string }>(db, "SELECT stanza_id AS id FROM archive WHERE room_id = $1 AND stanza_id = ANY($2)", [roomId, ids]);
    const known = new Set(found.map((r) => r.id));
    const missing = ids.find((id) => !known.has(id));
    if (missing !== undefined) throw StoreItemNotFound.forIds(missing);
  }
  if (roomId === undefined) return pageResult([], size, query, 0);

  const params: unknown[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  const where = [`room_id = ${p(roomId)}`];
  const beyond = (op: string, at: Position) => where.push(`(timestamp, seq) ${op} (${p(at.timestamp)}, ${p(at.seq)})`);
  if (query.start !== undefined) where.push(`timestamp >= ${p(query.start)}`);
  if (query.end !== undefined) where.push(`timestamp <= ${p(query.end)}`);
  if (query.with !== undefined) where.push(`author_jid = ${p(query.with)}`);
  if (afterId) beyond(">", afterId);
  if (beforeId) beyond("<", beforeId);
  if (ids) where.push(`stanza_id = ANY(${p(ids)})`);
  const count = isFiltered(query)
    ? (await sql<{ n: number }>(db, `SELECT COUNT(*) AS n FROM archive WHERE ${where.join(" AND ")}`, params))[0]!.n
    : ((await sql<{ n: number }>(db, "SELECT archive_count AS n FROM rooms WHERE id = $1", [roomId]))[0]?.n ?? 0);

  if (after) beyond(">", after);
  if (before) beyond("<", before);
  const order = isBackward(query) ? BY_POSITION_DESC : BY_POSITION;
  const limit = p(size + 1);
  const rows = await sql<Row>(db, `SELECT ${COLUMNS} FROM archive WHERE ${where.join(" AND ")} ${order} LIMIT ${limit}`, params);
  return pageResult(
    rows.map((row) => toArchivedMessage(key, row, run)),
    size,
    query,
    count,
  );
}

/** See {@link Store.archiveMetadata}. */
export async function archiveEnds(db: Queryable, roomId: number): Promise<ArchiveMetadata> {
  const oldest = await first(db, `SELECT ${COLUMNS} FROM archive WHERE room_id = $1 ${BY_POSITION} LIMIT 1`, [roomId]);
  const newest = await first(db, `SELECT ${COLUMNS} FROM archive WHERE room_id = $1 ${BY_POSITION_DESC} LIMIT 1`, [roomId]);
  if (!oldest || !newest) return {};
  return { start: { id: oldest.stanzaId, timestamp: oldest.timestamp }, end: { id: newest.stanzaId, timestamp: newest.timestamp } };
}

/** See {@link Store.holeBounds}. */
export async function archiveHoleBounds(db: Queryable, roomId: number, run: number): Promise<HoleBounds> {
  const newest = candidate(await first(db, `SELECT ${COLUMNS} ${WITH_LEGACY_ID} ${BY_POSITION_DESC} LIMIT 1`, [roomId]), run);
  const newestBackfill = candidate(
    await first(db, `SELECT ${COLUMNS} ${WITH_LEGACY_ID} AND live_run IS DISTINCT FROM $2 ${BY_POSITION_DESC} LIMIT 1`, [roomId, run]),
    run,
  );
  const oldestLiveAfter = async (from: HoleCandidate | undefined) =>
    candidate(
      from
        ? await first(db, `SELECT ${COLUMNS} ${WITH_LEGACY_ID} AND live_run = $2 AND (timestamp, seq) > ($3, $4) ${BY_POSITION} LIMIT 1`, [
            roomId,
            run,
            from.timestamp,
            from.seq,
          ])
        : await first(db, `SELECT ${COLUMNS} ${WITH_LEGACY_ID} AND live_run = $2 ${BY_POSITION} LIMIT 1`, [roomId, run]),
      run,
    );
  const live = await oldestLiveAfter(newestBackfill);
  return findHoleBounds({ newest: () => newest, newestBackfill: () => newestBackfill, oldestLiveAfter: () => live });
}
