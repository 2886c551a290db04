/**
 * XEP-0319: Last User Interaction in Presence, version 1.0.2
 * https://xmpp.org/extensions/xep-0319.html
 */
import { type Element, xml } from "@xmpp/component";

/** Builds `<idle xmlns="urn:xmpp:idle:1" since="…"/>`. */
export function idleElement(since: Date): Element {
  return xml("idle", { xmlns: "urn:xmpp:idle:1", since: since.toISOString() });
}
