/**
 * Parsing one serialized element back into an `xml()` element (for archived stanzas).
 */
import { type Element, xml } from "@xmpp/component";

/** Parses one element; throws a TypeError when the text is not exactly one well-formed element. */
export function parseElement(text: string): Element {
  const parser = new xml.Parser();
  let parsed: Element | undefined;
  let failure: unknown;
  parser.on("element", (el: Element) => {
    if (parsed) failure = new TypeError("more than one element");
    parsed = el;
  });
  parser.on("error", (error: unknown) => {
    failure = error;
  });
  parser.write(`<wrapper>${text}</wrapper>`);
  if (failure || !parsed) throw new TypeError(`not one XML element: ${failure instanceof Error ? failure.message : "nothing parsed"}`);
  parsed.parent = null;
  return parsed;
}
