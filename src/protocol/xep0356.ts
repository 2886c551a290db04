/**
 * XEP-0356: Privileged Entity, version 0.4 (namespace urn:xmpp:privilege:2)
 * https://xmpp.org/extensions/xep-0356.html
 *
 * The server tells a component which privileges it holds; a component with the iq privilege
 * sends iqs on behalf of a local user by wrapping them in `<privileged_iq/>`.
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** The XEP-0356 namespace version mucstate speaks. */
export const NS_PRIVILEGE = "urn:xmpp:privilege:2";

/** What a server granted: iq namespaces with the iq types allowed. */
export interface GrantedPrivileges {
  iq: Map<string, { get: boolean; set: boolean }>;
  roster?: string;
  message?: string;
}

/** Reads a `<privilege/>` advertisement message; undefined when the message is not one. */
export function parsePrivilege(message: Element): GrantedPrivileges | undefined {
  const privilege = message.getChild("privilege", NS_PRIVILEGE);
  if (!privilege) return undefined;
  const granted: GrantedPrivileges = { iq: new Map() };
  for (const perm of privilege.getChildren("perm")) {
    const access = perm.attrs.access;
    if (access === "iq") {
      for (const ns of perm.getChildren("namespace")) {
        const type = ns.attrs.type ?? "none";
        if (ns.attrs.ns) granted.iq.set(ns.attrs.ns, { get: type === "get" || type === "both", set: type === "set" || type === "both" });
      }
    } else if (access === "roster") granted.roster = perm.attrs.type;
    else if (access === "message") granted.message = perm.attrs.type;
  }
  return granted;
}

/** Wraps `payload` in an iq (in `jabber:client`) from the user to their own account, sent by the component. */
export function privilegedIq(options: { from: string; user: string; type: "get" | "set"; id: string; innerId: string; payload: Element }): Element {
  return xml(
    "iq",
    { from: options.from, to: options.user, type: options.type, id: options.id },
    xml(
      "privileged_iq",
      { xmlns: NS_PRIVILEGE },
      xml("iq", { xmlns: NS.CLIENT, type: options.type, id: options.innerId, from: options.user }, options.payload),
    ),
  );
}

/** The forwarded iq inside a privileged iq's result, if any. */
export function unwrapPrivileged(result: Element): Element | undefined {
  return result.getChild("privilege", NS_PRIVILEGE)?.getChild("forwarded", NS.FORWARD)?.getChild("iq");
}
