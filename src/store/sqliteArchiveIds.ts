/**
 * The ids of the SQLite archive's messages: a stanza-id or legacy id → the row's `seq`, in the
 * table `archive_ids` (schema version 7) and, for the newest rows, in memory.
 *
 * @remarks
 * Legacy ids are random, and so are the stanza-ids made from them. A B-tree keyed by random ids
 * takes each new key on a different page, so a unique index on them made every group commit
 * write as many pages to the WAL as it held messages. Here the rows above the meta value
 * `ids_upto` have their ids only in a Map (the tail). The group commit that finds {@link ID_TAIL}
 * ids there writes the ids of those rows, read from the rows themselves and sorted, in the same
 * transaction as its messages, and moves `ids_upto` to the newest row. A page then takes many
 * keys at once.
 *
 * The tail is a cache of the rows above `ids_upto`: filled as rows are inserted, rebuilt from
 * them when the store opens (after a crash too), after a rolled-back batch, and when another
 * connection wrote to the file. It is never written anywhere, so it cannot be lost, and a stale
 * entry in it (a row purged, deleted with its room or merged into another, an id moved to another
 * row) never reaches the table. A look-up checks what it found against the row (its room and
 * id), so a stale entry is never taken for a match either. A row's ids leave the table with it
 * (a trigger). An id an upsert gives to, or takes from, a row below `ids_upto` is written to the
 * table at once, in the row's transaction.
 *
 * Memory: at most {@link ID_TAIL} ids between two commits, plus what one batch adds (~100 B each;
 * ~1.6 MiB in all).
 *
 * @internal
 * @module
 */
import type Database from "better-sqlite3";

/**
 * Ids kept in memory before a group commit writes them to `archive_ids` (see the module's
 * memory bound). A flush of k random ids into a table of p pages dirties about p·(1 − e^(−k/p))
 * pages, each written to the WAL at the commit: the more ids a flush takes, the fewer pages
 * each id costs. From 2,048 to 16,384, an archived message of a 33,000–100,000-message archive
 * cost ~19–22 µs of store time instead of ~19–28 µs (a store-only loop: one room, 33 messages
 * a commit).
 */
export const ID_TAIL = 16_384;

/** What an id is to its row: its stanza-id (0), or a legacy id apart from its stanza-id (1). */
export type IdKind = 0 | 1;
/** {@link IdKind} of a stanza-id. */
export const STANZA_ID: IdKind = 0;
/** {@link IdKind} of a legacy id apart from the row's stanza-id. */
export const LEGACY_ID: IdKind = 1;

/** One room's ids in the tail, by kind: id → seq. */
type RoomTail = [stanzaIds: Map<string, number>, legacyIds: Map<string, number>];

type Statement = Database.Statement<unknown[], unknown>;

/** The ids of the rows above `@upto`, in the table's key order, so that a flush walks its pages in order. */
const WRITE_IDS_ABOVE = `INSERT OR REPLACE INTO archive_ids (room_id, id, kind, seq)
  SELECT room_id, stanza_id, 0, seq FROM archive WHERE seq > @upto
  UNION ALL SELECT room_id, legacy_id, 1, seq FROM archive WHERE seq > @upto AND legacy_id IS NOT NULL AND legacy_id <> stanza_id
  ORDER BY 1, 2, 3`;

