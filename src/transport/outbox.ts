/**
 * The one place stanzas leave the process: sends only while the component is online, keeps a
 * bounded queue while it reconnects, honours socket back-pressure, refuses any stanza whose
 * `from` is outside the component domain, and holds stanzas while the store has uncommitted
 * writes (a group commit), writing them once the commit is done, except those that refer to a
 * message the commit lost.
 */
import type { Element } from "@xmpp/component";
import { isFromDomain } from "../protocol/rfc7622.js";
import { type LostRow, LostRows, type Substitute } from "./lostRows.js";

export type { LostRow, Substitute } from "./lostRows.js";

/** The part of a component connection (an @xmpp/connection) the outbox uses. */
export interface OutboxConnection {
  status: string;
  socket: { writableLength: number; once(event: "drain", listener: () => void): unknown } | null;
  /** Writes serialized stanzas to the stream; rejects when the stream is closing or broken. */
  write(data: string): Promise<void>;
  on(event: "online", listener: () => void): unknown;
}

/** Characters of serialized stanzas joined into one socket write. */
const WRITE_CHUNK = 64 * 1024;

/**
 * Writes that must be durable before anything is sent: the {@link Store}'s group commit. While
 * `uncommitted` is true, stanzas wait until `afterCommit` calls back with the messages it lost.
 */
export interface WriteBarrier {
  readonly uncommitted: boolean;
  afterCommit(listener: (lost: readonly LostRow[]) => void): void;
}

/**
 * Why the outbox dropped a stanza. `not-durable`: it refers to an archived message the store
 * lost, and nothing may go out instead (a MAM result, an echo to the sender's other resources;
 * see {@link Outbox.replaceIfLost}).
 */
export type DropReason = "foreign-from" | "queue-full" | "send-failed" | "not-durable";

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
  /** Writes to make durable before sending (the store), if any. */
  barrier?: WriteBarrier;
}

/**
 * A FIFO of outgoing stanzas in front of the component connection.
 *
 * @remarks
 * Stanzas sent by one task go out together, in as few socket writes as possible: serialized and
 * joined up to {@link WRITE_CHUNK} characters a write, instead of one write (and one promise)
 * each. They are written on `process.nextTick` (Node runs it once the promise jobs queued so
 * far have run, so a burst of async work shares a write), or, while the store has uncommitted
 * writes, right after its group commit.
 *
 * @example
 * ```ts
 * const outbox = new Outbox(entity, { domain: "muc.example.org", maxQueue: 10_000 });
 * outbox.send(xml("message", { from: "room@muc.example.org", to: "user@example.org" }));
 * await outbox.flushed();
 * ```
 */
export class Outbox {
  readonly #connection: OutboxConnection;
  readonly #domain: string;
  readonly #maxQueue: number;
  readonly #highWaterMark: number;
  readonly #onDrop: NonNullable<OutboxOptions["onDrop"]>;
  readonly #barrier: WriteBarrier | undefined;
  #scheduled = false;
  #awaitingCommit = false;
  #queue: Element[] = [];
  #head = 0;
  #waitingForDrain = false;
  #idle: Array<() => void> = [];
  /** What to send instead of a stanza that turns out to refer to a lost message. */
  readonly #substitutes = new WeakMap<Element, Substitute>();
  /** The messages the store lost lately: nothing sent later may refer to them either. */
  readonly #lost = new LostRows();

  constructor(connection: OutboxConnection, options: OutboxOptions) {
    const maxQueue = options.maxQueue ?? 100_000;
    if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new TypeError("maxQueue option must be a positive integer");
    if (!options.domain) throw new TypeError("domain option must be a non-empty string");
    this.#connection = connection;
    this.#domain = options.domain;
    this.#maxQueue = maxQueue;
    this.#highWaterMark = options.highWaterMark ?? 256 * 1024;
    this.#onDrop = options.onDrop ?? (() => {});
    this.#barrier = options.barrier;
    // A new stream has a new socket: a drain awaited on the old one will never come.
    connection.on("online", () => {
      this.#waitingForDrain = false;
      this.#pump();
    });
  }

