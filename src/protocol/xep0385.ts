/**
 * XEP-0385: Stateless Inline Media Sharing (SIMS), version 0.2.0
 * https://xmpp.org/extensions/xep-0385.html
 *
 * A `<reference type='data'/>` (XEP-0372) holding `<media-sharing/>`, its XEP-0234 `<file/>`
 * and `<sources/>` of references with a `uri`. The specification's examples use
 * `urn:xmpp:sims:2`; the namespace registered, and what Conversations, Dino and Movim send, is
 * `urn:xmpp:sims:1`: both are read. Only read: mucstate sends files with XEP-0066 and XEP-0447.
 */
import type { Element } from "@xmpp/component";
import { NS_REFERENCE } from "./xep0372.js";
import { parseFileMetadata } from "./xep0446.js";
import { type SharedFile, preferredUrl } from "./xep0447.js";

/** The media sharing namespaces read, registered one first. */
export const NS_SIMS = ["urn:xmpp:sims:1", "urn:xmpp:sims:2"] as const;

/**
 * Reads the first data reference of a message that carries `<media-sharing/>`, or undefined
 * when there is none. Throws a TypeError when its sources name no URI.
 */
export function parseMediaSharing(message: Element): SharedFile | undefined {
  for (const reference of message.getChildren("reference", NS_REFERENCE)) {
    const sharing = NS_SIMS.map((ns) => reference.getChild("media-sharing", ns)).find(Boolean);
    if (!sharing) continue;
    const url = preferredUrl(sharing.getChild("sources")?.getChildren("reference", NS_REFERENCE).map((source) => source.attrs.uri));
    if (!url) throw new TypeError("A media-sharing element needs a source reference with a uri");
    const file = sharing.getChildElements().find((c) => c.name === "file");
    return { ...(file ? parseFileMetadata(file) : {}), url };
  }
  return undefined;
}
