/**
 * XEP-0308: Last Message Correction, version 1.2
 * https://xmpp.org/extensions/xep-0308.html
 */
import { type Element, xml } from "@xmpp/component";

/** The message correction namespace. */
export const NS_CORRECT = "urn:xmpp:message-correct:0";

/**
 * Reads `<replace id/>`: the id of the message a correction replaces (§3), or undefined when the
 * message is no correction. Throws a TypeError when the element has no id.
 */
export function parseReplace(message: Element): string | undefined {
  const replace = message.getChild("replace", NS_CORRECT);
  if (!replace) return undefined;
  const id = replace.attrs.id;
  if (!id) throw new TypeError("A replace element needs the id of the message it corrects");
  return id;
}

/** Builds `<replace id/>` for a correction of the message with this id. */
export function replaceElement(id: string): Element {
  return xml("replace", { xmlns: NS_CORRECT, id });
}
