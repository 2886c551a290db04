/**
 * The one place stanzas leave the process: sends only while the component is online, keeps a
 * bounded queue while it reconnects, honours socket back-pressure, refuses any stanza whose
 * `from` is outside the component domain or whose size is over `maxStanzaBytes`, and holds
 * stanzas while the store has uncommitted writes (a group commit), writing them once the commit
 * is done, except those that refer to a message the commit lost. What it wrote to a connection
 * that died before the server was known to have read it is written again, first, on the next
 * one (see {@link DeliveryLog}).
 */
import type { Element } from "@xmpp/component";
import { referencedStanzaIds } from "../protocol/xep0359.js";
import { bareJid, isFromDomain } from "../protocol/rfc7622.js";
import { DEFAULT_MAX_STANZA_BYTES, isOverLimit, tooLargeAnswer } from "../protocol/stanzaSize.js";
import { DeliveryLog } from "./deliveryLog.js";
import { OutboxReport, type DropReason, type OutboxStats } from "./outboxReport.js";

export type { DropReason, OutboxStats } from "./outboxReport.js";

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

/** An archived message a failed commit lost: the user's bare JID, the room JID, its stanza-id. */
export interface LostRow {
  user: string;
  room: string;
  stanzaId: string;
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
  readonly #maxStanzaBytes: number;
  readonly #report: OutboxReport;
  readonly #barrier: WriteBarrier | undefined;
  /** What was written to this stream and not yet proven read by the server. */
  readonly #log: DeliveryLog;
  #scheduled = false;
  #probeTimer: NodeJS.Timeout | undefined;
  #awaitingCommit = false;
  #queue: Element[] = [];
  #head = 0;
  #waitingForDrain = false;
  #idle: Array<() => void> = [];
  /** What to send instead of a stanza that turns out to refer to a lost message. */
  readonly #substitutes = new WeakMap<Element, () => Element>();

  constructor(connection: OutboxConnection, options: OutboxOptions) {
    const maxQueue = options.maxQueue ?? 100_000;
    if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new TypeError("maxQueue option must be a positive integer");
    if (!options.domain) throw new TypeError("domain option must be a non-empty string");
    this.#connection = connection;
    this.#domain = options.domain;
    this.#maxQueue = maxQueue;
    this.#highWaterMark = options.highWaterMark ?? 256 * 1024;
    this.#maxStanzaBytes = options.maxStanzaBytes ?? DEFAULT_MAX_STANZA_BYTES;
    this.#report = new OutboxReport(options.onDrop, options.onWarning);
    this.#barrier = options.barrier;
    this.#log = new DeliveryLog(options.domain, maxQueue);
    // A new stream has a new socket: a drain awaited on the old one will never come. What the
    // old one did not prove delivered goes first.
    connection.on("online", () => {
      this.#waitingForDrain = false;
      this.#requeueUnconfirmed();
      this.#pump();
    });
  }

  /** Counters of what was written again and what was dropped, by reason, since the start. */
  get stats(): OutboxStats {
    return this.#report.stats();
  }

