/**
 * Live room traffic: what the plugin's room sends while it runs (messages, presences, renames,
 * subject and configuration changes), fanned out to every joined resource, and held for a
 * resource whose join sequence has not finished, so that it never interleaves with it.
 * Join sequences of big rooms are streamed in chunks, yielding to the event loop between them.
 */
import type { Element } from "@xmpp/component";
import type { LegacyParticipant, SendTextOptions } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { DETACHED_HOST } from "../legacy/RoomHost.js";
import { Status, roomStatusMessage } from "../protocol/xep0045.js";
import type { Store } from "../store/types.js";
import { stanzaIdOf } from "../protocol/xep0359.js";
import { archiveMessage, keyOf, newStanzaId } from "./archive.js";
import { RecentMessages } from "./recentMessages.js";
import { participantRecord, saveRoom } from "./roomRecords.js";
import {
  participantMessage,
  participantPresence,
  participantReactions,
  renamePresences,
  subjectMessage,
  userJid,
} from "./roomStanzas.js";

/** Stanzas to send, built for the given resources. */
export type Plan = (resources: readonly string[]) => Element[];

/** Where a room sends stanzas. `size` and `flushed` let a long join respect back-pressure. */
export interface StanzaSink {
  send(stanza: Element): void;
  sendAll(stanzas: Iterable<Element>): void;
  /** Sends `substitute` instead of `stanza` if a message it refers to is lost by a failed commit. */
  replaceIfLost?(stanza: Element, substitute: () => Element): void;
  readonly size?: number;
  flushed?(): Promise<void>;
}

/** Stanzas of a join sequence sent per event-loop turn. */
const JOIN_CHUNK = 250;
/** Outbox backlog above which a streaming join waits for it to drain. */
const JOIN_BACKLOG = 2_000;

/** The traffic half of a room actor; see {@link RoomActor}. */
export abstract class RoomTraffic {
  readonly room: LegacyRoom;
  protected readonly outbox: StanzaSink;
  /** Recent messages, so that reactions can name them. */
  readonly messages = new RecentMessages();
  /** Created on first use, like {@link #streaming}: an idle room holds neither (~180 B each). */
  #held: Map<string, Plan[]> | undefined;
  #streaming: Map<string, object> | undefined;

  /** Where messages are archived, if anywhere. */
  readonly store: Store | undefined;

  constructor(room: LegacyRoom, outbox: StanzaSink, store?: Store) {
    this.room = room;
    this.outbox = outbox;
    this.store = store;
  }

  /** The resources in the room, and the resources whose join waits for the room. */
  protected abstract membership(): { resources: readonly string[]; joins: ReadonlyArray<{ resource: string }> };

  /**
   * True when a participant change is written to the store at once: not before `updateInfo`
   * stored the room, and not while `fillParticipants` runs (the whole list is written when it ends).
   */
  protected abstract savesParticipants(): boolean;

  /** The user's full JID for one of their resources. */
  fullJid(resource: string): string {
    return userJid(this.room, resource);
  }

  participantMessage(p: LegacyParticipant, body: string, options: SendTextOptions): void {
    const id = options.legacyId ?? newStanzaId();
    const ids = { id, stanzaId: id, when: options.when };
    const archiveOnly = options.archiveOnly === true || this.room._backfilling;
    // Archived before it is fanned out: what a client received is always in the archive.
    this.archive(participantMessage(p, this.room.session.user, body, ids), id, options.legacyId, options.when, p.jid, archiveOnly);
    this.messages.record(id, options.legacyId);
    if (archiveOnly) return;
    this.announce(p);
    this.live((rs) => rs.map((r) => participantMessage(p, this.fullJid(r), body, ids)));
  }

  /** A message found in the archive by stanza-id, if the room has a store and it is there. */
  archived(stanzaId: string): { legacyId: string | null } | undefined {
    if (!this.store) return undefined;
    try {
      const hit = this.store.queryArchive(keyOf(this.room), { ids: [stanzaId], max: 1 }).messages[0];
      return hit ? { legacyId: hit.legacyId ?? null } : undefined;
    } catch {
      return undefined; // not archived
    }
  }

  /** Archives a message (if the room has a store). */
  archive(stanza: Element, stanzaId: string, legacyId: string | undefined, when: Date | undefined, authorJid: string, backfill = false): void {
    if (!this.store) return;
    archiveMessage(this.store, this.room, { stanza, stanzaId, legacyId, when, authorJid, source: backfill ? "backfill" : "live" });
  }

  participantReaction(p: LegacyParticipant, legacyMsgId: string, emojis: string[], legacyId?: string): void {
    const stanzaId = legacyId ?? newStanzaId();
    const reactions = { target: legacyMsgId, emojis, stanzaId };
    this.archive(participantReactions(p, this.room.session.user, reactions), stanzaId, legacyId, undefined, p.jid);
    this.announce(p);
    this.live((rs) => rs.map((r) => participantReactions(p, this.fullJid(r), reactions)));
  }

  participantJoined(p: LegacyParticipant): void {
    // Deferred a turn, so that what the plugin sets right after creating the participant
    // (affiliation, role, presence) is in its first presence instead of a second one.
    setImmediate(() => this.announce(p));
  }

  participantChanged(p: LegacyParticipant): void {
    if (p._presenceSent) this.live((rs) => rs.map((r) => participantPresence(p, this.fullJid(r))));
  }

