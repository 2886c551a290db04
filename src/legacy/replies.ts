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
  /** The participant named. */
  participant: LegacyParticipant;
  /** Where the name starts in the text (UTF-16 offset, inclusive). */
  start: number;
  /** Where the name ends in the text (UTF-16 offset, exclusive). */
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
 * names overlap, the earliest and then the longest wins; a name two participants share names the
 * first. Sorted by position. The cost grows with the text and the number of distinct name lengths,
 * not with the number of participants.
 *
 * @example
 * const bob = await room.getParticipant("bob");
 * findMentions("hi bob!", [bob]); // [{ participant: bob, start: 3, end: 6 }]
 */
export function findMentions(text: string, participants: Iterable<LegacyParticipant>): Mention[] {
  const byName = new Map<string, LegacyParticipant>();
  for (const p of participants) {
    for (const name of [p.nickname, p.resource]) if (name !== "" && !byName.has(name) && text.includes(name)) byName.set(name, p);
  }
  // Only names the text contains can be found; most messages name nobody, and need no scan.
  if (byName.size === 0) return [];
  const lengths = [...new Set([...byName.keys()].map((name) => name.length))].sort((a, b) => b - a);
  const found: Mention[] = [];
  let at = 0;
  while (at < text.length) {
    const length = boundaryBefore(text, at) ? lengths.find((n) => byName.has(text.slice(at, at + n)) && boundaryAfter(text, at + n)) : undefined;
    if (length === undefined) {
      at++;
      continue;
    }
    found.push({ participant: byName.get(text.slice(at, at + length)) as LegacyParticipant, start: at, end: at + length });
    at += length;
  }
  return found;
}

/** True at the start of `text` or after a boundary character (a whole code point). */
function boundaryBefore(text: string, at: number): boolean {
  if (at === 0) return true;
  const pair = at >= 2 && isLowSurrogate(text.charCodeAt(at - 1)) && isHighSurrogate(text.charCodeAt(at - 2));
  return BOUNDARY.test(text.slice(pair ? at - 2 : at - 1, at));
}

/** True at the end of `text` or before a boundary character. */
function boundaryAfter(text: string, at: number): boolean {
  return at >= text.length || BOUNDARY.test(String.fromCodePoint(text.codePointAt(at) as number));
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

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
  return isLowSurrogate(text.charCodeAt(at)) && isHighSurrogate(text.charCodeAt(at - 1));
}
