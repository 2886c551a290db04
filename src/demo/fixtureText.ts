/**
 * Replies and mentions in the fixture network: how `onText`'s reply and mentions appear in the
 * call log, and how a timed `reply` event becomes a participant's `sendText`.
 */
import type { IncomingTextOptions } from "../legacy/LegacyRoom.js";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import { findMentions } from "../legacy/replies.js";
import type { FixtureEvent } from "./fixtureEvents.js";

/**
 * The call log's extra argument of `onText` for a reply or a message with mentions (nothing for
 * plain text): `{ replyTo?: { legacyId, xmppId, nick, fallback }, mentions: [{ nick, start, end }] }`,
 * `nick` being the participant's legacy nickname and offsets UTF-16, as the plugin got them.
 */
export function loggedTextExtras(options: IncomingTextOptions): unknown[] {
  const { replyTo, mentions = [] } = options;
  if (!replyTo && mentions.length === 0) return [];
  const nicks = mentions.map((m) => ({ nick: m.participant.nickname, start: m.start, end: m.end }));
  if (!replyTo) return [{ mentions: nicks }];
  const { legacyId, xmppId, participant, fallback } = replyTo;
  return [{ replyTo: { legacyId: legacyId ?? null, xmppId, nick: participant?.nickname ?? null, fallback: fallback ?? null }, mentions: nicks }];
}

/**
 * Plays a `reply` event: `from` replies to the legacy message `to`, quoting `quote` by `author`,
 * and mentions the participants `mentions` names wherever the body names them.
 */
export function playReply(event: Extract<FixtureEvent, { reply: unknown }>["reply"], who: (nick: string) => LegacyParticipant): void {
  const { from, to, body, id, author, quote, mentions } = event;
  const replyTo = { legacyId: to, ...(author !== undefined && { participant: who(author) }), ...(quote !== undefined && { text: quote }) };
  who(from).sendText(body, { legacyId: id, replyTo, mentions: findMentions(body, mentions.map(who)) });
}
