/**
 * XEP-0030: Service Discovery, version 2.5rc3
 * https://xmpp.org/extensions/xep-0030.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** A disco identity (XEP-0030 §3.1). */
export interface Identity {
  category: string;
  type: string;
  name?: string;
}

/** Builds a disco#info `<query/>` with identities, features and extension forms (XEP-0128). */
export function discoInfo(identities: Identity[], features: string[], forms: Element[] = [], node?: string): Element {
  return xml(
    "query",
    { xmlns: NS.DISCO_INFO, node },
    ...identities.map((i) => xml("identity", { category: i.category, type: i.type, name: i.name })),
    ...[...new Set(features)].sort().map((f) => xml("feature", { var: f })),
    ...forms,
  );
}

/** A disco item (XEP-0030 §4.1). */
export interface DiscoItem {
  jid: string;
  name?: string;
}

/** Builds a disco#items `<query/>`. */
export function discoItems(items: DiscoItem[], node?: string): Element {
  return xml("query", { xmlns: NS.DISCO_ITEMS, node }, ...items.map((i) => xml("item", { jid: i.jid, name: i.name })));
}

/** A disco#info or disco#items `get` from `from` to `to` (§3.1, §4.1); the iq caller sets its id. */
export function discoQuery(from: string, to: string, kind: "info" | "items"): Element {
  return xml("iq", { type: "get", from, to, id: "" }, xml("query", { xmlns: kind === "info" ? NS.DISCO_INFO : NS.DISCO_ITEMS }));
}

/** The JIDs a disco#items result lists (§4.2). */
export function discoItemJids(result: Element): string[] {
  const query = result.getChild("query", NS.DISCO_ITEMS);
  return (query?.getChildren("item") ?? []).map((item) => item.attrs.jid as string).filter(Boolean);
}
