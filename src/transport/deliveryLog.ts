/**
 * XEP-0114 (Jabber Component Protocol) has no acknowledgements, and XEP-0198 (Stream Management)
 * is not offered to components: a socket write that succeeded only means the bytes reached the
 * kernel. What proves the server read them is a later round trip through it, since a server
 * handles a stream's stanzas in order: the gateway sends an XEP-0199 ping addressed to its own
 * domain, which the server routes back to it, after what it wrote. Everything written before a
 * probe that came back was read by the server.
 *
 * The log keeps what was written and not yet proven read, so that when the connection dies it can
 * be written again on the next one. A probe goes after a write when none is in flight (at most
 * one per {@link PROBE_INTERVAL_MS}), or when {@link PROBE_EVERY} characters were written since
 * the last: a quiet gateway sends at most one per round trip or 10 ms, a busy one about one per
 * 32 KiB, so that what the server read but the gateway
 * has not heard of yet (what a reconnect writes twice) stays near one write's worth. It keeps each
 * write's text (flat once written), not the elements: one string a write for the garbage
 * collector to carry instead of a tree of objects a stanza. Probes go at the end of writes, so a
 * write is proven read whole or not at all.
 * https://xmpp.org/extensions/xep-0114.html https://xmpp.org/extensions/xep-0199.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "../protocol/namespaces.js";
import { parseElements } from "../protocol/parseXml.js";

/** Prefix of the ids of probes; the epoch and a counter follow. */
const PROBE_PREFIX = "mucstate-probe-";

/** Characters written after which a probe goes even while another is in flight. */
const PROBE_EVERY = 32 * 1024;
/**
 * Least time between two probes otherwise: a gateway answering one request at a time would
 * otherwise add a probe to every answer (the roundtrip bench lost about a tenth of its rate).
 */
const PROBE_INTERVAL_MS = 10;

/** Connections in a row that may die with a stanza not proven read before it is given up (`undeliverable`). */
const MAX_SENDS = 4;

/** What {@link DeliveryLog.takeUnconfirmed} hands back when a connection ended. */
export interface Unconfirmed {
  /** The stanzas not proven read, oldest first, to write again. */
  stanzas: Element[];
  /**
   * Those written on {@link MAX_SENDS} connections in a row that each died before the server was
   * proven to have read them: a stanza that breaks the stream (a server limit below
   * `maxStanzaBytes`) must not break every new one.
   */
  undeliverable: Element[];
  /** How many of `stanzas` had reached the socket (their write did not fail): the server may have read them. */
  inDoubt: number;
  /** Stanzas written and not proven read that the log no longer held (beyond its bound). */
  forgotten: number;
}

/** One write: its text, and the number of the last stanza in it (stanzas are numbered from 1 per stream). */
interface Write {
  text: string;
  count: number;
  upTo: number;
  failed: boolean;
}

/** What was written to the current stream and no probe has yet proven the server read. */
export class DeliveryLog {
  readonly #domain: string;
  readonly #max: number;
  #writes: Write[] = [];
  #head = 0;
  /** Stanzas the held writes carry. */
  #held = 0;
  /** Stanzas written on this stream, ever. */
  #written = 0;
  /** Stanzas proven read on this stream. */
  #confirmed = 0;
  /** Stanzas written before the oldest held write (older ones were forgotten or proven read). */
  #base = 0;
  /** A new epoch per stream: a probe from an old stream proves nothing about the new one. */
  #epoch = 0;
  #probes = 0;
  /** The probes in flight, oldest first, each with how many stanzas were written before it. */
  #pending: Array<{ id: string; upTo: number }> = [];
  /** Characters recorded since the last probe. */
  #sinceProbe = 0;
  /** When (`Date.now()`) the last probe went. */
  #lastProbeAt = Number.NEGATIVE_INFINITY;
  /** How often each stanza handed back by the last {@link takeUnconfirmed} had been written, by its text. */
  #sends = new Map<string, number>();

  /** `max`: most stanzas held; beyond it the oldest writes are forgotten (and counted). */
  constructor(domain: string, max: number) {
    this.#domain = domain;
    this.#max = max;
  }

