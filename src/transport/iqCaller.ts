/**
 * Iqs the gateway sends and whose answers it awaits (RFC 6120 §8.2.3): matched by id and
 * sender, with a timeout. Used for XEP-0356 privileged iqs.
 */
import type { Element } from "@xmpp/component";
import { nanoid } from "nanoid";
import { XMPPError } from "../protocol/xmppError.js";
import { bareJid } from "../protocol/rfc7622.js";

/** Sends iqs and resolves with their result (or rejects with an {@link XMPPError}). */
export class IqCaller {
  readonly #send: (stanza: Element) => void;
  readonly #pending = new Map<string, { to: string; resolve: (el: Element) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();

  constructor(send: (stanza: Element) => void) {
    this.#send = send;
  }

  /** Sends `iq` (its id is replaced) and waits for the answer from its `to`. */
  request(iq: Element, timeoutMs = 10_000): Promise<Element> {
    const id = `mucstate-${nanoid()}`;
    iq.attrs.id = id;
    const to = bareJid(iq.attrs.to ?? "");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new XMPPError("remote-server-timeout", `No answer from ${to}`));
      }, timeoutMs);
      timer.unref();
      this.#pending.set(id, { to, resolve, reject, timer });
      this.#send(iq);
    });
  }

  /** Takes an iq result or error; true when it answered one of our requests. */
  handle(stanza: Element): boolean {
    const entry = this.#pending.get(stanza.attrs.id ?? "");
    if (!entry || bareJid(stanza.attrs.from ?? "") !== entry.to) return false;
    this.#pending.delete(stanza.attrs.id ?? "");
    clearTimeout(entry.timer);
    if (stanza.attrs.type === "result") entry.resolve(stanza);
    else entry.reject(XMPPError.fromElement(stanza));
    return true;
  }
}
