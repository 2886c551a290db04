/**
 * Errors thrown by {@link Store} implementations.
 *
 * @module
 */
import type { RoomKey } from "./types.js";

/**
 * A MAM query named a message id that is not in the room's archive.
 *
 * @remarks
 * XEP-0313 requires `item-not-found` for an unknown id in `after-id`, `before-id` or `ids`
 * (https://xmpp.org/extensions/xep-0313.html#query-limit-id) and in RSM `<after/>`/`<before/>`
 * (https://xmpp.org/extensions/xep-0313.html#query-paging-request). The error carries that
 * condition and a text for the user, so the MAM handler answers with
 * `new XMPPError(error.condition, error.text)`.
 *
 * @example
 * ```ts
 * try { store.queryArchive(key, query); }
 * catch (e) { if (e instanceof StoreItemNotFound) throw new XMPPError(e.condition, e.text); throw e; }
 * ```
 */
export class StoreItemNotFound extends Error {
  /** The XMPP stanza error condition to answer with. */
  readonly condition = "item-not-found" as const;
  /** The archive id (stanza-id) that was not found. */
  readonly id: string;
  /** Text for the `<error/>` element. */
  readonly text: string;

  constructor(id: string, text = `Message ${id} not found`) {
    super(text);
    this.name = "StoreItemNotFound";
    this.id = id;
    this.text = text;
  }

  /** The error for an `ids` filter naming a message that is not archived. */
  static forIds(id: string): StoreItemNotFound {
    return new StoreItemNotFound(id, `One of the requested message ids is not in the archive: ${id}`);
  }
}

/**
 * A write under a room ({@link Store.archive}, {@link Store.putParticipants}) before the room
 * itself was stored. Call {@link Store.putRoom} first.
 */
export class StoreRoomNotFound extends Error {
  /** The room that is not stored. */
  readonly key: RoomKey;

  constructor(key: RoomKey) {
    super(`Room ${key.room} of ${key.user} is not stored; call store.putRoom() before writing under it`);
    this.name = "StoreRoomNotFound";
    this.key = { user: key.user, room: key.room };
  }
}

/**
 * True for an error that says the store's disk is full: SQLite's `SQLITE_FULL` ("database or disk
 * is full", as a write, a commit or its replay throws it), PostgreSQL's SQLSTATE `53100`
 * (`disk_full`), or Node's `ENOSPC` from a store of your own. Anything else a write throws (an I/O error, a read-only file, a lock held too long)
 * is some other failure of the store.
 */
export function isStoreFull(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === "SQLITE_FULL" || code === "53100" || code === "ENOSPC";
}
