/**
 * XEP-0066: Out of Band Data, version 1.5 (§3, `jabber:x:oob` in messages)
 * https://xmpp.org/extensions/xep-0066.html
 */
import { type Element, xml } from "@xmpp/component";

/** The namespace of out-of-band data in messages. */
export const NS_OOB = "jabber:x:oob";

/** A URL sent out of band, with its description. */
export interface OobData {
  url: string;
  /** `<desc/>`: what the URL points to, when the sender said. */
  desc?: string;
}

/**
 * Reads the first `<x xmlns='jabber:x:oob'/>` of a message, or undefined when it has none.
 * Throws a TypeError when that element has no (or an empty) `<url/>`.
 */
export function parseOob(message: Element): OobData | undefined {
  const x = message.getChild("x", NS_OOB);
  if (!x) return undefined;
  const url = x.getChildText("url")?.trim();
  if (!url) throw new TypeError("An x:oob element needs a url");
  const desc = x.getChildText("desc")?.trim();
  return desc ? { url, desc } : { url };
}

/** Builds `<x xmlns='jabber:x:oob'><url/><desc?/></x>`. */
export function oobElement(data: OobData): Element {
  return xml("x", { xmlns: NS_OOB }, xml("url", {}, data.url), data.desc ? xml("desc", {}, data.desc) : null);
}