  saveParticipant(p: LegacyParticipant): void {
    if (this.store && this.room._isStored(p) && this.savesParticipants()) this.store.putParticipant(keyOf(this.room), participantRecord(p));
  }

  #deleteParticipant(resource: string): void {
    if (this.store && this.savesParticipants()) this.store.deleteParticipant(keyOf(this.room), resource);
  }

  participantRemoved(p: LegacyParticipant, options: { kick?: boolean; ban?: boolean; reason?: string }): void {
    this.#deleteParticipant(p.resource);
    if (!p._presenceSent) return;
    p._presenceSent = false;
    const codes = options.ban ? [Status.BANNED] : options.kick ? [Status.KICKED] : [];
    const extras = {
      type: "unavailable" as const,
      statusCodes: codes,
      reason: options.reason,
      affiliation: options.ban ? ("outcast" as const) : undefined,
    };
    this.live((rs) => rs.map((r) => participantPresence(p, this.fullJid(r), extras)));
  }

  participantRenamed(p: LegacyParticipant, oldResource: string): void {
    this.#deleteParticipant(oldResource);
    this.saveParticipant(p);
    if (p._presenceSent) this.live((rs) => rs.flatMap((r) => renamePresences(p, oldResource, this.fullJid(r))));
  }

  /** Writes the room's info after a change (when the room has a store). */
  protected saveRoom(): void {
    if (this.store && !this.room._quiet) saveRoom(this.store, this.room);
  }

  subjectChanged(): void {
    this.saveRoom();
    this.live((rs) => rs.map((r) => subjectMessage(this.room, this.fullJid(r), { live: true })));
  }

  configChanged(): void {
    this.saveRoom();
    this.live((rs) => rs.map((r) => roomStatusMessage(this.room.jid, this.fullJid(r), [Status.CONFIG_CHANGED])));
  }

  /** Sends a stored participant's presence once per run: when it appears, or before its first message. */
  protected announce(p: LegacyParticipant): void {
    if (p._presenceSent || p.isUser || p.isSystem) return;
    if (!this.room._storedParticipants().includes(p)) return;
    p._presenceSent = true;
    // Joins that have not started yet list it themselves: it is stored.
    this.live((rs) => rs.map((r) => participantPresence(p, this.fullJid(r))), false);
  }

  /**
   * Sends live traffic to joined resources. Holds it for resources whose join sequence is
   * streaming, and (with `holdPending`) for resources whose join has not started yet.
   */
  protected live(plan: Plan, holdPending = true): void {
    const { resources, joins } = this.membership();
    const streaming = this.#streaming;
    const now = streaming ? resources.filter((r) => !streaming.has(r)) : resources;
    this.outbox.sendAll(plan(now));
    const later = streaming ? [...streaming.keys()] : [];
    if (holdPending) for (const j of joins) if (!resources.includes(j.resource)) later.push(j.resource);
    for (const resource of new Set(later)) {
      if (!this.#held) this.#held = new Map();
      const held = this.#held.get(resource) ?? [];
      held.push(plan);
      this.#held.set(resource, held);
    }
  }

  /**
   * Sends a join sequence to one resource, then what was held for it. Long sequences go out
   * {@link JOIN_CHUNK} stanzas per event-loop turn, waiting for the outbox when it backs up.
   */
  protected streamJoin(resource: string, sequence: Iterable<Element>): void {
    const token = {};
    if (!this.#streaming) this.#streaming = new Map();
    this.#streaming.set(resource, token);
    const stanzas = sequence[Symbol.iterator]();
    const step = (): void => {
      if (this.#streaming?.get(resource) !== token) return;
      for (let n = 0; n < JOIN_CHUNK; n++) {
        const next = stanzas.next();
        if (next.done) return this.#finishJoin(resource);
        this.outbox.send(next.value);
      }
      if ((this.outbox.size ?? 0) > JOIN_BACKLOG && this.outbox.flushed) void this.outbox.flushed().then(step);
      else setImmediate(step);
    };
    step();
  }

  /** The stanza-ids of the messages held for a resource whose join is under way. */
  protected heldStanzaIds(resource: string): Set<string> {
    const ids = new Set<string>();
    for (const plan of this.#held?.get(resource) ?? []) {
      for (const s of plan([resource])) {
        const id = stanzaIdOf(s);
        if (id !== undefined) ids.add(id);
      }
    }
    return ids;
  }

  /** Ends a join: what was held for the resource goes out. */
  #finishJoin(resource: string): void {
    this.#streaming?.delete(resource);
    const held = this.#held?.get(resource) ?? [];
    this.#held?.delete(resource);
    for (const plan of held) this.outbox.sendAll(plan([resource]));
  }

  /**
   * The room ended (destroyed, or the user removed): its rows go, as slidge deletes them, and
   * what the plugin still does to its `LegacyRoom` is dropped.
   */
  protected forget(): void {
    this.forgetHeld();
    this.room._host = DETACHED_HOST;
    this.store?.deleteRoom(this.room.session.user, this.room.jid);
  }

  /** Forgets what was held (and any join streaming) for a resource that left or failed to join. */
  protected forgetHeld(resource?: string): void {
    if (resource === undefined) {
      this.#held = undefined;
      this.#streaming = undefined;
      return;
    }
    this.#held?.delete(resource);
    this.#streaming?.delete(resource);
  }
}
