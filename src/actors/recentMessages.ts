/**
 * The stanza-ids of a room's recent messages and their legacy ids, so that a reaction can name
 * its target without a store read; and the user's own recent messages by every id their
 * clients know them by, so that a correction (XEP-0308) can name its target. Bounded per room;
 * older messages are looked up in the archive.
 */

/** Messages remembered per room. */
export const RECENT_MESSAGES = 500;

/** One of the user's messages, as a correction finds it. */
export interface OwnMessage {
  /** Its stanza-id in the room's archive. */
  stanzaId: string;
  /** Its legacy id, or null when it has none. */
  legacyId: string | null;
  /** The XMPP id the user's clients saw it with (the id the client gave it, or its legacy id). */
  xmppId: string | undefined;
}

/**
 * Recent messages of one room: Maps in insertion order, trimmed from the oldest. A plain Map
 * grows with use, where an LRU cache of this size preallocates ~10 KiB in every room that has
 * had one message; the most recent messages are what reactions and corrections name, so
 * insertion order is the right order to forget in.
 */
export class RecentMessages {
  #byStanzaId: Recent<string | null> | undefined;
  /** The user's messages by client id, origin-id and stanza-id (up to three keys each). */
  #own: Recent<OwnMessage> | undefined;

  /** Remembers a message by stanza-id. */
  record(stanzaId: string, legacyId: string | undefined): void {
    if (!this.#byStanzaId) this.#byStanzaId = new Recent(RECENT_MESSAGES);
    this.#byStanzaId.set(stanzaId, legacyId ?? null);
  }

  /** The message with this stanza-id: its legacy id (or null when it has none), or undefined when unknown. */
  find(stanzaId: string): { legacyId: string | null } | undefined {
    const legacyId = this.#byStanzaId?.get(stanzaId);
    return legacyId === undefined ? undefined : { legacyId };
  }

  /**
   * Remembers `message` as the user's, under each of `ids` (its client id, origin-id, stanza-id;
   * for a correction, its own ids with the message it corrects, so that a correction of the
   * correction finds the original).
   */
  recordOwn(message: OwnMessage, ids: ReadonlyArray<string | undefined>): void {
    if (!this.#own) this.#own = new Recent(3 * RECENT_MESSAGES);
    // Each id once, in order, without a Set per message (this runs for every message the user sends).
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id && ids.indexOf(id) === i) this.#own.set(id, message);
    }
  }

  /** The user's message known by `id` (client id, origin-id or stanza-id), if it is recent. */
  findOwn(id: string): OwnMessage | undefined {
    return this.#own?.get(id);
  }
}

/**
 * A Map of at most `max` entries that forgets its oldest. The oldest is found by one iterator
 * that lives as long as the map: a Map keeps a deleted entry as a hole until it rehashes, and a
 * new iterator per eviction stepped over every hole left since (2.7 % of the roundtrip
 * benchmark's time); this one passes each hole once. Every entry it has passed was forgotten, so
 * the next key it yields is always the oldest one left.
 */
class Recent<V> {
  readonly #map = new Map<string, V>();
  readonly #oldest = this.#map.keys();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  /** Sets `key` as the newest entry, forgetting the oldest beyond `max`. */
  set(key: string, value: V): void {
    const map = this.#map;
    const size = map.size;
    map.set(key, value);
    // A key already there kept its place: move it to the end. A new one (the usual case) cost one
    // hash look-up instead of a `delete` that missed and then a `set`.
    if (map.size === size) {
      map.delete(key);
      map.set(key, value);
    } else if (map.size > this.#max) map.delete(this.#oldest.next().value as string);
  }
}
