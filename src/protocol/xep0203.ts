/**
 * XEP-0203: Delayed Delivery, version 2.0
 * https://xmpp.org/extensions/xep-0203.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** Builds `<delay xmlns="urn:xmpp:delay" stamp from/>` with a UTC stamp. */
export function delayElement(stamp: Date, from?: string): Element {
  return xml("delay", { xmlns: NS.DELAY, stamp: stamp.toISOString(), from });
}
