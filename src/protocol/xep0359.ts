/**
 * XEP-0359: Unique and Stable Stanza IDs, version 0.7
 * https://xmpp.org/extensions/xep-0359.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";
import { serializeParts } from "./serializedElement.js";

/** The attributes of a `<stanza-id/>` claimed by `by`. */
const stanzaIdAttrs = (id: string, by: string) => ({ xmlns: NS.SID, id, by });

/** Builds `<stanza-id xmlns="urn:xmpp:sid:0" id by/>`; `by` is the room JID. */
export function stanzaIdElement(id: string, by: string): Element {
  return xml("stanza-id", stanzaIdAttrs(id, by));
}

/** {@link stanzaIdElement} as text, without building it (an echo's trailing child). */
export function stanzaIdText(id: string, by: string): string {
  return serializeParts({ name: "stanza-id", attrs: stanzaIdAttrs(id, by), children: [] });
}

/**
 * Removes `<stanza-id/>` children claimed `by` this entity: a client must not forge them
 * (XEP-0359 §3.1).
 */
export function stripStanzaIds(stanza: Element, by: string): void {
  stanza.children = stanza.children.filter((c) => typeof c === "string" || !isForgedStanzaId(c, by));
}

/** Whether `child` is a `<stanza-id/>` claimed `by` this entity, which only this entity may add. */
export function isForgedStanzaId(child: Element, by: string): boolean {
  return child.is("stanza-id", NS.SID) && child.attrs.by === by;
}

/** Reads the client's `<origin-id/>`, if any. */
export function originId(stanza: Element): string | undefined {
  return stanza.getChild("origin-id", NS.SID)?.attrs.id;
}

/** The stanza-id (by anyone) of a message, if it has one. */
export function stanzaIdOf(message: Element): string | undefined {
  return message.getChild("stanza-id", NS.SID)?.attrs.id;
}

/**
 * The archived messages a stanza refers to, as (`by`, `id`) pairs: its own `<stanza-id/>`
 * children, and those of the message it forwards in a MAM result (XEP-0313 §5 wraps it in an
 * XEP-0297 `<forwarded/>`).
 */
export function referencedStanzaIds(stanza: Element): Array<{ by: string; id: string }> {
  if (stanza.name !== "message") return [];
  const forwarded = stanza.getChild("result")?.getChild("forwarded")?.getChild("message");
  const refs: Array<{ by: string; id: string }> = [];
  for (const el of forwarded ? [stanza, forwarded] : [stanza]) {
    for (const sid of el.getChildren("stanza-id", NS.SID)) {
      if (sid.attrs.by && sid.attrs.id) refs.push({ by: sid.attrs.by, id: sid.attrs.id });
    }
  }
  return refs;
}
