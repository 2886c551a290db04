/**
 * The archive writer of one room: what it archives (always before it is fanned out, so that
 * what a client received is in the archive), what it finds again by stanza-id, and the recent
 * messages reactions and corrections name; a retracted message becomes a tombstone. A room
 * without a store archives nothing and finds only recent messages. A message the store cannot
 * save (its write throws or rejects, or its group commit and replay fail) is reported as lost, so
 * that nothing claims it is archived. With an asynchronous store (PostgreSQL) every method that
 * reads or writes returns a promise; with a synchronous one its result at once (see
 * `store/eitherStore.ts`).
 */
import type { Element } from "@xmpp/component";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { type Awaitable, type GatewayStore, andThen, attempt, isPromise } from "../store/eitherStore.js";
import type { ArchivedMessage, LostMessage } from "../store/types.js";
import { parseElement } from "../protocol/parseXml.js";
import { parseReplace } from "../protocol/xep0308.js";
import { originId } from "../protocol/xep0359.js";
import { NS_RETRACT, tombstone } from "../protocol/xep0424.js";
import { MAM_MAX_PAGE } from "../store/mam.js";
import type { HistoryRequest } from "../protocol/xep0045.js";
import { archiveMessage, joinHistory, keyOf, wantsHistory } from "./archive.js";
import { type OwnMessage, RecentMessages } from "./recentMessages.js";

/** How many corrections of corrections a target is followed through to the original. */
const MAX_CORRECTION_CHAIN = 10;

/** One room's archive writer; requests see it as their `Traffic`. */
export class RoomArchive {
  readonly #room: LegacyRoom;
  /** Where messages are archived, if anywhere. */
  readonly store: GatewayStore | undefined;
  /** Recent messages, so that reactions can name them without a store read. */
  readonly messages = new RecentMessages();
  readonly #onLost: (lost: LostMessage) => void;
  /** True while a listener waits for the store's commit to say which of this room's messages it lost. */
  #watching = false;
  /**
   * True once a join found nothing archived, until this room archives something: later joins
   * then skip the store read. Only this room's actor writes its archive (a re-activated room
   * starts with a new `RoomArchive`, which reads again).
   */
  #empty = false;
  /** Messages archived so far: an archive read as empty is not taken as empty if one was archived meanwhile. */
  #writes = 0;

  /** `onLost` hears of each message of this room that the store could not save. */
  constructor(room: LegacyRoom, store: GatewayStore | undefined, onLost: (lost: LostMessage) => void = () => {}) {
    this.#room = room;
    this.store = store;
    this.#onLost = onLost;
  }

