/**
 * XEP-0333: Displayed Markers, version 0.4
 * https://xmpp.org/extensions/xep-0333.html
 *
 * In a groupchat a marker names the message by the stanza-id the room gave it (XEP-0359), not
 * by the sender's id, since every occupant sees that one.
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** Builds `<markable xmlns="urn:xmpp:chat-markers:0"/>`: the message may be marked as displayed. */
export function markableElement(): Element {
  return xml("markable", { xmlns: NS.CHAT_MARKERS });
}

/** Builds `<displayed xmlns="urn:xmpp:chat-markers:0" id="…"/>` for the message with that stanza-id. */
export function displayedElement(id: string): Element {
  return xml("displayed", { xmlns: NS.CHAT_MARKERS, id });
}

/** The id a `<displayed/>` marker names, if the message is one. */
export function parseDisplayed(message: Element): string | undefined {
  const marker = message.getChild("displayed", NS.CHAT_MARKERS);
  const id = marker?.attrs.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}
