/**
 * XMPP stanza error conditions.
 *
 * The list of defined conditions and their usual error types follow
 * RFC 6120 §8.3.3 "Defined Conditions":
 * https://www.rfc-editor.org/rfc/rfc6120#section-8.3.3
 *
 * @module
 */

/**
 * Every stanza error condition defined by RFC 6120 §8.3.3, in the RFC's
 * (alphabetical) order. Each is the local name of an element in the
 * `urn:ietf:params:xml:ns:xmpp-stanzas` namespace.
 */
export const STANZA_ERROR_CONDITIONS = [
  "bad-request",
  "conflict",
  "feature-not-implemented",
  "forbidden",
  "gone",
  "internal-server-error",
  "item-not-found",
  "jid-malformed",
  "not-acceptable",
  "not-allowed",
  "not-authorized",
  "policy-violation",
  "recipient-unavailable",
  "redirect",
  "registration-required",
  "remote-server-not-found",
  "remote-server-timeout",
  "resource-constraint",
  "service-unavailable",
  "subscription-required",
  "undefined-condition",
  "unexpected-request",
] as const;

/** One of the stanza error conditions defined by RFC 6120 §8.3.3. */
export type StanzaErrorCondition = (typeof STANZA_ERROR_CONDITIONS)[number];

/** The `type` attribute of a stanza `<error/>` element (RFC 6120 §8.3.2). */
export type StanzaErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

const DEFAULT_TYPES: Readonly<Record<StanzaErrorCondition, StanzaErrorType>> = {
  "bad-request": "modify",
  conflict: "cancel",
  "feature-not-implemented": "cancel",
  forbidden: "auth",
  gone: "cancel",
  "internal-server-error": "cancel",
  "item-not-found": "cancel",
  "jid-malformed": "modify",
  "not-acceptable": "modify",
  "not-allowed": "cancel",
  "not-authorized": "auth",
  "policy-violation": "modify",
  "recipient-unavailable": "wait",
  redirect: "modify",
  "registration-required": "auth",
  "remote-server-not-found": "cancel",
  "remote-server-timeout": "wait",
  "resource-constraint": "wait",
  "service-unavailable": "cancel",
  "subscription-required": "auth",
  "undefined-condition": "cancel",
  "unexpected-request": "wait",
};

/**
 * The error type RFC 6120 §8.3.3 shows with `condition` in its examples
 * (e.g. `forbidden` → `auth`, `item-not-found` → `cancel`).
 */
export function defaultErrorType(condition: StanzaErrorCondition): StanzaErrorType {
  return DEFAULT_TYPES[condition];
}

/** Type guard: is `value` one of {@link STANZA_ERROR_CONDITIONS}? */
export function isStanzaErrorCondition(value: unknown): value is StanzaErrorCondition {
  return typeof value === "string" && Object.hasOwn(DEFAULT_TYPES, value);
}
