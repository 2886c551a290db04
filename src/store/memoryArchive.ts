/**
 * One room's archive held in memory: a list sorted by (timestamp, seq) plus two id maps.
 * Queries filter the whole list (O(n)); it serves unit tests, not production.
 *
 * @internal
 * @module
 */
import { StoreItemNotFound } from "./errors.js";
import { toArchivedMessage, toHoleCandidate } from "./archiveRow.js";
import { findHoleBounds, type HoleCandidate } from "./holeBounds.js";
import { type ArchiveMetadata, isBackward, type MamQuery, type MamResult, pageResult, pageSizeOf } from "./mam.js";
import type { ArchivedMessage, ArchiveInput, HoleBounds, RoomKey } from "./types.js";

/** A stored message; `liveRun` is the run in which it was archived live, if it was. */
interface Row {
  seq: number;
  stanzaId: string;
  legacyId: string | undefined;
  timestamp: number;
  authorJid: string;
  liveRun: number | undefined;
  xml: string;
}

type Position = Pick<Row, "timestamp" | "seq">;

const compare = (a: Position, b: Position) => a.timestamp - b.timestamp || a.seq - b.seq;

/** The archive of one room in a {@link createMemoryStore} store. @internal */
export class MemoryArchive {
  readonly #rows: Row[] = [];
  readonly #byStanzaId = new Map<string, Row>();
  readonly #byLegacyId = new Map<string, Row>();

  /** Upserts a message (see {@link Store.archive}); `nextSeq` is called only for a new row. */
  upsert(input: ArchiveInput, nextSeq: () => number, run: number): ArchivedMessage {
    const byStanzaId = this.#byStanzaId.get(input.stanzaId);
    const byLegacyId = input.legacyId === undefined ? undefined : this.#byLegacyId.get(input.legacyId);
    if (byStanzaId && byLegacyId && byStanzaId !== byLegacyId) this.#remove(byLegacyId);
    const existing = byStanzaId ?? byLegacyId;
    if (existing) this.#remove(existing);
    const row: Row = {
      seq: existing?.seq ?? nextSeq(),
      stanzaId: existing?.stanzaId ?? input.stanzaId,
      legacyId: input.legacyId ?? existing?.legacyId,
      timestamp: input.timestamp,
      authorJid: input.authorJid,
      liveRun: input.source === "live" ? run : undefined,
      xml: input.xml,
    };
    this.#insert(row);
    return toArchivedMessage(input, row, run);
  }

  /** Answers a MAM query; see {@link Store.queryArchive}. */
  query(key: RoomKey, query: MamQuery, run: number): MamResult {
    const size = pageSizeOf(query);
    const afterId = this.#find(query.afterId);
    const beforeId = this.#find(query.beforeId);
    const after = this.#find(query.after || undefined);
    const before = this.#find(query.before || undefined);
    const ids = query.ids?.length ? new Set(query.ids) : undefined;
    for (const id of ids ?? []) if (!this.#byStanzaId.has(id)) throw StoreItemNotFound.forIds(id);
    const { start, end } = query;
    const matches = this.#rows.filter(
      (r) =>
        (start === undefined || r.timestamp >= start) &&
        (end === undefined || r.timestamp <= end) &&
        (query.with === undefined || r.authorJid === query.with) &&
        (!afterId || compare(r, afterId) > 0) &&
        (!beforeId || compare(r, beforeId) < 0) &&
        (!ids || ids.has(r.stanzaId)),
    );
    const window = matches.filter((r) => (!after || compare(r, after) > 0) && (!before || compare(r, before) < 0));
    const directed = isBackward(query) ? window.slice(-(size + 1)).reverse() : window.slice(0, size + 1);
    return pageResult(
      directed.map((r) => toArchivedMessage(key, r, run)),
      size,
      query,
      matches.length,
    );
  }

  /** First and last message. */
  metadata(): ArchiveMetadata {
    const first = this.#rows[0];
    const last = this.#rows[this.#rows.length - 1];
    if (!first || !last) return {};
    return { start: { id: first.stanzaId, timestamp: first.timestamp }, end: { id: last.stanzaId, timestamp: last.timestamp } };
  }

  /** See {@link Store.holeBounds}. */
  holeBounds(run: number): HoleBounds {
    const candidates: HoleCandidate[] = [];
    for (const r of this.#rows) {
      if (r.legacyId !== undefined) candidates.push(toHoleCandidate({ ...r, legacyId: r.legacyId }, run));
    }
    return findHoleBounds({
      newest: () => candidates[candidates.length - 1],
      newestBackfill: () => candidates.findLast((c) => !c.live),
      oldestLiveAfter: (from) => candidates.find((c) => c.live && (!from || compare(c, from) > 0)),
    });
  }

  /** Deletes messages with `timestamp < before`; returns how many. */
  purge(before: number): number {
    const kept = this.#rows.findIndex((r) => r.timestamp >= before);
    const expired = this.#rows.splice(0, kept === -1 ? this.#rows.length : kept);
    for (const row of expired) this.#forget(row);
    return expired.length;
  }

  /** The row of a stanza-id, or throws item-not-found; `undefined` for no id. */
  #find(id: string | undefined): Row | undefined {
    if (id === undefined) return undefined;
    const row = this.#byStanzaId.get(id);
    if (!row) throw new StoreItemNotFound(id);
    return row;
  }

  #insert(row: Row): void {
    const rows = this.#rows;
    let low = 0;
    let high = rows.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compare(rows[mid]!, row) < 0) low = mid + 1;
      else high = mid;
    }
    rows.splice(low, 0, row);
    this.#byStanzaId.set(row.stanzaId, row);
    if (row.legacyId !== undefined) this.#byLegacyId.set(row.legacyId, row);
  }

  #remove(row: Row): void {
    const at = this.#rows.indexOf(row);
    if (at !== -1) this.#rows.splice(at, 1);
    this.#forget(row);
  }

  #forget(row: Row): void {
    this.#byStanzaId.delete(row.stanzaId);
    if (row.legacyId !== undefined && this.#byLegacyId.get(row.legacyId) === row) this.#byLegacyId.delete(row.legacyId);
  }
}