  /**
   * Archives a message (if the room has a store); `backfill` marks history fetched by `backfill`.
   * Never throws or rejects: a message the store cannot save goes to `onLost`, now (a synchronous
   * store), before the returned promise resolves (an asynchronous one: fan out after it), or
   * after its commit.
   */
  archive(stanza: Element | string, stanzaId: string, legacyId: string | undefined, when: Date | undefined, authorJid: string, backfill = false): Awaitable<void> {
    const store = this.store;
    if (!store) return;
    this.#empty = false;
    this.#writes++;
    let written: Awaitable<unknown>;
    try {
      written = archiveMessage(store, this.#room, { stanza, stanzaId, legacyId, when, authorJid, source: backfill ? "backfill" : "live" });
    } catch (error) {
      return this.#onLost({ ...keyOf(this.#room), stanzaId, error });
    }
    this.#watchCommit(store);
    if (!isPromise(written)) return;
    return written.then(
      () => undefined,
      (error) => this.#onLost({ ...keyOf(this.#room), stanzaId, error }),
    );
  }

  /** Listens for the end of the store's pending commit, to hear of this room's lost messages. */
  #watchCommit(store: GatewayStore): void {
    if (this.#watching || !store.uncommitted) return;
    this.#watching = true;
    store.afterCommit((lost) => {
      this.#watching = false;
      const { user, room } = keyOf(this.#room);
      for (const row of lost) if (row.user === user && row.room === room) this.#onLost(row);
    });
  }

  /**
   * The join history (XEP-0045 §7.2.15) for `to` ({@link joinHistory}); nothing without a store.
   * An archive seen empty is not read again until this room archives a message.
   */
  history(to: string, request: HistoryRequest): Awaitable<Element[]> {
    if (!this.store || this.#empty) return [];
    const writes = this.#writes;
    return andThen(joinHistory(this.store, this.#room, to, request), (stanzas) => {
      // Without bounds (a time, or `maxchars`, which drops what does not fit), none means none archived.
      const unbounded = wantsHistory(request) && request.since === undefined && request.seconds === undefined && request.maxchars === undefined;
      if (unbounded && stanzas.length === 0 && writes === this.#writes) this.#empty = true;
      return stanzas;
    });
  }

  /**
   * A message of the room by stanza-id: a recent one without a store read, else an archived one
   * (if the room has a store and it is there).
   */
  known(stanzaId: string): Awaitable<{ legacyId: string | null } | undefined> {
    const recent = this.messages.find(stanzaId);
    if (recent) return recent;
    return andThen(this.#row(stanzaId), (hit) => (hit ? { legacyId: hit.legacyId ?? null } : undefined));
  }

  /**
   * Replaces the archived message with this stanza-id, and its author's archived corrections of
   * it (XEP-0308, among their next {@link MAM_MAX_PAGE} messages), with tombstones holding
   * `retracted` (XEP-0424 §5): MAM keeps their place and stanza-ids but serves no body any more.
   * Each is archived again under its stanza-id (the store's upsert keeps its position), so it
   * takes the same way to disk as any message. Nothing happens without a store or such a message.
   * Never throws: a tombstone the store cannot write goes to `onLost` (before the returned
   * promise resolves, with an asynchronous store).
   */
  retract(stanzaId: string, retracted: Element): Awaitable<void> {
    return andThen(this.#row(stanzaId), (original) => {
      const store = this.store;
      if (!store || !original) return;
      this.#empty = false;
      this.#writes++;
      const stanza = parseElement(original.xml);
      const names = new Set([stanzaId, stanza.attrs.id, originId(stanza)]);
      const later = store.queryArchive(keyOf(this.#room), { with: original.authorJid, afterId: stanzaId, max: MAM_MAX_PAGE });
      return andThen(later, ({ messages }) => {
        const corrections = messages.filter((m) => {
          const corrected = safeReplace(parseElement(m.xml));
          return corrected !== undefined && names.has(corrected);
        });
        const writes = [original, ...corrections].map(({ seq: _seq, ...row }) =>
          // A full disk: the body stays in the archive. Reported like a lost message (a warning, and
          // the outbox serves none of that message's MAM results while it remembers the loss).
          attempt<unknown>(
            () => store.archive({ ...row, xml: tombstone(parseElement(row.xml), retracted).toString() }),
            (error) => this.#onLost({ ...keyOf(this.#room), stanzaId: row.stanzaId, error }),
          ),
        );
        const waiting = writes.filter(isPromise);
        return waiting.length > 0 ? Promise.all(waiting).then(() => undefined) : undefined;
      });
    });
  }

  /**
   * True when the archived message with this stanza-id is already a tombstone (XEP-0424 §5): a
   * plugin that reports a moderation the room already sent for the user's request (slidge's
   * plugins call `moderate()` when the legacy network confirms it) sends nothing twice.
   */
  isRetracted(stanzaId: string): Awaitable<boolean> {
    return andThen(this.#row(stanzaId), (row) => row !== undefined && parseElement(row.xml).getChild("retracted", NS_RETRACT) !== undefined);
  }

  /** The archived message with this stanza-id, if the room has a store and it is there. */
  #row(stanzaId: string): Awaitable<ArchivedMessage | undefined> {
    const store = this.store;
    if (!store) return undefined;
    const query = () => andThen(store.queryArchive(keyOf(this.#room), { ids: [stanzaId], max: 1 }), (page) => page.messages[0]);
    return attempt<ArchivedMessage | undefined>(query, () => undefined); // not archived
  }

  /**
   * The user's message that a correction names by `id`: its client id, origin-id or stanza-id.
   * Recent messages first, then the user's last {@link MAM_MAX_PAGE} archived messages (the room
   * may have been passivated or the gateway restarted since). A correction found this way stands
   * for the message it corrects.
   */
  ownMessage(id: string): Awaitable<OwnMessage | undefined> {
    const recent = this.messages.findOwn(id);
    if (recent || !this.store) return recent;
    const page = this.store.queryArchive(keyOf(this.#room), { with: this.#room._userParticipant().jid, before: "", max: MAM_MAX_PAGE });
    return andThen(page, ({ messages }) => ownAmong(messages, id));
  }

  /**
   * The XMPP id under which the user's clients saw the message with this stanza-id (or legacy
   * id): the id the user's client gave its own message, else the stanza-id itself.
   */
  xmppIdOf(stanzaId: string): Awaitable<string> {
    const own = this.messages.findOwn(stanzaId);
    if (own?.stanzaId === stanzaId) return own.xmppId ?? stanzaId;
    if (this.messages.find(stanzaId)) return stanzaId;
    return andThen(this.#row(stanzaId), (hit) => (hit && parseElement(hit.xml).attrs.id) || stanzaId);
  }
}

/** {@link RoomArchive.ownMessage} among the user's archived `messages`, following corrections to the original. */
function ownAmong(messages: ArchivedMessage[], id: string): OwnMessage | undefined {
  const mine = messages.map((m) => ({ m, stanza: parseElement(m.xml) }));
  let wanted = id;
  for (let hops = 0; hops < MAX_CORRECTION_CHAIN; hops++) {
    const hit = mine.findLast(({ m, stanza }) => m.stanzaId === wanted || stanza.attrs.id === wanted || originId(stanza) === wanted);
    if (!hit) return undefined;
    const corrected = safeReplace(hit.stanza);
    if (corrected === undefined) return { stanzaId: hit.m.stanzaId, legacyId: hit.m.legacyId ?? null, xmppId: hit.stanza.attrs.id };
    wanted = corrected;
  }
  return undefined;
}

/** The id a stored message corrects, if it is a correction. */
function safeReplace(stanza: Element): string | undefined {
  try {
    return parseReplace(stanza);
  } catch {
    return undefined;
  }
}

/** What the gateway's `onWarning` says of a message the store could not save. */
export function lostWarning(lost: LostMessage): string {
  const why = lost.error instanceof Error ? lost.error.message : String(lost.error);
  return (
    `message ${lost.stanzaId} of room ${lost.room} (user ${lost.user}) was not archived (${why}): it is not in MAM. ` +
    "If the user sent it, it reached the legacy network and the sender got an error instead of its echo; " +
    "if the legacy network sent it, it was delivered without a stanza-id"
  );
}
