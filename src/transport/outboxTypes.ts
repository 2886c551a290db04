/**
 * What the {@link Outbox} is built on and with: its connection, the store's write barrier, and
 * its options.
 */
import type { Element } from "@xmpp/component";
import type { LostRow } from "./lostRows.js";
import type { DropReason } from "./outboxReport.js";

/** The part of a component connection (an @xmpp/connection) the outbox uses. */
export interface OutboxConnection {
  status: string;
  socket: { writableLength: number; once(event: "drain", listener: () => void): unknown } | null;
  /** Writes serialized stanzas to the stream; rejects when the stream is closing or broken. */
  write(data: string): Promise<void>;
  on(event: "online", listener: () => void): unknown;
}

/**
 * Writes that must be durable before anything is sent: the {@link Store}'s group commit. While
 * `uncommitted` is true, stanzas wait until `afterCommit` calls back with the messages it lost.
 */
export interface WriteBarrier {
  readonly uncommitted: boolean;
  afterCommit(listener: (lost: readonly LostRow[]) => void): void;
}

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  /** The component domain; every `from` must be inside it. */
  domain: string;
  /** Most stanzas kept while offline or back-pressured; the oldest are dropped beyond it. */
  maxQueue?: number;
  /** Bytes buffered in the socket above which the outbox waits for `drain`. */
  highWaterMark?: number;
  /** Called for every dropped stanza (for logs and metrics). */
  onDrop?: (stanza: Element, reason: DropReason, error?: unknown) => void;
  /** Called when stanzas are written again after a reconnect, or refused for their size. */
  onWarning?: (message: string) => void;
  /**
   * Largest stanza written, in serialized UTF-8 bytes; bigger ones are dropped (`too-large`), and
   * an iq result over it is replaced by an iq error (`resource-constraint`). @defaultValue 491520
   */
  maxStanzaBytes?: number;
  /** Writes to make durable before sending (the store), if any. */
  barrier?: WriteBarrier;
}
