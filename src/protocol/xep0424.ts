/**
 * XEP-0424: Message Retraction, version 0.4.2 (and the 0.2 form inside XEP-0422 `<apply-to/>`
 * that older clients send), with the archive tombstones of §5
 * https://xmpp.org/extensions/xep-0424.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** The current message retraction namespace. */
export const NS_RETRACT = "urn:xmpp:message-retract:1";
/** The retraction namespace of XEP-0424 0.2/0.3, used inside an XEP-0422 `<apply-to/>`. */
export const NS_RETRACT_0 = "urn:xmpp:message-retract:0";
/** XEP-0422: Message Fastening, which the older retraction and moderation forms use. */
export const NS_FASTEN = "urn:xmpp:fasten:0";
/** The disco feature of an archive that replaces retracted messages with tombstones (§5). */
export const NS_RETRACT_TOMBSTONE = `${NS_RETRACT}#tombstone`;

/**
 * Reads the id of the message a retraction names: `<retract id/>` (§4), or the older
 * `<apply-to id><retract xmlns='…:0'/></apply-to>`. Undefined when the message is no retraction;
 * throws a TypeError when the element has no id.
 */
export function parseRetract(message: Element): string | undefined {
  const current = message.getChild("retract", NS_RETRACT);
  const fastened = message.getChildren("apply-to", NS_FASTEN).find((a) => a.getChild("retract", NS_RETRACT_0));
  const el = current ?? fastened;
  if (!el) return undefined;
  const id = el.attrs.id;
  if (!id) throw new TypeError("A retraction needs the id of the message it retracts");
  return id;
}

/** Builds `<retract id/>` for the message with this (stanza-)id, with optional children. */
export function retractElement(id: string, ...children: Array<Element | null>): Element {
  return xml("retract", { xmlns: NS_RETRACT, id }, ...children);
}

/**
 * Builds the `<retracted/>` of a tombstone (§5): `id` is the id of the retraction message,
 * `stamp` when it happened; `children` say more (a moderation, XEP-0425 §6).
 */
export function retractedElement(id: string, stamp: Date, ...children: Array<Element | null>): Element {
  return xml("retracted", { xmlns: NS_RETRACT, id, stamp: stamp.toISOString() }, ...children);
}

/**
 * What a tombstone keeps of the original message: its ids and its author's occupant id and real
 * JID, nothing of its content.
 */
const KEPT = [
  ["stanza-id", NS.SID],
  ["origin-id", NS.SID],
  ["occupant-id", NS.OCCUPANT_ID],
  ["x", NS.MUC_USER],
] as const;

/**
 * The tombstone that replaces an archived message (§5): the original `<message/>` with its
 * attributes and {@link KEPT ids}, its body and every other payload replaced by `retracted`.
 */
export function tombstone(original: Element, retracted: Element): Element {
  const kept = original.getChildElements().filter((c) => KEPT.some(([name, ns]) => c.is(name, ns)));
  return xml("message", { ...original.attrs }, ...kept, retracted);
}
