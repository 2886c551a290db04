/**
 * XEP-0372: References, version 0.5.0, §3.2 (mentions)
 * https://xmpp.org/extensions/xep-0372.html
 *
 * A mention marks the range `[begin, end)` of the body, in code points (XEP-0426), as naming
 * the entity of its `xmpp:` URI (RFC 5122); in a room, an occupant JID.
 */
import { type Element, xml } from "@xmpp/component";
import { jidOfXmppUri, xmppUri } from "./rfc5122.js";

/** The references namespace. */
export const NS_REFERENCE = "urn:xmpp:reference:0";

/** A mention as a message carries it: the JID it names and its range of the body, as sent. */
export interface MentionReference {
  jid: string;
  /** First code point of the range (inclusive). */
  begin: number;
  /** One past its last code point (exclusive). */
  end: number;
}

/**
 * Reads the message's `<reference type="mention"/>` elements. A reference without a range, with a
 * range that is not two integers with 0 ≤ begin < end, or whose `uri` is no `xmpp:` URI of a JID,
 * is left out.
 */
export function parseMentions(message: Element): MentionReference[] {
  const mentions: MentionReference[] = [];
  for (const ref of message.getChildren("reference", NS_REFERENCE)) {
    if (ref.attrs.type !== "mention" || typeof ref.attrs.uri !== "string") continue;
    const jid = jidOfXmppUri(ref.attrs.uri);
    const begin = Number(ref.attrs.begin);
    const end = Number(ref.attrs.end);
    if (jid === undefined || ref.attrs.begin === undefined || ref.attrs.end === undefined) continue;
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end <= begin) continue;
    mentions.push({ jid, begin, end });
  }
  return mentions;
}

/** True when the message carries any `<reference type="mention"/>`, well-formed or not. */
export function hasMentions(message: Element): boolean {
  return message.getChildren("reference", NS_REFERENCE).some((ref) => ref.attrs.type === "mention");
}

/** Builds `<reference type="mention" uri begin end/>` for a mention of `jid`. */
export function mentionElement(mention: MentionReference): Element {
  return xml("reference", {
    xmlns: NS_REFERENCE,
    type: "mention",
    uri: xmppUri(mention.jid),
    begin: String(mention.begin),
    end: String(mention.end),
  });
}
