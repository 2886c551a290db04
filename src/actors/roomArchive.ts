/**
 * The archive writer of one room: what it archives (always before it is fanned out, so that
 * what a client received is in the archive), what it finds again by stanza-id, and the recent
 * messages reactions name. A room without a store archives nothing and finds only recent messages.
 */
import type { Element } from "@xmpp/component";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { Store } from "../store/types.js";
import { archiveMessage, keyOf } from "./archive.js";
import { RecentMessages } from "./recentMessages.js";

/** One room's archive writer; requests see it as their `Traffic`. */
export class RoomArchive {
  readonly #room: LegacyRoom;
  /** Where messages are archived, if anywhere. */
  readonly store: Store | undefined;
  /** Recent messages, so that reactions can name them without a store read. */
  readonly messages = new RecentMessages();

  constructor(room: LegacyRoom, store: Store | undefined) {
    this.#room = room;
    this.store = store;
  }

  /** Archives a message (if the room has a store); `backfill` marks history fetched by `backfill`. */
  archive(stanza: Element, stanzaId: string, legacyId: string | undefined, when: Date | undefined, authorJid: string, backfill = false): void {
    if (!this.store) return;
    archiveMessage(this.store, this.#room, { stanza, stanzaId, legacyId, when, authorJid, source: backfill ? "backfill" : "live" });
  }

  /** A message found in the archive by stanza-id, if the room has a store and it is there. */
  archived(stanzaId: string): { legacyId: string | null } | undefined {
    if (!this.store) return undefined;
    try {
      const hit = this.store.queryArchive(keyOf(this.#room), { ids: [stanzaId], max: 1 }).messages[0];
      return hit ? { legacyId: hit.legacyId ?? null } : undefined;
    } catch {
      return undefined; // not archived
    }
  }
}
