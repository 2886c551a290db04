/**
 * RFC 6120: Extensible Messaging and Presence Protocol (XMPP): Core
 * https://www.rfc-editor.org/rfc/rfc6120  §8.3 Stanza Errors, §8.2.3 IQ semantics
 *
 * Pure builders and parsers for stanza errors and iq replies.
 */
import { type Element, xml } from "@xmpp/component";
import { type StanzaErrorCondition, STANZA_ERROR_CONDITIONS, defaultErrorType } from "./conditions.js";
import { NS } from "./namespaces.js";

/** The `type` attribute of an `<error/>` (RFC 6120 §8.3.2). */
export type StanzaErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

/** A stanza error as plain data: what a reply carries. */
export interface StanzaErrorData {
  /** The RFC 6120 defined condition (§8.3.3). */
  condition: StanzaErrorCondition;
  /** The error type; absent: the condition's usual type. */
  type?: StanzaErrorType;
  /** A human-readable `<text/>`, if any. */
  text?: string;
  /** The entity that generated the error (a room JID, for XEP-0045 errors). */
  by?: string;
}

/** Builds `<error type by><condition/><text/></error>`. */
export function stanzaError({ condition, type, text, by }: StanzaErrorData): Element {
  return xml(
    "error",
    { type: type ?? defaultErrorType(condition), by },
    xml(condition, NS.STANZAS),
    text ? xml("text", { xmlns: NS.STANZAS, "xml:lang": "en" }, text) : null,
  );
}

/**
 * Builds the error reply to `stanza`: same name and id, addresses swapped, `type="error"`.
 * `payload` (for example the `<x xmlns=muc/>` of a failed join) goes before the error.
 */
export function errorReply(stanza: Element, error: StanzaErrorData, ...payload: Element[]): Element {
  return xml(
    stanza.name,
    { from: stanza.attrs.to, to: stanza.attrs.from, id: stanza.attrs.id, type: "error" },
    ...payload,
    stanzaError(error),
  );
}

/** Builds the `type="result"` reply to an iq, with an optional payload. */
export function iqResult(iq: Element, payload?: Element): Element {
  return xml("iq", { from: iq.attrs.to, to: iq.attrs.from, id: iq.attrs.id, type: "result" }, payload);
}

/** Reads the condition, type and text of an `<error/>` child, if the stanza has one. */
export function parseStanzaError(stanza: Element): StanzaErrorData | undefined {
  const error = stanza.getChild("error");
  if (!error) return undefined;
  const known = new Set<string>(STANZA_ERROR_CONDITIONS);
  const child = error.getChildElements().find((c) => c.getNS() === NS.STANZAS && known.has(c.name));
  return {
    condition: (child?.name ?? "undefined-condition") as StanzaErrorCondition,
    type: error.attrs.type as StanzaErrorType | undefined,
    text: error.getChildText("text", NS.STANZAS) ?? undefined,
  };
}

/** True when the stanza expects an answer: an iq of type get or set. */
export function isRequestIq(stanza: Element): boolean {
  return stanza.name === "iq" && (stanza.attrs.type === "get" || stanza.attrs.type === "set");
}

/** A deep copy of an element, detached from its parent. */
export function cloneElement(el: Element): Element {
  return xml(el.name, { ...el.attrs }, ...el.children.map((c) => (typeof c === "string" ? c : cloneElement(c))));
}
