/**
 * XEP-0077: In-Band Registration, version 2.4
 * https://xmpp.org/extensions/xep-0077.html
 *
 * Only §3.2, cancellation of an existing registration, is used: as in slidge, a user leaves a
 * legacy group by sending `<query xmlns="jabber:iq:register"><remove/></query>` to its room.
 * Registration itself (a get for the form, a set with fields) is not offered.
 */
import type { Element } from "@xmpp/component";

/** The in-band registration namespace. */
export const NS_REGISTER = "jabber:iq:register";

/** True for an iq payload that cancels the registration (§3.2): `<query xmlns=jabber:iq:register><remove/></query>`. */
export function isRegistrationRemoval(payload: Element): boolean {
  return payload.is("query", NS_REGISTER) && payload.getChild("remove") !== undefined;
}