  /** True for one of the outbox's delivery probes ({@link DeliveryLog}), which it takes: nothing else should see it. */
  confirm(stanza: Element): boolean {
    if (!this.#log.confirm(stanza)) return false;
    if (this.#log.unconfirmed) this.#schedule();
    return true;
  }

  /** Puts what the last stream did not prove delivered back in front of the queue, within the bound. */
  #requeueUnconfirmed(): void {
    const taken = this.#log.takeUnconfirmed();
    if (taken.stanzas.length === 0 && taken.undeliverable.length === 0 && taken.forgotten === 0) return;
    for (const stanza of taken.undeliverable) this.#report.drop(stanza, "undeliverable");
    const { stanzas, inDoubt } = taken;
    this.#queue = [...stanzas, ...this.#queue.slice(this.#head)];
    this.#head = 0;
    const over = Math.max(0, this.size - this.#maxQueue);
    for (let i = 0; i < over; i++) this.#report.drop(this.#queue[this.#head++] as Element, "queue-full");
    this.#report.requeued(stanzas.length - over, inDoubt, over, taken.forgotten);
  }

  /** Stanzas waiting to be written. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues a stanza and writes it as soon as the connection allows, in order. */
  send(stanza: Element): void {
    if (!isFromDomain(stanza.attrs.from, this.#domain)) {
      this.#report.drop(stanza, "foreign-from");
      return;
    }
    if (this.size >= this.#maxQueue) {
      const oldest = this.#queue[this.#head++] as Element;
      this.#report.drop(oldest, "queue-full");
    }
    this.#queue.push(stanza);
    this.#schedule();
  }

  /** Queues several stanzas, in order. */
  sendAll(stanzas: Iterable<Element>): void {
    for (const s of stanzas) this.send(s);
  }

  /**
   * Sends `substitute` instead of `stanza` (queued now or later) if a failed commit lost a
   * message `stanza` refers to: an error reply instead of the echo that answers a request.
   * Without one, such a stanza is dropped. `substitute` is built only then; with no commit
   * pending, nothing can be lost and nothing is kept.
   */
  replaceIfLost(stanza: Element, substitute: () => Element): void {
    if (this.#barrier?.uncommitted) this.#substitutes.set(stanza, substitute);
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

  /** Pumps again when the log's next probe is due (an idle timer: it keeps no process alive). */
  #probeLater(): void {
    const wait = this.#log.probeDueIn();
    if (wait === undefined || this.#probeTimer) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      this.#pump();
    }, wait);
    this.#probeTimer.unref();
  }

  /** Pumps once the store's pending writes are committed. */
  #awaitCommit(): void {
    if (this.#awaitingCommit) return;
    this.#awaitingCommit = true;
    this.#barrier?.afterCommit((lost) => {
      this.#awaitingCommit = false;
      if (lost.length > 0) this.#withhold(lost);
      this.#pump();
    });
  }

  /**
   * Takes the held stanzas that refer to a lost message out of the queue, putting in their
   * substitutes. Every held stanza was queued after its message was archived, so the lost ones
   * are all here.
   */
  #withhold(lost: readonly LostRow[]): void {
    const keys = new Set(lost.map((row) => `${row.user}\n${row.room}\n${row.stanzaId}`));
    const kept: Element[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const stanza = this.#queue[i] as Element;
      const to = bareJid(stanza.attrs.to ?? "");
      if (!referencedStanzaIds(stanza).some((ref) => keys.has(`${to}\n${ref.by}\n${ref.id}`))) {
        kept.push(stanza);
        continue;
      }
      const substitute = this.#substitutes.get(stanza);
      if (substitute) kept.push(substitute());
      else this.#report.drop(stanza, "not-durable");
    }
    this.#queue = kept;
    this.#head = 0;
  }

  /** Writes `data`; the stanzas of a write that fails (`handle`, from the log) never reached the server. */
  #write(data: string, handle?: object): void {
    this.#connection.write(data).catch(() => {
      if (handle) this.#log.failed(handle);
    });
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
      let data = "";
      let count = 0;
      while (this.size > 0 && data.length < WRITE_CHUNK) {
        const stanza = this.#queue[this.#head] as Element;
        this.#queue[this.#head++] = undefined as unknown as Element;
        let text = stanza.toString();
        if (isOverLimit(text, this.#maxStanzaBytes)) {
          const bytes = Buffer.byteLength(text, "utf8");
          this.#report.tooLarge(stanza, bytes, this.#maxStanzaBytes);
          // An iq is still answered: an error instead of the result.
          const answer = tooLargeAnswer(stanza, bytes, this.#maxStanzaBytes);
          if (!answer) continue;
          text = answer.toString();
        }
        data += text;
        count++;
      }
      if (count === 0) continue;
      // The log adds a probe at the end when one is due: its answer proves the server read the write.
      const { data: out, handle } = this.#log.record(data, count);
      this.#write(out, handle);
    }
    if (this.size === 0 && connection.status === "online" && !this.#waitingForDrain) {
      const probe = this.#log.probe();
      if (probe) this.#write(probe.toString());
      else this.#probeLater();
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
