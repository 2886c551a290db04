/**
 * The stanza-ids of a room's recent messages and their legacy ids, so that a reaction can name
 * its target without a store read. Bounded per room; older messages are looked up in the archive.
 */

/** Messages remembered per room. */
export const RECENT_MESSAGES = 500;

/**
 * Recent messages of one room: a Map in insertion order, trimmed from the oldest. A plain Map
 * grows with use, where an LRU cache of this size preallocates ~10 KiB in every room that has
 * had one message; the most recent messages are what reactions name, so insertion order is
 * the right order to forget in.
 */
export class RecentMessages {
  #byStanzaId: Map<string, string | null> | undefined;

  /** Remembers a message by stanza-id. */
  record(stanzaId: string, legacyId: string | undefined): void {
    if (!this.#byStanzaId) this.#byStanzaId = new Map();
    const recent = this.#byStanzaId;
    recent.delete(stanzaId);
    recent.set(stanzaId, legacyId ?? null);
    if (recent.size > RECENT_MESSAGES) recent.delete(recent.keys().next().value as string);
  }

  /** The message with this stanza-id: its legacy id (or null when it has none), or undefined when unknown. */
  find(stanzaId: string): { legacyId: string | null } | undefined {
    const legacyId = this.#byStanzaId?.get(stanzaId);
    return legacyId === undefined ? undefined : { legacyId };
  }
}