  /**
   * Records a write of `count` stanzas serialized as `text`, about to be handed to the socket.
   * Returns what to write (`text`, and a probe after it when one is due) and a handle for
   * {@link failed}. What is kept is that string, which the socket write flattens.
   */
  record(text: string, count: number): { data: string; handle: object } {
    this.#written += count;
    this.#sinceProbe += text.length;
    const data = text + (this.probe()?.toString() ?? "");
    const write: Write = { text: data, count, upTo: this.#written, failed: false };
    this.#writes.push(write);
    this.#held += count;
    while (this.#held > this.#max && this.#held - (this.#writes[this.#head] as Write).count >= 1) this.#shift();
    return { data, handle: write };
  }

  /** True for one of the log's probes (in the texts {@link takeUnconfirmed} hands back, say). */
  static isProbe(stanza: Element): boolean {
    return stanza.name === "iq" && typeof stanza.attrs.id === "string" && stanza.attrs.id.startsWith(PROBE_PREFIX);
  }

  /** The write recorded as `handle` failed: its stanzas never reached the server. */
  failed(handle: object): void {
    (handle as Write).failed = true;
  }

  #shift(): void {
    const oldest = this.#writes[this.#head] as Write;
    this.#writes[this.#head++] = undefined as unknown as Write;
    this.#held -= oldest.count;
    this.#base = oldest.upTo;
  }

  /**
   * In how many ms a probe is due for what was written since the last one: 0 now, undefined when
   * none will be (nothing new, or a probe in flight and less than {@link PROBE_EVERY} since).
   */
  probeDueIn(): number | undefined {
    const last = this.#pending.at(-1);
    if (this.#written === (last?.upTo ?? this.#confirmed)) return undefined;
    if (this.#sinceProbe >= PROBE_EVERY) return 0;
    if (last) return undefined;
    return Math.max(0, this.#lastProbeAt + PROBE_INTERVAL_MS - Date.now());
  }

  /** The probe to write after what was recorded, or undefined when none is due yet. */
  probe(): Element | undefined {
    if (this.probeDueIn() !== 0) return undefined;
    const id = `${PROBE_PREFIX}${this.#epoch}-${++this.#probes}`;
    this.#pending.push({ id, upTo: this.#written });
    this.#sinceProbe = 0;
    this.#lastProbeAt = Date.now();
    return xml("iq", { type: "get", id, from: this.#domain, to: this.#domain }, xml("ping", { xmlns: NS.PING }));
  }

  /**
   * Takes an incoming stanza if it is a probe in flight (its answer from the server counts too):
   * what was written before it is proven read, and so are the probes before it. True when the
   * stanza was a probe of ours (from this stream or an old one), which nothing else should see.
   */
  confirm(stanza: Element): boolean {
    if (!DeliveryLog.isProbe(stanza)) return false;
    const index = this.#pending.findIndex((p) => p.id === stanza.attrs.id);
    if (index < 0) return true;
    const upTo = (this.#pending[index] as { upTo: number }).upTo;
    this.#pending.splice(0, index + 1);
    while (this.#head < this.#writes.length && (this.#writes[this.#head] as Write).upTo <= upTo) this.#shift();
    this.#confirmed = upTo;
    this.#base = Math.max(this.#base, upTo);
    if (this.#head > 1024 && this.#head * 2 > this.#writes.length) {
      this.#writes = this.#writes.slice(this.#head);
      this.#head = 0;
    }
    return true;
  }

  /** True while something written has not been proven read. */
  get unconfirmed(): boolean {
    return this.#written > this.#confirmed;
  }

  /** Ends the stream: hands back what it did not prove read, and starts afresh for the next one. */
  takeUnconfirmed(): Unconfirmed {
    const writes = this.#writes.slice(this.#head);
    const unwritten = writes.reduce((n, w) => n + (w.failed ? w.count : 0), 0);
    const taken: Unconfirmed = { stanzas: [], undeliverable: [], inDoubt: 0, forgotten: Math.max(0, this.#base - this.#confirmed) };
    const sends = new Map<string, number>();
    for (const stanza of writes.flatMap((w) => parseElements(w.text))) {
      if (DeliveryLog.isProbe(stanza)) continue;
      const text = stanza.toString();
      const n = (this.#sends.get(text) ?? 1) + 1;
      sends.set(text, n);
      (n <= MAX_SENDS ? taken.stanzas : taken.undeliverable).push(stanza);
    }
    this.#sends = sends;
    taken.inDoubt = Math.max(0, Math.min(taken.stanzas.length, this.#held - unwritten));
    this.#writes = [];
    this.#head = this.#held = this.#written = this.#confirmed = this.#base = this.#sinceProbe = 0;
    this.#pending = [];
    this.#epoch++;
    return taken;
  }
}