  /** Stanzas waiting to be written. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues a stanza and writes it as soon as the connection allows, in order. */
  send(given: Element): void {
    if (!isFromDomain(given.attrs.from, this.#domain)) {
      this.#onDrop(given, "foreign-from");
      return;
    }
    const stanza = this.#settle(given);
    if (!stanza) return;
    if (this.size >= this.#maxQueue) {
      const oldest = this.#queue[this.#head++] as Element;
      this.#onDrop(oldest, "queue-full");
    }
    this.#queue.push(stanza);
    this.#schedule();
  }

  /** Queues several stanzas, in order. */
  sendAll(stanzas: Iterable<Element>): void {
    for (const s of stanzas) this.send(s);
  }

  /**
   * Sends what `substitute` gives instead of `stanza` (queued now or later) if the store lost a
   * message `stanza` refers to: an error reply instead of the echo that answers a request, or
   * nothing. Without one, a live groupchat message goes out without the lost stanza-id and
   * anything else (a MAM result) is dropped (see {@link LostRows.settle}). `substitute` is
   * called only then; with no commit pending and no lost message, nothing is kept.
   */
  replaceIfLost(stanza: Element, substitute: Substitute): void {
    if (this.#barrier?.uncommitted || !this.#lost.empty) this.#substitutes.set(stanza, substitute);
  }

  /**
   * Says that the store lost these messages (a write that threw, or a failed commit it reported
   * elsewhere): what is queued or sent from now on that refers to one is settled as above.
   */
  markLost(rows: readonly LostRow[]): void {
    this.#lost.add(rows);
    this.#withhold();
  }

  /** Resolves when the queue is empty (or at once if it is). */
  flushed(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Pumps once the current burst of work is done, so that what it sent goes out in one write. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    process.nextTick(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Pumps once the store's pending writes are committed. */
  #awaitCommit(): void {
    if (this.#awaitingCommit) return;
    this.#awaitingCommit = true;
    this.#barrier?.afterCommit((lost) => {
      this.#awaitingCommit = false;
      if (lost.length > 0) this.markLost(lost);
      this.#pump();
    });
  }

  /**
   * Takes the queued stanzas that refer to a lost message out of the queue, putting in what
   * {@link LostRows.settle} gives. A stanza queued after its message was archived is either
   * here when the store says it is lost, or is sent later and settled by {@link send}.
   */
  #withhold(): void {
    const kept: Element[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const stanza = this.#settle(this.#queue[i] as Element);
      if (stanza) kept.push(stanza);
    }
    this.#queue = kept;
    this.#head = 0;
  }

  /** `stanza`, or what goes out instead if it refers to a lost message (nothing when dropped). */
  #settle(stanza: Element): Element | undefined {
    if (this.#lost.empty) return stanza;
    return this.#lost.settle(stanza, this.#substitutes.get(stanza), (s) => this.#onDrop(s, "not-durable"));
  }

  #pump(): void {
    const connection = this.#connection;
    if (this.size > 0 && this.#barrier?.uncommitted) return this.#awaitCommit();
    while (this.size > 0 && connection.status === "online" && !this.#waitingForDrain) {
      const socket = connection.socket;
      if (socket && socket.writableLength > this.#highWaterMark) {
        this.#waitingForDrain = true;
        socket.once("drain", () => {
          this.#waitingForDrain = false;
          this.#pump();
        });
        return;
      }
      const batch: Element[] = [];
      let data = "";
      while (this.size > 0 && data.length < WRITE_CHUNK) {
        const stanza = this.#queue[this.#head] as Element;
        this.#queue[this.#head++] = undefined as unknown as Element;
        batch.push(stanza);
        data += stanza.toString();
      }
      connection.write(data).catch((error: unknown) => {
        for (const stanza of batch) this.#onDrop(stanza, "send-failed", error);
      });
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
