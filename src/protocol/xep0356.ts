/**
 * XEP-0356: Privileged Entity
 * https://xmpp.org/extensions/xep-0356.html
 *   version 0.4.1, namespace urn:xmpp:privilege:2 (Prosody's mod_privilege, ejabberd from 24.10)
 * https://xmpp.org/extensions/attic/xep-0356-0.3.html
 *   version 0.2 / 0.3, namespace urn:xmpp:privilege:1 (ejabberd up to 24.07, Debian's 23.01)
 *
 * The server tells a component which privileges it holds in a `<privilege/>` message. Both
 * versions list `<perm access="roster|message|presence" type="…"/>`; only version 0.4 adds
 * `<perm access="iq">` with one `<namespace ns="…" type="get|set|both"/>` per namespace, and only
 * with it may a component send iqs on behalf of a local user, wrapped in `<privileged_iq/>`.
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** XEP-0356 0.4 (iq permission, `<privileged_iq/>`): the namespace mucstate sends in. */
export const NS_PRIVILEGE = "urn:xmpp:privilege:2";
/** XEP-0356 0.2 / 0.3: roster, message and presence permissions only; read, never sent. */
export const NS_PRIVILEGE_V1 = "urn:xmpp:privilege:1";

/** What a server granted, in the version it advertised. */
export interface GrantedPrivileges {
  /** The advertisement's namespace: {@link NS_PRIVILEGE} or {@link NS_PRIVILEGE_V1}. */
  namespace: typeof NS_PRIVILEGE | typeof NS_PRIVILEGE_V1;
  /** iq namespaces with the iq types allowed; always empty in {@link NS_PRIVILEGE_V1}. */
  iq: Map<string, { get: boolean; set: boolean }>;
  /** `none`, `get`, `set` or `both`; absent when not advertised. */
  roster?: string;
  /** `none` or `outgoing`; absent when not advertised. */
  message?: string;
  /** `none`, `managed_entity` or `roster`; absent when not advertised. */
  presence?: string;
}

/** Reads a `<privilege/>` advertisement message of either version; undefined when the message is not one. */
export function parsePrivilege(message: Element): GrantedPrivileges | undefined {
  const v2 = message.getChild("privilege", NS_PRIVILEGE);
  const privilege = v2 ?? message.getChild("privilege", NS_PRIVILEGE_V1);
  if (!privilege) return undefined;
  const granted: GrantedPrivileges = { namespace: v2 ? NS_PRIVILEGE : NS_PRIVILEGE_V1, iq: new Map() };
  for (const perm of privilege.getChildren("perm")) {
    const { access, type } = perm.attrs;
    if (access === "iq" && v2) {
      for (const ns of perm.getChildren("namespace")) {
        const allowed = ns.attrs.type ?? "none";
        if (ns.attrs.ns) granted.iq.set(ns.attrs.ns, { get: allowed === "get" || allowed === "both", set: allowed === "set" || allowed === "both" });
      }
    } else if (access === "roster" || access === "message" || access === "presence") granted[access] = type;
  }
  return granted;
}

/** Wraps `payload` in an iq (in `jabber:client`) from the user to their own account, sent by the component (0.4 only). */
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
