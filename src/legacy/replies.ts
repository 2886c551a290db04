/**
 * Replies (XEP-0461) and mentions (XEP-0372) as plugins see them, both ways. Offsets are UTF-16
 * code unit indexes into the text as the plugin gets or gives it, so `text.slice(start, end)` is
 * the mention; the runtime converts them to and from the code points of the wire (XEP-0426).
 */
import type { LegacyParticipant } from "./LegacyParticipant.js";

/**
 * A participant named in a message: `text.slice(start, end)` is where the text names them (UTF-16
 * offsets, as JavaScript indexes strings).
 */
export interface Mention {
  participant: LegacyParticipant;
  start: number;
  end: number;
}

/** What the user's message replies to, as `onText` gets it in `options.replyTo`. */
export interface IncomingReply {
  /**
   * The legacy id of the quoted message (its stanza-id when it has none), or undefined when the
   * room does not know the message (older than the archive, or from another room).
   */
  legacyId: string | undefined;
  /** The id the client named the quoted message by: its stanza-id, as XEP-0461 asks in a group chat. */
  xmppId: string;
  /**
   * The quoted message's author, from the occupant JID the client named: the user's participant
   * for one of the user's messages; a participant that is not in the room any more is made up
   * without being added to it. Undefined when the client named nobody.
   */
  participant: LegacyParticipant | undefined;
  /** The quote the client put in front of the text (already removed from it), if it sent one. */
  fallback: string | undefined;
}

/** The message a participant's message replies to (`sendText`'s `replyTo`). */
export interface OutgoingReply {
  /** The legacy id of the quoted message: its stanza-id, by which the reply names it. */
  legacyId: string;
  /** Its author (the user's participant for a message of the user's); names it in the reply and the quote. */
  participant?: LegacyParticipant;
  /**
   * Its text: quoted at the start of the body for clients without replies (XEP-0428 fallback),
   * as `> nick:` then `> ` before each line. Without it there is no quote.
   */
  text?: string;
}

/** Whitespace or punctuation: what may stand right before and after a nickname in a text. */
const BOUNDARY = /^[\s\p{P}\p{Z}]$/u;

/**
 * Finds where `text` names `participants`: each occurrence of a participant's nickname (or of its
 * resource, when that differs) between whitespace, punctuation or the ends of the text. Where
 * names overlap, the earliest and then the longest wins. Sorted by position.
 *
 * @example
 * const bob = await room.getParticipant("bob");
 * findMentions("hi bob!", [bob]); // [{ participant: bob, start: 3, end: 6 }]
 */
export function findMentions(text: string, participants: Iterable<LegacyParticipant>): Mention[] {
  const found: Mention[] = [];
  for (const participant of participants) {
    for (const name of new Set([participant.nickname, participant.resource])) {
      if (name === "") continue;
      for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
        if (isBoundary(text, at, -1) && isBoundary(text, at + name.length, 1)) found.push({ participant, start: at, end: at + name.length });
      }
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Mention[] = [];
  for (const m of found) if (kept.length === 0 || m.start >= (kept.at(-1) as Mention).end) kept.push(m);
  return kept;
}

/** True when `text` ends (direction -1) or starts (1) at `at`, or has a boundary character there. */
function isBoundary(text: string, at: number, direction: -1 | 1): boolean {
  if (at <= 0 && direction === -1) return true;
  if (at >= text.length && direction === 1) return true;
  const c = direction === 1 ? String.fromCodePoint(text.codePointAt(at) as number) : lastCodePoint(text.slice(0, at));
  return BOUNDARY.test(c);
}

function lastCodePoint(text: string): string {
  const low = text.charCodeAt(text.length - 1);
  return low >= 0xdc00 && low <= 0xdfff && text.length > 1 ? text.slice(-2) : text.slice(-1);
}

/**
 * Checks `sendText`'s reply and mentions before anything is sent, so that a mistake throws in the
 * plugin's own call: a TypeError that names the option.
 */
export function checkTextExtras(room: object, body: string, options: { replyTo?: OutgoingReply; mentions?: readonly Mention[] }): void {
  const { replyTo, mentions } = options;
  if (replyTo !== undefined) {
    if (typeof replyTo.legacyId !== "string" || replyTo.legacyId === "") throw new TypeError("sendText: replyTo.legacyId must be a non-empty string");
    if (replyTo.participant !== undefined && replyTo.participant.room !== room) throw new TypeError("sendText: replyTo.participant must be a participant of this room");
    if (replyTo.text !== undefined && typeof replyTo.text !== "string") throw new TypeError("sendText: replyTo.text must be a string");
  }
  for (const [i, m] of (mentions ?? []).entries()) {
    if (m.participant?.room !== room) throw new TypeError(`sendText: mentions[${i}].participant must be a participant of this room`);
    const inBody = Number.isInteger(m.start) && Number.isInteger(m.end) && m.start >= 0 && m.start < m.end && m.end <= body.length;
    if (!inBody || splitsPair(body, m.start) || splitsPair(body, m.end)) {
      throw new TypeError(`sendText: mentions[${i}] must have integer start < end within the body (UTF-16 offsets, not inside a surrogate pair)`);
    }
  }
}

/** True when UTF-16 offset `at` falls between the two halves of a surrogate pair of `text`. */
function splitsPair(text: string, at: number): boolean {
  const low = text.charCodeAt(at);
  const high = text.charCodeAt(at - 1);
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
}