/** One database's message ids. @internal */
export class ArchiveIds {
  readonly #db: Database.Database;
  /** The tail: by room, then by kind. */
  readonly #tail = new Map<number, RoomTail>();
  /** Ids in the tail (stale ones included): a flush is due at {@link ID_TAIL}. */
  #size = 0;
  readonly #get: Statement;
  readonly #any: Statement;
  readonly #put: Statement;
  readonly #drop: Statement;
  readonly #readUpto: Statement;
  readonly #setUpto: Statement;
  readonly #writeIdsAbove: Statement;
  readonly #newRows: Statement;
  readonly #maxSeq: Statement;
  readonly #dataVersion: Statement;
  /** `ids_upto` as this connection last read or wrote it. */
  #upto = 0;
  /** The newest row whose ids are in the table or the tail. */
  #newest = 0;
  /** True from a flush to the end of its commit: the tail is then emptied. */
  #flushed = false;
  #version = 0;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#get = db.prepare("SELECT seq FROM archive_ids WHERE room_id = ? AND id = ? AND kind = ?").pluck() as Statement;
    // One seek for either kind (the key is room, id, kind). Not `id IN (?, ?)` nor `kind IN (0, 1)`:
    // an IN list made SQLite build an ephemeral table on every run (~150 µs for bound values, in
    // a temporary file by default; 1.7 µs for constants, against 0.5 µs for this read).
    this.#any = db.prepare("SELECT 1 FROM archive_ids WHERE room_id = ? AND id = ? LIMIT 1").pluck() as Statement;
    this.#put = db.prepare("INSERT OR REPLACE INTO archive_ids (room_id, id, kind, seq) VALUES (?, ?, ?, ?)") as Statement;
    this.#drop = db.prepare("DELETE FROM archive_ids WHERE room_id = ? AND id = ? AND kind = ? AND seq = ?") as Statement;
    this.#readUpto = db.prepare("SELECT value FROM meta WHERE key = 'ids_upto'").pluck() as Statement;
    this.#writeIdsAbove = db.prepare(WRITE_IDS_ABOVE) as Statement;
    this.#setUpto = db.prepare("UPDATE meta SET value = ? WHERE key = 'ids_upto'") as Statement;
    this.#newRows = db.prepare("SELECT seq, room_id AS roomId, stanza_id AS stanzaId, legacy_id AS legacyId FROM archive WHERE seq > ? ORDER BY seq") as Statement;
    this.#dataVersion = db.prepare("PRAGMA data_version").pluck() as Statement;
    this.#maxSeq = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM archive").pluck() as Statement;
    this.reload();
  }

  /**
   * True when no row of the room is known by either id, as either kind (one table read): the
   * message is new, and needs no look-up of its rows. False says only that there may be one.
   */
  unknown(roomId: number, stanzaId: string, legacyId: string | null): boolean {
    const other = legacyId !== null && legacyId !== stanzaId ? legacyId : null;
    // As lookUp does, without a closure for every message.
    return !(this.#knownEither(roomId, stanzaId, other) || (this.#caughtUp() && this.#knownEither(roomId, stanzaId, other)));
  }

  /** Whether the room holds the stanza-id or the other (legacy) id, of either kind. */
  #knownEither(roomId: number, stanzaId: string, other: string | null): boolean {
    return this.#known(roomId, stanzaId) || (other !== null && this.#known(roomId, other));
  }

  /**
   * Runs a look-up; when it finds nothing and another connection has written since this one last
   * looked (see {@link #caughtUp}), runs it once more over the rows that connection added.
   */
  lookUp<T>(look: () => T | undefined): T | undefined {
    return look() ?? (this.#caughtUp() ? look() : undefined);
  }

  /** Whether the tail or the table holds `id`, of either kind, in this room. */
  #known(roomId: number, id: string): boolean {
    const tail = this.#tail.get(roomId);
    if (tail && (tail[STANZA_ID].has(id) || tail[LEGACY_ID].has(id))) return true;
    return this.#any.get(roomId, id) !== undefined;
  }

  /**
   * The rows that may hold `id` as `kind` in this room, newest knowledge first: the tail's, then
   * the table's. The caller checks each against the row; stale ones are possible.
   */
  candidates(roomId: number, kind: IdKind, id: string): number[] {
    const found: number[] = [];
    const inTail = this.#tail.get(roomId)?.[kind].get(id);
    if (inTail !== undefined) found.push(inTail);
    const stored = this.#get.get(roomId, id, kind) as number | undefined;
    if (stored !== undefined && stored !== inTail) found.push(stored);
    return found;
  }

  /**
   * True when another connection committed since this one last looked; the rows it added are
   * then in the tail. A reader (the CLI next to a running gateway) so sees new messages.
   */
  #caughtUp(): boolean {
    const version = this.#dataVersion.get() as number;
    if (version === this.#version) return false;
    this.#version = version;
    this.#addRows(this.#newest);
    return true;
  }

  /** A new row's ids, in its transaction: they go to the tail. */
  added(roomId: number, seq: number, stanzaId: string, legacyId: string | null): void {
    this.#remember(roomId, STANZA_ID, stanzaId, seq);
    if (legacyId !== null && legacyId !== stanzaId) this.#remember(roomId, LEGACY_ID, legacyId, seq);
    if (seq > this.#newest) this.#newest = seq;
  }

  /** An id given to an existing row, in its transaction: to the table at once (the tail is rebuilt from new rows only). */
  put(roomId: number, kind: IdKind, id: string, seq: number): void {
    this.#put.run(roomId, id, kind, seq);
    this.#remember(roomId, kind, id, seq);
  }

  /** An id the row `seq` no longer has (an upsert gave it another legacy id), in its transaction. */
  drop(roomId: number, kind: IdKind, id: string, seq: number): void {
    this.#drop.run(roomId, id, kind, seq);
  }

  /**
   * Before a group commit, in its transaction: writes the tail to the table when it holds
   * {@link ID_TAIL} ids or more (any number with `all`), and moves `ids_upto`. The tail is
   * emptied by {@link committed}; a rollback keeps it (see {@link reload}).
   */
  flush(all = false): void {
    if (this.#size === 0 || (!all && this.#size < ID_TAIL)) return;
    this.#writeIdsAbove.run({ upto: this.#upto });
    // The newest row there is, not the newest the tail saw: a rolled-back savepoint may have
    // added ids of a row whose seq a later row takes.
    this.#setUpto.run(this.#maxSeq.get() as number);
    this.#flushed = true;
  }

  /**
   * Writes every id still in memory to the table in a transaction of its own (the store closes),
   * so that the next open has none to read back. Best effort: a failure goes to `onError`, and
   * the next open reads them back from the rows.
   */
  writeAll(onError: (error: unknown) => void): void {
    if (this.#size === 0) return;
    try {
      this.#db.transaction(() => this.flush(true)).immediate();
      this.committed();
    } catch (error) {
      this.reload();
      onError(error);
    }
  }

  /** The group commit went through: what {@link flush} wrote leaves the tail. */
  committed(): void {
    if (!this.#flushed) return;
    this.#tail.clear();
    this.#size = 0;
    this.#flushed = false;
    this.#upto = this.#readUpto.get() as number;
  }

  /** Rebuilds the tail from the rows above `ids_upto` (on open, and after a rollback). */
  reload(): void {
    this.#tail.clear();
    this.#size = 0;
    this.#flushed = false;
    this.#version = this.#dataVersion.get() as number;
    this.#upto = (this.#readUpto.get() as number | undefined) ?? 0;
    this.#newest = this.#upto;
    this.#addRows(this.#upto);
  }

  #addRows(after: number): void {
    for (const row of this.#newRows.iterate(after) as IterableIterator<{ seq: number; roomId: number; stanzaId: string; legacyId: string | null }>) {
      this.added(row.roomId, row.seq, row.stanzaId, row.legacyId);
    }
  }

  #remember(roomId: number, kind: IdKind, id: string, seq: number): void {
    let room = this.#tail.get(roomId);
    if (!room) {
      room = [new Map(), new Map()];
      this.#tail.set(roomId, room);
    }
    const size = room[kind].size;
    room[kind].set(id, seq);
    this.#size += room[kind].size - size;
  }
}
