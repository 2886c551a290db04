/**
 * XEP-0297: Stanza Forwarding, version 1.0
 * https://xmpp.org/extensions/xep-0297.html
 *
 * §3: the forwarded stanza is a `jabber:client` stanza. Without its own `xmlns` it would inherit
 * `urn:xmpp:forward:0` from `<forwarded/>`, and namespace-aware clients (poezio, slixmpp) would
 * not see a message at all.
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";
import { cloneElement } from "./rfc6120.js";
import { delayElement } from "./xep0203.js";

/**
 * A deep copy of `stanza` declared in `jabber:client`, whatever namespace it had (none, or the
 * component stream's `jabber:component:accept`): the form a stanza takes inside another one.
 */
function clientStanza(stanza: Element): Element {
  const { xmlns: _ignored, ...attrs } = stanza.attrs;
  const copy = cloneElement(stanza);
  copy.attrs = { xmlns: NS.CLIENT, ...attrs };
  return copy;
}

/** `<forwarded xmlns="urn:xmpp:forward:0">` with an optional `<delay/>` and the stanza in `jabber:client`. */
export function forwarded(stanza: Element, stamp?: Date): Element {
  return xml("forwarded", { xmlns: NS.FORWARD }, stamp ? delayElement(stamp) : null, clientStanza(stanza));
}
