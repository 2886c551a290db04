/**
 * The stanza-ids of a room's recent messages and their legacy ids, so that a reaction can name
 * its target without a store read. Bounded per room; older messages are looked up in the archive.
 */
import { LRUCache } from "lru-cache";

/** Messages remembered per room. */
export const RECENT_MESSAGES = 500;

/** Recent messages of one room, created lazily. */
export class RecentMessages {
  #cache: LRUCache<string, { legacyId: string | null }> | undefined;

  /** Remembers a message by stanza-id. */
  record(stanzaId: string, legacyId: string | undefined): void {
    this.#cache ??= new LRUCache({ max: RECENT_MESSAGES });
    this.#cache.set(stanzaId, { legacyId: legacyId ?? null });
  }

  /** The message with this stanza-id: its legacy id (or null when it has none), or undefined when unknown. */
  find(stanzaId: string): { legacyId: string | null } | undefined {
    return this.#cache?.get(stanzaId);
  }
}
