/**
 * Errors thrown by {@link Store} implementations.
 *
 * @module
 */
import type { PostgresStoreOptions } from "./postgresOptions.js";
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

/**
 * A write for a user's rooms carried a fencing token that is no longer the user's current one:
 * another gateway process took the user's lease over (or this one released it), so this process
 * must stop serving that user's rooms. Nothing of the refused write is stored.
 *
 * @remarks
 * Thrown (as a rejection) by a PostgreSQL store opened with the `fencing` option
 * ({@link PostgresStoreOptions.fencing}). The check runs in the write's own transaction, so a
 * process that was paused past its lease (SIGSTOP, a long GC, a frozen VM) and wakes up cannot
 * write over the new owner.
 *
 * The condition is `service-unavailable` with type `wait` (RFC 6120 §8.3.3.19 and §8.3.2): this
 * process "does not currently provide the requested service" for that user, and the error is
 * temporary, since the user's stanzas reach the new owner once ejabberd routes them there. See
 * docs/scale-out.md, "Ownership (leases)".
 */
export class LeaseLostError extends Error {
  /** The XMPP stanza error condition to answer with. */
  readonly condition = "service-unavailable" as const;
  /** The error type: retry later. */
  readonly type = "wait" as const;
  /** The user (bare JID) whose lease this process no longer holds. */
  readonly user: string;
  /** The fencing token the write carried; `undefined` when this process held no lease at all. */
  readonly token: number | undefined;
  /** Text for the `<error/>` element. */
  readonly text = "Your rooms are moving to another gateway process; try again in a few seconds";

  constructor(user: string, token: number | undefined) {
    super(
      token === undefined
        ? `No lease held for ${user}: acquire the user's lease before writing for its rooms`
        : `The lease of ${user} was taken over: fencing token ${token} is no longer current, the write was refused`,
    );
    this.name = "LeaseLostError";
    this.user = user;
    this.token = token;
  }
}
