/**
 * What must hold after every fuzz case, whatever the stanzas were: nothing thrown or rejected,
 * every request iq a server could deliver answered exactly once (a result or an error), every
 * error a valid RFC 6120 stanza error, nothing sent from outside the component domain, to nobody
 * or to anyone but the senders of the case (no leak between users), and, when a server could have
 * delivered every input, nothing over the stanza size bound and nothing that is not well-formed XML.
 */
import type { Element } from "@xmpp/component";
import { STANZA_ERROR_CONDITIONS } from "../../src/protocol/conditions.js";
import { splitJid } from "../../src/protocol/rfc7622.js";
import { DOMAIN } from "../helpers/harness.js";
import type { BuiltStanza } from "./fuzzCase.js";
import { hasNonXmlChar } from "./hostile.js";
import { FNS } from "./namespaces.js";
import { DEFAULT_MAX_STANZA_BYTES } from "../../src/protocol/stanzaSize.js";

/** The size bound every sent stanza must keep: the gateway's default `maxStanzaBytes` (480 KiB). */
export const MAX_STANZA_BYTES = DEFAULT_MAX_STANZA_BYTES;

/** RFC 6120 §8.3.3 (the list in `conditions.ts` is the RFC's, in its order). */
const CONDITIONS: ReadonlySet<string> = new Set(STANZA_ERROR_CONDITIONS);
/** RFC 6120 §8.3.2. */
const ERROR_TYPES = new Set(["auth", "cancel", "continue", "modify", "wait"]);

/** What one case did and what the gateway did about it. */
export interface CaseRecord {
  routed: readonly BuiltStanza[];
  /** Every stanza the gateway sent during the case, the liveness checks included. */
  sent: readonly Element[];
  /** Bare JIDs that may receive stanzas: the case's user and the watchdog (besides the senders of `routed`). */
  recipients: readonly string[];
  /** Thrown by `route`, unhandled rejections and uncaught exceptions, `onError` reports, waits that never ended. */
  failures: readonly string[];
}

/**
 * True for a request iq that a server delivers to the component: an iq get or set from a JID
 * outside the component domain to one inside it (RFC 6120 §8.1.1, XEP-0114 §3). It must be answered.
 */
export function answerable(s: Element): boolean {
  if (s.name !== "iq" || (s.attrs.type !== "get" && s.attrs.type !== "set")) return false;
  const from = splitJid(s.attrs.from);
  const to = splitJid(s.attrs.to);
  return from !== undefined && to !== undefined && from.domain !== DOMAIN && to.domain === DOMAIN;
}

/** True when `s` is an answer (result or error) to the request iq `request`. */
export function answers(s: Element, request: Element): boolean {
  return s.name === "iq" && (s.attrs.type === "result" || s.attrs.type === "error") && s.attrs.to === request.attrs.from && s.attrs.id === request.attrs.id;
}

/** What is wrong with the error of a `type="error"` stanza, if anything. */
function errorProblem(s: Element): string | undefined {
  const errors = s.getChildren("error").filter((e) => e.attrs.xmlns === undefined);
  if (errors.length !== 1) return `${errors.length} <error/> children`;
  const error = errors[0]!;
  if (!ERROR_TYPES.has(String(error.attrs.type))) return `error type ${JSON.stringify(error.attrs.type)}`;
  const defined = error.getChildElements().filter((c) => c.attrs.xmlns === FNS.STANZAS && c.name !== "text");
  if (defined.length !== 1 || !CONDITIONS.has(defined[0]!.name)) return `conditions ${JSON.stringify(defined.map((c) => c.name))}`;
  return undefined;
}

/** The bare form of a JID (the domain lower-cased), or the string itself when it is none. */
function bare(jid: unknown): string {
  const parts = splitJid(typeof jid === "string" ? jid : undefined);
  if (!parts) return String(jid);
  return parts.local ? `${parts.local}@${parts.domain}` : parts.domain;
}

const brief = (s: Element) => {
  const x = s.toString();
  return x.length > 300 ? `${x.slice(0, 300)}… (${x.length} characters)` : x;
};

/** Every property a case broke, as readable lines; empty when it kept them all. */
export function violations(record: CaseRecord): string[] {
  const found = [...record.failures];
  const requests = record.routed.map((r) => r.stanza).filter(answerable);
  for (const request of requests) {
    const expected = requests.filter((r) => r.attrs.from === request.attrs.from && r.attrs.id === request.attrs.id).length;
    const got = record.sent.filter((s) => answers(s, request)).length;
    if (got !== expected) found.push(`iq id=${JSON.stringify(request.attrs.id)} got ${got} answers, expected ${expected}: ${brief(request)}`);
  }
  const deliverable = record.routed.every((r) => r.deliverable);
  const recipients = new Set([...record.recipients, ...record.routed.map((r) => bare(r.stanza.attrs.from))]);
  for (const s of record.sent) {
    if (s.name === "iq" && (s.attrs.type === "result" || s.attrs.type === "error") && !requests.some((r) => answers(s, r))) {
      found.push(`an answer to no request: ${brief(s)}`);
    }
    if (splitJid(s.attrs.from)?.domain !== DOMAIN) found.push(`sent from outside ${DOMAIN}: ${brief(s)}`);
    if (splitJid(s.attrs.to) === undefined) found.push(`sent to no JID: ${brief(s)}`);
    else if (!recipients.has(bare(s.attrs.to))) found.push(`sent to someone who sent nothing: ${brief(s)}`);
    if (s.attrs.type === "error") {
      const problem = errorProblem(s);
      if (problem) found.push(`invalid stanza error (${problem}): ${brief(s)}`);
    }
    const xml = s.toString();
    const bytes = Buffer.byteLength(xml);
    if (deliverable && bytes > MAX_STANZA_BYTES) found.push(`sent ${bytes} bytes, over the bound of ${MAX_STANZA_BYTES}: ${brief(s)}`);
    if (deliverable && hasNonXmlChar(xml)) found.push(`sent a character XML forbids: ${JSON.stringify(brief(s))}`);
  }
  return found;
}
