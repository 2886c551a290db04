/**
 * The stores' cache of room ids (`rooms.id` by user and room JID), so that archive writes and
 * queries of a known room skip the `rooms` read. Used by the SQLite and PostgreSQL stores.
 *
 * @internal
 * @module
 */
import { LRUCache } from "lru-cache";
import { roomKeyString } from "./validate.js";

/** How many room ids are cached for archive writes and queries. */
export const ROOM_ID_CACHE = 10_000;

/** Room ids by key, at most {@link ROOM_ID_CACHE}, with the one used last in front. @internal */
export class RoomIdCache {
  readonly #ids = new LRUCache<string, number>({ max: ROOM_ID_CACHE });
  /** The room id used last: a busy room's messages skip the key string and the LRU's bookkeeping. */
  #last: { user: string; room: string; id: number } | undefined;

  /** The room's id if it is cached. */
  get(user: string, room: string): number | undefined {
    const last = this.#last;
    if (last !== undefined && last.user === user && last.room === room) return last.id;
    const id = this.#ids.get(roomKeyString(user, room));
    if (id !== undefined) this.#last = { user, room, id };
    return id;
  }

  /** Caches an id the store read or wrote. */
  set(user: string, room: string, id: number): void {
    this.#ids.set(roomKeyString(user, room), id);
    this.#last = { user, room, id };
  }

  /** Forgets a deleted room. */
  delete(user: string, room: string): void {
    this.#ids.delete(roomKeyString(user, room));
    this.#last = undefined;
  }

  /** Forgets every id (after a rollback, ids may be reused). */
  clear(): void {
    this.#ids.clear();
    this.#last = undefined;
  }
}
