/**
 * XEP-0334: Message Processing Hints, version 0.3.0 (§4.4, the `store` hint)
 * https://xmpp.org/extensions/xep-0334.html
 */
import { type Element, xml } from "@xmpp/component";

/** The message processing hints namespace. */
export const NS_HINTS = "urn:xmpp:hints";

/** Builds `<store xmlns='urn:xmpp:hints'/>`: archive this message though it has no body (§4.4). */
export function storeHint(): Element {
  return xml("store", { xmlns: NS_HINTS });
}
