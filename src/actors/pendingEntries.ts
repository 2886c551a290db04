/**
 * What a room actor remembers of the joins, reads and requests it handed to its machine, by the
 * id the machine knows them by, until the machine says how each ended.
 */
import type { Element } from "@xmpp/component";
import { nanoid } from "nanoid";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { toStanzaError } from "../protocol/xmppError.js";
import { errorReply, type StanzaErrorData } from "../protocol/rfc6120.js";
import type { RequestKind, RoomEmitted } from "../machines/roomEvents.js";
import { type HistoryRequest, mucElement } from "../protocol/xep0045.js";
import { isStoreFull } from "../store/errors.js";
import type { RequestCancel } from "./requestAbort.js";
import type { Plan, StanzaSink } from "./roomFanOut.js";

/** Runs one request against the legacy room and says what to send when it succeeds. */
export type RequestHandler = (room: LegacyRoom, cancel: RequestCancel) => Promise<Plan>;

/** A join, read or request waiting for the machine. */
export type Pending =
  | { type: "join"; stanza: Element; resource: string; requestedNick: string; history: HistoryRequest }
  | { type: "read"; stanza: Element | undefined; answer: () => Element[] | Promise<Element[]>; fail?: (e: StanzaErrorData) => void }
  /**
   * A request: from a stanza, or, without one, a plugin hook the runtime queued (its failure is a
   * warning). `queuedAt`, `startedAt` and `endedAt` (`performance.now()`: queued, its callback
   * started, its callback ended) are noted only when `gateway.rooms` listens.
   */
  | { type: "request"; stanza: Element | undefined; run: RequestHandler; kind: RequestKind; plan?: Plan; queuedAt?: number; startedAt?: number; endedAt?: number };

/** The random part of this process's entry ids, so that two workers or two runs do not share ids. */
const ENTRY_ID_PREFIX = `${nanoid(8)}-`;
let lastEntryId = 0;

/**
 * A new id for a join, read or request: a random prefix drawn once per process, then a counter in
 * base 36. Unique like a nanoid (across rooms, passivations and the workers of a cluster, whose
 * `gateway.rooms` events carry it), at the cost of a counter: in a tight loop, an id with a Map
 * set and delete takes 0.11 µs, against 0.37 µs with a nanoid. Not a secret: it names an entry,
 * never a stanza.
 */
export function newEntryId(): string {
  return ENTRY_ID_PREFIX + (++lastEntryId).toString(36);
}

/** Pending entries by id; the map exists only while one does (an idle room holds none, ~180 B saved). */
export class PendingEntries {
  #byId: Map<string, Pending> | undefined;

  /** True when nothing waits. */
  get empty(): boolean {
    return this.#byId === undefined;
  }

  set(id: string, entry: Pending): void {
    if (!this.#byId) this.#byId = new Map();
    this.#byId.set(id, entry);
  }

  get(id: string): Pending | undefined {
    return this.#byId?.get(id);
  }

  /**
   * For a room's `request.started` or `request.settled` event, when `gateway.rooms` listens (the
   * request was timed): a start notes its time; a settlement gives the request's kind and timings.
   */
  timing(event: RoomEmitted): { kind: RequestKind; waitedMs: number; durationMs: number } | undefined {
    if (event.type !== "request.started" && event.type !== "request.settled") return undefined;
    const entry = this.get(event.id);
    if (entry?.type !== "request" || entry.queuedAt === undefined) return undefined;
    const now = performance.now();
    if (event.type === "request.started") {
      // The runner notes the real start; a report names several requests at once.
      entry.startedAt ??= now;
      return undefined;
    }
    const started = entry.startedAt ?? now;
    // The runner reports several requests at once: a callback ended when the runner noted it.
    return { kind: entry.kind, waitedMs: started - entry.queuedAt, durationMs: (entry.endedAt ?? now) - (entry.startedAt ?? entry.queuedAt) };
  }

  /** The ids of every entry. */
  ids(): string[] {
    return this.#byId ? [...this.#byId.keys()] : [];
  }

  /** A read without a stanza, as a promise that the machine's answer resolves and its failure rejects. */
  promise(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const answer = () => {
        resolve();
        return [];
      };
      this.set(id, { type: "read", stanza: undefined, answer, fail: (e) => reject(Object.assign(new Error(e.text), e)) });
    });
  }

  /** Removes and returns the entry. */
  take(id: string): Pending | undefined {
    const entry = this.#byId?.get(id);
    if (this.#byId?.delete(id) && this.#byId.size === 0) this.#byId = undefined;
    return entry;
  }
}

/**
 * Answers a join, read or request that failed: an error reply from `by` (the room; a presence
 * error echoes the muc `<x/>`), or the read's own `fail` for a read the runtime made.
 */
export function answerFailure(entry: Pending, error: StanzaErrorData, outbox: StanzaSink, by: string): void {
  if (entry.type === "read" && entry.fail) return entry.fail(error);
  const stanza = entry.stanza;
  if (!stanza || stanza.attrs.type === "error") return;
  const payload = stanza.name === "presence" ? [mucElement()] : [];
  outbox.send(errorReply(stanza, { ...error, by }, ...payload));
}

/** Sends a read's answer, or the error its answer failed with (from `by`, the room). */
export function answerRead(entry: Pending & { type: "read" }, outbox: StanzaSink, by: string): void {
  const stanza = entry.stanza;
  Promise.resolve()
    .then(entry.answer)
    .then(
      (stanzas) => outbox.sendAll(stanzas),
      (error: unknown) => stanza && outbox.send(errorReply(stanza, { ...toStanzaError(error), by })),
    );
}

/**
 * What the sender of a message gets instead of its echo when the store could not archive it
 * (`error`: what the store's write failed with). `resource-constraint` when its disk is full
 * (the condition says it on its own, in clients that show no text), else
 * `internal-server-error`. Type `cancel`, not `wait`: the legacy network already has the
 * message, and sending it again would post it twice.
 */
function notArchived(error: unknown): StanzaErrorData {
  const full = isStoreFull(error);
  const why = full ? "the gateway's storage is full" : "the gateway could not archive it";
  return {
    condition: full ? "resource-constraint" : "internal-server-error",
    type: "cancel",
    text: `Your message reached the legacy network, but ${why}, so it is not in this room's history. Do not send it again.`,
  };
}

/**
 * Guards the answer to a user's message before it goes out (now, or after a join under way):
 * its echoes name the archived message, so if the store fails to save it, the resource that
 * sent it gets {@link notArchived} instead of its echo, and the user's other resources nothing.
 */
export function guardEchoes(request: Element, stanzas: Element[], outbox: StanzaSink, by: string): void {
  if (request.name !== "message" || !outbox.replaceIfLost) return;
  const error = (lost: { error?: unknown }) => errorReply(request, { ...notArchived(lost.error), by });
  for (const s of stanzas) outbox.replaceIfLost(s, s.attrs.to === request.attrs.from ? error : () => undefined);
}
