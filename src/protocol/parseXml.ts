/**
 * Parsing serialized elements back into `xml()` elements (archived stanzas, writes to send again).
 */
import { type Element, xml } from "@xmpp/component";

/** Parses a sequence of elements (stanzas written one after another); throws a TypeError when it is not well-formed. */
export function parseElements(text: string): Element[] {
  const parser = new xml.Parser();
  const parsed: Element[] = [];
  let failure: unknown;
  parser.on("element", (el: Element) => {
    el.parent = null;
    parsed.push(el);
  });
  parser.on("error", (error: unknown) => {
    failure = error;
  });
  parser.write(`<wrapper>${text}</wrapper>`);
  if (failure) throw new TypeError(`not well-formed XML: ${failure instanceof Error ? failure.message : String(failure)}`);
  return parsed;
}

/** Parses one element; throws a TypeError when the text is not exactly one well-formed element. */
export function parseElement(text: string): Element {
  let parsed: Element[];
  try {
    parsed = parseElements(text);
  } catch (error) {
    throw new TypeError(`not one XML element: ${(error as Error).message}`);
  }
  if (parsed.length !== 1) throw new TypeError(`not one XML element: ${parsed.length === 0 ? "nothing parsed" : "more than one element"}`);
  return parsed[0] as Element;
}
