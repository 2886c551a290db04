/**
 * XEP-0425: Moderated Message Retraction, version 0.3.0 (`urn:xmpp:message-moderate:1`), and the
 * 0.2 form (`urn:xmpp:message-moderate:0` inside an XEP-0422 `<apply-to/>`) that slidge answers
 * and older clients send and read
 * https://xmpp.org/extensions/xep-0425.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS_FASTEN, NS_RETRACT, NS_RETRACT_0, retractElement, retractedElement } from "./xep0424.js";
import { occupantIdElement } from "./xep0421.js";

/** The current message moderation namespace. */
export const NS_MODERATE = "urn:xmpp:message-moderate:1";
/** The moderation namespace of XEP-0425 0.2. */
export const NS_MODERATE_0 = "urn:xmpp:message-moderate:0";

/** A moderator's request (§4): the stanza-id of the message, and what to do with it. */
export interface ModerateRequest {
  /** The stanza-id the room gave the message. */
  id: string;
  /** It asks for a retraction (the only moderation the XEP defines). */
  retract: boolean;
  reason?: string;
}

/**
 * Reads a moderation iq's payload: `<moderate id xmlns='…:1'>` or `<apply-to id><moderate
 * xmlns='…:0'>`. Undefined when the payload is neither (another fastening); throws a TypeError
 * when the id is missing.
 */
export function parseModerate(payload: Element): ModerateRequest | undefined {
  const current = payload.is("moderate", NS_MODERATE);
  const moderate = current ? payload : payload.is("apply-to", NS_FASTEN) ? payload.getChild("moderate", NS_MODERATE_0) : undefined;
  if (!moderate) return undefined;
  const id = payload.attrs.id;
  if (!id) throw new TypeError("A moderation needs the stanza-id of the message it moderates");
  const retract = moderate.getChild("retract", current ? NS_RETRACT : NS_RETRACT_0) !== undefined;
  const reason = moderate.getChildText("reason");
  return { id, retract, ...(reason ? { reason } : {}) };
}

/** Who moderated a message, and why. */
export interface Moderation {
  /** The moderator's occupant JID, or the room's JID. */
  by: string;
  /** The moderator's XEP-0421 occupant id (none for the room itself). */
  occupantId?: string | undefined;
  reason?: string | undefined;
}

function moderated(ns: string, m: Moderation, ...children: Array<Element | null>): Element {
  return xml("moderated", { xmlns: ns, by: m.by }, m.occupantId ? occupantIdElement(m.occupantId) : null, ...children);
}

const reasonElement = (m: Moderation) => (m.reason ? xml("reason", {}, m.reason) : null);

/**
 * The payload of the room's moderation message for the message with stanza-id `target`: the
 * 0.3 form (`<retract id><moderated/><reason/></retract>`, §5.1) and the 0.2 form
 * (`<apply-to id><moderated><retract/><reason/></moderated></apply-to>`), both in one message,
 * as Prosody's mod_muc_moderation sends them.
 */
export function moderationElements(target: string, m: Moderation): Element[] {
  const current = retractElement(target, moderated(NS_MODERATE, m), reasonElement(m));
  const legacy = xml("apply-to", { xmlns: NS_FASTEN, id: target }, moderated(NS_MODERATE_0, m, xml("retract", { xmlns: NS_RETRACT_0 }), reasonElement(m)));
  return [current, legacy];
}

/**
 * The `<retracted/>` of a moderated message's tombstone (§6): `id` is the moderation message's
 * id, with `<moderated/>` and the reason inside.
 */
export function moderatedRetracted(id: string, stamp: Date, m: Moderation): Element {
  return retractedElement(id, stamp, moderated(NS_MODERATE, m), reasonElement(m));
}
