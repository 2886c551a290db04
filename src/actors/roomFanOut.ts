/**
 * The fan-out of one room: sends live traffic to the resources the machine names, holds it for
 * resources whose join sequence is still going out (or has not started), and streams join
 * sequences in chunks, yielding to the event loop between them. Which resources are streaming
 * is the machine's state (`joined.streaming`); this only carries the stanzas.
 */
import type { Element } from "@xmpp/component";
import type { Audience } from "../machines/roomEvents.js";
import { stanzaIdOf } from "../protocol/xep0359.js";
import type { LostRow } from "../transport/lostRows.js";

/** Stanzas to send, built for the given resources. */
export type Plan = (resources: readonly string[]) => Element[];

/** Where a room sends stanzas. `size` and `flushed` let a long join respect back-pressure. */
export interface StanzaSink {
  send(stanza: Element): void;
  sendAll(stanzas: Iterable<Element>): void;
  /** Sends what `substitute` gives (nothing when undefined) instead of `stanza` if the store loses a message it refers to. */
  replaceIfLost?(stanza: Element, substitute: (lost: LostRow) => Element | undefined): void;
  /** Says that the store could not save these messages: nothing sent may refer to them as archived. */
  markLost?(rows: readonly LostRow[]): void;
  readonly size?: number;
  flushed?(): Promise<void>;
}

/** Stanzas of a join sequence sent per event-loop turn. */
const JOIN_CHUNK = 250;
/** Outbox backlog above which a streaming join waits for it to drain. */
const JOIN_BACKLOG = 2_000;

/** Sends a room's live traffic and join sequences; see the module comment. */
export class RoomFanOut {
  readonly #outbox: StanzaSink;
  readonly #machine: { deliver(event: { type: "join.streamed"; resource: string }): void };
  /** Created on first use: an idle room holds neither (~180 B each). */
  #held: Map<string, Plan[]> | undefined;
  #streams: Map<string, object> | undefined;
  /** Presences put off a turn (see {@link defer}), in the order they were put off. */
  #deferred: Array<(audience: Audience) => void> | undefined;

  /** `machine` hears `join.streamed` when a resource's join sequence and what was held for it are out. */
  constructor(outbox: StanzaSink, machine: { deliver(event: { type: "join.streamed"; resource: string }): void }) {
    this.#outbox = outbox;
    this.#machine = machine;
  }

  /**
   * Sends `plan` to `audience.now`, and holds it for the resources whose join sequence is going
   * out and, unless the join sequence lists it itself (`listedByJoins`), for those whose join
   * waits.
   */
  send(plan: Plan, audience: Audience, listedByJoins = false): void {
    this.sendDeferred(audience);
    if (audience.now.length > 0) this.#outbox.sendAll(plan(audience.now));
    for (const r of audience.streaming) this.#hold(r, plan);
    if (!listedByJoins) for (const r of audience.joining) if (!audience.streaming.includes(r)) this.#hold(r, plan);
  }

  /**
   * Puts off a stanza of the plugin's traffic (a new participant's first presence, so that what
   * the plugin sets on it next is in it) without letting later traffic overtake it: the next
   * {@link send}, or {@link sendDeferred}, sends it first, to that send's audience.
   */
  defer(sendTo: (audience: Audience) => void): void {
    if (this.#deferred) this.#deferred.push(sendTo);
    else this.#deferred = [sendTo];
  }

  /** Sends what was put off ({@link defer}), oldest first. */
  sendDeferred(audience: Audience): void {
    const deferred = this.#deferred;
    if (!deferred) return;
    this.#deferred = undefined;
    for (const sendTo of deferred) sendTo(audience);
  }

  /**
   * Sends a request's answer: what is addressed to a resource whose join sequence is going out
   * waits for the end of the sequence; the rest (and all of it with `now`) goes out at once.
   */
  sendAnswer(stanzas: Element[], streaming: readonly string[], jidOf: (resource: string) => string, send: (now: Element[]) => void): void {
    if (streaming.length === 0) return send(stanzas);
    const now = [...stanzas];
    for (const r of streaming) {
      const to = jidOf(r);
      const later = now.filter((s) => s.attrs.to === to);
      if (later.length === 0) continue;
      this.#hold(r, () => later);
      for (const s of later) now.splice(now.indexOf(s), 1);
    }
    send(now);
  }

  #hold(resource: string, plan: Plan): void {
    if (!this.#held) this.#held = new Map();
    const held = this.#held.get(resource);
    if (held) held.push(plan);
    else this.#held.set(resource, [plan]);
  }

  /**
   * Sends a join sequence to one resource, then what was held for it. Long sequences go out
   * {@link JOIN_CHUNK} stanzas per event-loop turn, waiting for the outbox when it backs up.
   */
  stream(resource: string, sequence: Iterable<Element>): void {
    const token = {};
    if (!this.#streams) this.#streams = new Map();
    this.#streams.set(resource, token);
    const stanzas = sequence[Symbol.iterator]();
    const step = (): void => {
      if (this.#streams?.get(resource) !== token) return;
      for (let n = 0; n < JOIN_CHUNK; n++) {
        const next = stanzas.next();
        if (next.done) return this.#finish(resource);
        this.#outbox.send(next.value);
      }
      if ((this.#outbox.size ?? 0) > JOIN_BACKLOG && this.#outbox.flushed) void this.#outbox.flushed().then(step);
      else setImmediate(step);
    };
    step();
  }

  /** The stanza-ids of the messages held for a resource whose join is under way. */
  heldStanzaIds(resource: string): Set<string> {
    const ids = new Set<string>();
    for (const plan of this.#held?.get(resource) ?? []) {
      for (const s of plan([resource])) {
        const id = stanzaIdOf(s);
        if (id !== undefined) ids.add(id);
      }
    }
    return ids;
  }

  /** Forgets what was held, and stops the join sequence, for one resource (or, without one, every resource). */
  forget(resource?: string): void {
    if (resource === undefined) {
      this.#held = undefined;
      this.#streams = undefined;
      this.#deferred = undefined;
      return;
    }
    this.#held?.delete(resource);
    this.#streams?.delete(resource);
  }

  /** Ends a join: what was held for the resource goes out, then the machine hears of it. */
  #finish(resource: string): void {
    this.#streams?.delete(resource);
    const held = this.#held?.get(resource) ?? [];
    this.#held?.delete(resource);
    for (const plan of held) this.#outbox.sendAll(plan([resource]));
    this.#machine.deliver({ type: "join.streamed", resource });
  }
}
