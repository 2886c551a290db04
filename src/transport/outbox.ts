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
import { isFromDomain } from "../protocol/rfc7622.js";
import { DEFAULT_MAX_STANZA_BYTES, isOverLimit, tooLargeAnswer } from "../protocol/stanzaSize.js";
import { DeliveryLog } from "./deliveryLog.js";
import { type LostRow, LostRows, type Substitute } from "./lostRows.js";
import { OutboxReport, type OutboxStats } from "./outboxReport.js";
import type { OutboxConnection, OutboxOptions, WriteBarrier } from "./outboxTypes.js";

export type { LostRow, Substitute } from "./lostRows.js";
export type { DropReason, OutboxStats } from "./outboxReport.js";
export type { OutboxConnection, OutboxOptions, WriteBarrier } from "./outboxTypes.js";

/** Characters of serialized stanzas joined into one socket write. */
const WRITE_CHUNK = 64 * 1024;

/**
 * A FIFO of outgoing stanzas in front of the component connection.
 *
 * @remarks
 * Stanzas sent by one task go out together, in as few socket writes as possible: serialized and
 * joined up to 64 KiB of text a write, instead of one write (and one promise)
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

  /** @internal True for one of the outbox's delivery probes ({@link DeliveryLog}), which it takes: nothing else should see it. */
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
  send(given: Element): void {
    if (!isFromDomain(given.attrs.from, this.#domain)) {
      this.#report.drop(given, "foreign-from");
      return;
    }
    const stanza = this.#settle(given);
    if (!stanza) return;
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
   * @internal
   * Sends what `substitute` gives instead of `stanza` (queued now or later) if the store lost a
   * message `stanza` refers to: an error reply instead of the echo that answers a request, or
   * nothing. Without one, a live groupchat message goes out without the lost stanza-id and
   * anything else (a MAM result) is dropped (see {@link LostRows.settle}). `substitute` is
   * called only then; with no commit pending and no lost message, nothing is kept.
   */
  replaceIfLost(stanza: Element, substitute: Substitute): void {
    if (this.#barrier?.uncommitted || !this.#lost.empty) this.#lost.substitute(stanza, substitute);
  }

  /**
   * @internal
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
    return this.#lost.settle(stanza, (s) => this.#report.drop(s, "not-durable"));
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
