/**
 * XEP-0461: Message Replies, version 0.3.0
 * https://xmpp.org/extensions/xep-0461.html
 *
 * In a group chat a reply names the quoted message by the stanza-id the room gave it (§4.1) and
 * its author by occupant JID (§3). The quote for clients without replies is an XEP-0428
 * fallback (§3.1) in the XEP-0393 quotation style that clients and slidge write.
 */
import { type Element, xml } from "@xmpp/component";

/** The message replies namespace. */
export const NS_REPLY = "urn:xmpp:reply:0";

/** What a `<reply/>` names: the quoted message's id and, when given, its author's JID. */
export interface ReplyReference {
  id: string;
  to?: string;
}

/**
 * Reads `<reply to id/>`, or undefined when the message is no reply or its reply has no id (the
 * id is required, §3). An empty `to` (some clients send one) counts as absent.
 */
export function parseReply(message: Element): ReplyReference | undefined {
  const reply = message.getChild("reply", NS_REPLY);
  const id = reply?.attrs.id;
  if (typeof id !== "string" || id === "") return undefined;
  const to = reply?.attrs.to;
  return typeof to === "string" && to !== "" ? { id, to } : { id };
}

/** Builds `<reply to id/>` for a reply to the message `id` by `to`. */
export function replyElement(reply: ReplyReference): Element {
  return xml("reply", { xmlns: NS_REPLY, to: reply.to, id: reply.id });
}

/**
 * The fallback quote of a reply: `> author:` (when the author is known; line breaks in the name
 * become spaces, so that the quote stays one block), then each line of the quoted text prefixed
 * with `> `, each line ending with a line feed.
 *
 * @example
 * replyQuote("bob", "hi\nall") // "> bob:\n> hi\n> all\n"
 */
export function replyQuote(author: string | undefined, text: string): string {
  const lines = author === undefined ? [] : [`${author.replace(/[\r\n]+/g, " ")}:`];
  lines.push(...text.split("\n"));
  return lines.map((line) => `> ${line}\n`).join("");
}
