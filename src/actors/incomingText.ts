/**
 * What `onText` gets from a user's groupchat message besides its id: the text without the quote
 * of a reply (XEP-0461 with its XEP-0428 fallback), what it replies to, and the participants it
 * mentions (XEP-0372 references, else their nicknames found in the text), with offsets turned
 * from the code points of the wire (XEP-0426) into UTF-16 offsets of the text the plugin gets.
 */
import type { Element } from "@xmpp/component";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { type IncomingReply, type Mention, findMentions } from "../legacy/replies.js";
import { bareJid, domainOf, splitJid } from "../protocol/rfc7622.js";
import { codePointOffset } from "../protocol/xep0426.js";
import { fallbackRanges } from "../protocol/xep0428.js";
import { NS_REPLY, parseReply } from "../protocol/xep0461.js";
import { type MentionReference, hasMentions, parseMentions } from "../protocol/xep0372.js";
import type { Traffic } from "./requests.js";
import { contactJid } from "./roomStanzas.js";

/** A user's text as `onText` gets it. */
export interface IncomingText {
  text: string;
  replyTo?: IncomingReply;
  mentions: Mention[];
}

/**
 * Reads the user's message `message` for `onText`. Only a reply's own fallback (`for` the reply
 * namespace) is removed, and only from a message that is a reply; a reply without a fallback
 * keeps its whole body. Mentions inside the removed quote are dropped.
 */
export async function readIncomingText(room: LegacyRoom, message: Element, traffic: Traffic): Promise<IncomingText> {
  const body = message.getChildText("body") ?? "";
  const reply = parseReply(message);
  if (!reply && !hasMentions(message)) return { text: body, mentions: findMentions(body, room._storedParticipants()) };
  const points = [...body];
  const removed = new Array<boolean>(points.length).fill(false);
  for (const r of (reply && fallbackRanges(message, NS_REPLY, points.length)) ?? []) {
    for (let i = r.start; i < r.end; i++) removed[i] = true;
  }
  // at[i]: how many UTF-16 units of the stripped text come before code point i of the body.
  const at = [0];
  let text = "";
  points.forEach((c, i) => {
    if (!removed[i]) text += c;
    at.push(text.length);
  });
  const mentions: Mention[] = [];
  for (const ref of parseMentions(message)) {
    const participant = await participantOfJid(room, ref.jid);
    const range = participant && rangeOf(body, points, ref, participant);
    if (!participant || !range || removed.slice(range.start, range.end).includes(true)) continue;
    mentions.push({ participant, start: at[range.start] as number, end: at[range.end] as number });
  }
  const result: IncomingText = { text, mentions: hasMentions(message) ? mentions : findMentions(text, room._storedParticipants()) };
  if (reply) {
    const participant = reply.to === undefined ? undefined : await participantOfJid(room, reply.to);
    const quote = points.filter((_, i) => removed[i]).join("");
    const fallback = removed.includes(true) ? quote : undefined;
    result.replyTo = { legacyId: await legacyIdOf(reply.id, traffic), xmppId: reply.id, participant, fallback };
  }
  return result;
}

/** The legacy id of the message the user's client names by `id` (its stanza-id when it has none), if the room knows it. */
async function legacyIdOf(id: string, traffic: Traffic): Promise<string | undefined> {
  const known = await traffic.known(id);
  if (known) return known.legacyId ?? id;
  const own = await traffic.ownMessage(id);
  return own && (own.legacyId ?? own.stanzaId);
}

/**
 * The participant a JID names: an occupant JID of the room (an occupant who is not in the room is
 * made up, not added), the user's own JID, or, as clients write mentions in non-anonymous rooms,
 * a contact's JID on the gateway.
 */
async function participantOfJid(room: LegacyRoom, jid: string): Promise<LegacyParticipant | undefined> {
  const parts = splitJid(jid);
  if (!parts) return undefined;
  const bare = bareJid(jid);
  const user = room._userParticipant();
  if (bare === bareJid(room.jid)) {
    if (parts.resource === "") return undefined;
    if (parts.resource === user.resource) return user;
    return room._storedParticipants().find((p) => p.resource === parts.resource) ?? room.getParticipant(parts.resource, { store: false });
  }
  if (bare === bareJid(room.session.user)) return user;
  const domain = domainOf(room.jid);
  return room._storedParticipants().find((p) => p.contact !== undefined && contactJid(p.contact, domain) === bare);
}

/**
 * The code-point range of the body that a mention covers. XEP-0372 counts code points; some
 * clients (Converse.js) count UTF-16 code units, which differ once an emoji comes first. The
 * range read the spec's way is taken when it spells the participant's name, else the range read
 * the other way when that one does, else the spec's.
 */
function rangeOf(body: string, points: string[], ref: MentionReference, p: LegacyParticipant): { start: number; end: number } | undefined {
  const spec = ref.end <= points.length ? { start: ref.begin, end: ref.end } : undefined;
  const start = codePointOffset(body, ref.begin);
  const end = codePointOffset(body, ref.end);
  const units = start !== undefined && end !== undefined ? { start, end } : undefined;
  const spells = (r: typeof spec) => r !== undefined && namesParticipant(points.slice(r.start, r.end).join(""), p);
  if (spells(spec)) return spec;
  return spells(units) ? units : spec;
}

/** True when `s` (after an optional `@`) is the participant's nickname or resource. */
function namesParticipant(s: string, p: LegacyParticipant): boolean {
  const name = s.startsWith("@") ? s.slice(1) : s;
  return name === p.nickname || name === p.resource;
}
