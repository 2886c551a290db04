/**
 * What the outbox tells its owner: every stanza it drops (`onDrop`, with the reason), a warning
 * when it refuses a stanza for its size or writes stanzas again after a reconnect (`onWarning`),
 * and counters of both ({@link OutboxStats}).
 */
import type { Element } from "@xmpp/component";

/**
 * Why the outbox dropped a stanza. `queue-full`: the queue's bound (`maxOutboxQueue`) was
 * reached, the oldest stanza goes. `too-large`: its serialized size is over `maxStanzaBytes`.
 * `not-durable`: it refers to an archived message that a failed commit lost (see
 * `Outbox.replaceIfLost`). `foreign-from`: its `from` is outside the component domain.
 * `undeliverable`: written on four connections in a row that each died before the server was
 * proven to have read it (a server whose size limit is below `maxStanzaBytes` closes the stream on it).
 */
export type DropReason = "foreign-from" | "queue-full" | "too-large" | "not-durable" | "undeliverable";

/** Counters of an outbox since it was created. */
export interface OutboxStats {
  /**
   * Stanzas written to a connection that died before the server was proven to have read them,
   * and written again on the next connection.
   */
  resent: number;
  /**
   * Of {@link resent}, those whose write had reached the socket: the server may have read them
   * before the connection died, so a client may get them twice (messages carry their XEP-0359
   * stanza-id, by which clients recognise a message they already have).
   */
  resentInDoubt: number;
  /**
   * Stanzas written and not proven read that the outbox no longer held when the connection died
   * (more than `maxOutboxQueue` were awaiting proof): they may be lost; they cannot be re-sent.
   */
  unconfirmedForgotten: number;
  /** Stanzas dropped, by reason (each also went to `onDrop`). */
  dropped: Record<DropReason, number>;
}

/** Counts and reports what an outbox drops and re-sends. @internal */
export class OutboxReport {
  readonly #onDrop: (stanza: Element, reason: DropReason, error?: unknown) => void;
  readonly #onWarning: (message: string) => void;
  readonly #stats: OutboxStats = {
    resent: 0,
    resentInDoubt: 0,
    unconfirmedForgotten: 0,
    dropped: { "foreign-from": 0, "queue-full": 0, "too-large": 0, "not-durable": 0, undeliverable: 0 },
  };

  constructor(onDrop?: (stanza: Element, reason: DropReason, error?: unknown) => void, onWarning?: (message: string) => void) {
    this.#onDrop = onDrop ?? (() => {});
    this.#onWarning = onWarning ?? (() => {});
  }

  /** A copy of the counters. */
  stats(): OutboxStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  drop(stanza: Element, reason: DropReason, error?: unknown): void {
    this.#stats.dropped[reason]++;
    this.#onDrop(stanza, reason, error);
  }

  /** A stanza of `bytes` refused for being over `limit`. */
  tooLarge(stanza: Element, bytes: number, limit: number): void {
    this.#onWarning(`dropped a ${stanza.name} to ${stanza.attrs.to ?? "?"} of ${bytes} bytes: over maxStanzaBytes (${limit} bytes)`);
    this.drop(stanza, "too-large");
  }

  /**
   * After a reconnect: `resent` stanzas queued again (`inDoubt` of them had been written),
   * `dropped` more that the queue's bound left out (already reported one by one), `forgotten`
   * beyond what the outbox held.
   */
  requeued(resent: number, inDoubt: number, dropped: number, forgotten: number): void {
    const s = this.#stats;
    s.resent += resent;
    s.resentInDoubt += Math.min(inDoubt, resent);
    s.unconfirmedForgotten += forgotten;
    const parts = [`re-sending ${resent} stanza(s) written to a connection that died before the server was proven to have read them`];
    if (inDoubt > 0) parts.push(`${Math.min(inDoubt, resent)} of them had reached the socket and may arrive twice`);
    if (dropped > 0) parts.push(`${dropped} dropped by the queue's bound (maxOutboxQueue)`);
    if (forgotten > 0) parts.push(`${forgotten} more were no longer held and may be lost`);
    this.#onWarning(parts.join("; "));
  }
}
