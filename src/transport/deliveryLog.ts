/**
 * XEP-0114 (Jabber Component Protocol) has no acknowledgements, and XEP-0198 (Stream Management)
 * is not offered to components: a socket write that succeeded only means the bytes reached the
 * kernel. What proves the server read them is a later round trip through it, since a server
 * handles a stream's stanzas in order: the gateway sends an XEP-0199 ping addressed to its own
 * domain, which the server routes back to it, after what it wrote. Everything written before a
 * probe that came back was read by the server.
 *
 * The log keeps what was written and not yet proven read, so that when the connection dies it can
 * be written again on the next one. A probe goes after a write when none is in flight, or when
 * {@link PROBE_EVERY} characters were written since the last: a quiet gateway sends about one
 * per round trip, a busy one about one per 32 KiB, so that what the server read but the gateway
 * has not heard of yet (what a reconnect writes twice) stays near one write's worth.
 * https://xmpp.org/extensions/xep-0114.html https://xmpp.org/extensions/xep-0199.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "../protocol/namespaces.js";

/** Prefix of the ids of probes; the epoch and a counter follow. */
const PROBE_PREFIX = "mucstate-probe-";

/** Characters written after which a probe goes even while another is in flight. */
export const PROBE_EVERY = 32 * 1024;

/** What {@link DeliveryLog.takeUnconfirmed} hands back when a connection ended. */
export interface Unconfirmed {
  /** The stanzas written and not proven read, oldest first. */
  stanzas: Element[];
  /** Stanzas written and not proven read that the log no longer held (beyond its bound). */
  forgotten: number;
}

/** Stanzas written to the current stream that no probe has yet proven the server read. */
export class DeliveryLog {
  readonly #domain: string;
  readonly #max: number;
  #stanzas: Element[] = [];
  #head = 0;
  /** Stanzas written on this stream, ever; the newest has this number. */
  #written = 0;
  /** Stanzas proven read on this stream. */
  #confirmed = 0;
  /** Stanzas written before the first that the log still holds (older ones were forgotten). */
  #base = 0;
  /** A new epoch per stream: a probe from an old stream proves nothing about the new one. */
  #epoch = 0;
  #probes = 0;
  /** The probes in flight, oldest first, each with how many stanzas were written before it. */
  #pending: Array<{ id: string; upTo: number }> = [];
  /** Characters recorded since the last probe. */
  #sinceProbe = 0;

  /** `max`: most stanzas held; beyond it the oldest are forgotten (and counted). */
  constructor(domain: string, max: number) {
    this.#domain = domain;
    this.#max = max;
  }

  /** Stanzas held, not yet proven read. */
  get size(): number {
    return this.#stanzas.length - this.#head;
  }

  /** Records a stanza of `length` characters just handed to the socket. */
  record(stanza: Element, length: number): void {
    this.#stanzas.push(stanza);
    this.#written++;
    this.#sinceProbe += length;
    if (this.size > this.#max) {
      this.#stanzas[this.#head++] = undefined as unknown as Element;
      this.#base++;
    }
  }

  /** The probe to write after what was recorded, or undefined when none is needed yet. */
  probe(): Element | undefined {
    const last = this.#pending.at(-1);
    if (this.#written === (last?.upTo ?? this.#confirmed)) return undefined;
    if (last && this.#sinceProbe < PROBE_EVERY) return undefined;
    const id = `${PROBE_PREFIX}${this.#epoch}-${++this.#probes}`;
    this.#pending.push({ id, upTo: this.#written });
    this.#sinceProbe = 0;
    return xml("iq", { type: "get", id, from: this.#domain, to: this.#domain }, xml("ping", { xmlns: NS.PING }));
  }

  /**
   * Takes an incoming stanza if it is a probe in flight (its answer from the server counts too):
   * what was written before it is proven read, and so are the probes before it. True when the
   * stanza was a probe of ours (from this stream or an old one), which nothing else should see.
   */
  confirm(stanza: Element): boolean {
    const id = stanza.attrs.id;
    if (stanza.name !== "iq" || typeof id !== "string" || !id.startsWith(PROBE_PREFIX)) return false;
    const index = this.#pending.findIndex((p) => p.id === id);
    if (index < 0) return true;
    const upTo = (this.#pending[index] as { upTo: number }).upTo;
    this.#pending.splice(0, index + 1);
    const drop = Math.max(0, upTo - Math.max(this.#confirmed, this.#base));
    for (let i = 0; i < drop; i++) this.#stanzas[this.#head++] = undefined as unknown as Element;
    this.#confirmed = upTo;
    this.#base = Math.max(this.#base, upTo);
    if (this.#head > 1024 && this.#head * 2 > this.#stanzas.length) {
      this.#stanzas = this.#stanzas.slice(this.#head);
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
    const stanzas = this.#stanzas.slice(this.#head);
    const forgotten = Math.max(0, this.#base - this.#confirmed);
    this.#stanzas = [];
    this.#head = 0;
    this.#written = this.#confirmed = this.#base = this.#sinceProbe = 0;
    this.#pending = [];
    this.#epoch++;
    return { stanzas, forgotten };
  }
}
