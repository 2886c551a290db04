/**
 * A participant's text as the user's clients get it (`sendText` with `replyTo` or `mentions`):
 * the quote of the replied-to message in front of the body, marked as an XEP-0428 fallback, the
 * XEP-0461 reply and the XEP-0372 mentions, with the plugin's UTF-16 offsets turned into code
 * points of the body sent (XEP-0426), after the quote.
 */
import type { Element } from "@xmpp/component";
import type { SendTextOptions } from "../legacy/LegacyParticipant.js";
import { xmlSafeText } from "../protocol/resourcepart.js";
import { mentionElement } from "../protocol/xep0372.js";
import { codePointLength } from "../protocol/xep0426.js";
import { fallbackElement } from "../protocol/xep0428.js";
import { NS_REPLY, replyElement, replyQuote } from "../protocol/xep0461.js";

/** The body to send and the elements that go with it (new ones at each call: one set per stanza). */
export interface ComposedText {
  body: string;
  payload(): Element[];
}

/**
 * Composes `body` with the reply and mentions of `options`. The quote names the author by their
 * legacy nickname (never the escaped resource; nobody for the room itself, which has none); the
 * reply names them by occupant JID and the message by its legacy id, which is its stanza-id.
 */
export function composeText(body: string, options: SendTextOptions): ComposedText {
  const { replyTo, mentions = [] } = options;
  if (!replyTo && mentions.length === 0) return { body, payload: () => [] };
  const quote = replyTo?.text === undefined ? "" : xmlSafeText(replyQuote(replyTo.participant?.nickname || undefined, replyTo.text));
  const shift = codePointLength(quote);
  // Code points of the text as sent (XML-safe) before UTF-16 offset `i` of the plugin's body.
  const before = (i: number) => shift + codePointLength(xmlSafeText(body.slice(0, i)));
  const refs = mentions.map((m) => ({ jid: m.participant.jid, begin: before(m.start), end: before(m.end) }));
  return {
    body: quote + xmlSafeText(body),
    payload: () => [
      ...(replyTo ? [replyElement({ id: replyTo.legacyId, to: replyTo.participant?.jid })] : []),
      ...(quote ? [fallbackElement(NS_REPLY, { start: 0, end: shift })] : []),
      ...refs.map(mentionElement),
    ],
  };
}
