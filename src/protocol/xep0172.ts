/**
 * XEP-0172: User Nickname, version 1.1
 * https://xmpp.org/extensions/xep-0172.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** Builds `<nick xmlns="http://jabber.org/protocol/nick">name</nick>`. */
export function nickElement(nick: string): Element {
  return xml("nick", { xmlns: NS.NICK }, nick);
}
