/**
 * The inspector's search by JID. The page shows JIDs only as labels keyed by a secret the server
 * keeps (`hashJid`), so the page cannot hash what a person types: it sends the JID to the server
 * (`POST /api/find`), which compares it with the rooms it follows and answers only the ids of the
 * rooms that match. Giving the page the key instead would let anyone who sees the page test
 * guessed names against every label on it, offline and at full speed; here each guess is a
 * request, and {@link SearchLimiter} allows few of them.
 */

/** Longest JID the search takes (RFC 7622: three parts of at most 1023 bytes and two separators). */
export const MAX_JID_LENGTH = 3071;

/**
 * A JID as the search compares it: trimmed, without an `xmpp:` scheme and without a resource,
 * in lower case (`Team@MUC.localhost/Phone` → `team@muc.localhost`).
 *
 * @remarks
 * Lower case stands for RFC 7622's case mapping of the local part and the domain, which is what
 * people type differently; a resource is cut at the first `/`, as RFC 7622 §3.1 parses it.
 */
export function normaliseJid(text: string): string {
  const jid = text.trim().replace(/^xmpp:/i, "");
  const slash = jid.indexOf("/");
  return (slash === -1 ? jid : jid.slice(0, slash)).toLowerCase();
}

/** Options of {@link SearchLimiter}. */
export interface SearchLimiterOptions {
  /** Searches allowed at once (the bucket's size). @defaultValue 5 */
  burst?: number;
  /** Searches allowed again each second. @defaultValue 1 */
  perSecond?: number;
  /** @defaultValue `Date.now` */
  now?: () => number;
}

/**
 * A token bucket for the search: a person looking up a few rooms is never slowed; a script
 * trying names gets `429 Too Many Requests` beyond `burst` searches, then one a second.
 */
export class SearchLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(options: SearchLimiterOptions = {}) {
    this.#burst = options.burst ?? 5;
    this.#perMs = (options.perSecond ?? 1) / 1000;
    this.#now = options.now ?? Date.now;
    this.#tokens = this.#burst;
    this.#last = this.#now();
  }

  /** Takes one search; returns 0 when allowed, else the ms to wait before the next one is. */
  take(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.#perMs);
  }
}
