/**
 * The occupants' presences of a join sequence (XEP-0045 §7.2.3), serialized once per occupant
 * and reused for every resource that joins, until the occupant changes. A join of a room of
 * 1,000 then builds no element tree and escapes no text per occupant (see docs/benchmarks.md).
 * The user's self-presence is kept the same way, with holes for the joining address and the join's id.
 */
import { type Element, xml } from "@xmpp/component";
import type { LegacyParticipant, ParticipantPresence } from "../legacy/LegacyParticipant.js";
import type { Affiliation, Role } from "../protocol/xep0045.js";
import { SerializedElement, SerializedTemplate } from "../protocol/serializedElement.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { participantPresence, selfPresence } from "./roomStanzas.js";

/** A participant's presence without `to`, and what it was built from. */
interface Cached {
  template: SerializedTemplate;
  resource: string;
  nickname: string;
  affiliation: Affiliation;
  role: Role;
  /** `setPresence` replaces the object, never changes it. */
  presence: ParticipantPresence;
  nonAnonymous: boolean;
}

/** Per participant, weakly: a participant that leaves the room (or a passivated room) takes its entry with it. */
const cache = new WeakMap<LegacyParticipant, Cached>();

/** True while the participant still has what its presence was built from. */
function current(c: Cached, p: LegacyParticipant): boolean {
  return (
    c.resource === p.resource &&
    c.nickname === p.nickname &&
    c.affiliation === p.affiliation &&
    c.role === p.role &&
    c.presence === p._presence &&
    c.nonAnonymous === p.room.nonAnonymous
  );
}

/** The presences of `participants` to `to`, in order, as {@link participantPresence} builds them. */
export function* occupantPresences(participants: Iterable<LegacyParticipant>, to: string): Generator<Element> {
  const escapedTo = xml.escapeXML(to);
  for (const p of participants) {
    let c = cache.get(p);
    if (!c || !current(c, p)) {
      c = {
        template: new SerializedTemplate(participantPresence(p, "")),
        resource: p.resource,
        nickname: p.nickname,
        affiliation: p.affiliation,
        role: p.role,
        presence: p._presence,
        nonAnonymous: p.room.nonAnonymous,
      };
      cache.set(p, c);
    }
    yield c.template.make(to, escapedTo);
  }
}

/** Where a self-presence template takes the joining address (`to`, and `jid` in a non-anonymous room) and the join's id. */
const TO_HOLE = "\u0001";
const ID_HOLE = "\u0002";

/** The user's self-presence without its address and id, and what it was built from. */
interface SelfCached {
  /** The text between the holes; `holes[i]` goes after `parts[i]`. */
  parts: string[];
  holes: string[];
  attrs: Record<string, string>;
  jid: string;
  nickname: string;
  affiliation: Affiliation;
  role: Role;
  occupantId: string;
  nonAnonymous: boolean;
  nickAssigned: boolean;
  withId: boolean;
}

/** Per user occupant, weakly, as the occupants' presences. */
const selfCache = new WeakMap<LegacyParticipant, SelfCached>();

/** A template's text cut at its holes. */
function holesOf(text: string): { parts: string[]; holes: string[] } {
  const parts: string[] = [];
  const holes: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch !== TO_HOLE && ch !== ID_HOLE) continue;
    parts.push(text.slice(from, i));
    holes.push(ch);
    from = i + 1;
  }
  parts.push(text.slice(from));
  return { parts, holes };
}

/** True while the user's occupant and the room still have what the self-presence was built from. */
function selfCurrent(c: SelfCached, room: LegacyRoom, user: LegacyParticipant, nickAssigned: boolean, withId: boolean): boolean {
  return (
    c.jid === user.jid &&
    c.nickname === user.nickname &&
    c.affiliation === user.affiliation &&
    c.role === user.role &&
    c.occupantId === user.occupantId &&
    c.nonAnonymous === room.nonAnonymous &&
    c.nickAssigned === nickAssigned &&
    c.withId === withId
  );
}

/**
 * The self-presence of a join (XEP-0045 §7.2.3), byte for byte what {@link selfPresence} builds,
 * made from a text serialized once while the user's occupant and the room's anonymity stay the same.
 */
export function joinSelfPresence(room: LegacyRoom, user: LegacyParticipant, to: string, join: { id?: string; requestedNick?: string }): Element {
  const nickAssigned = join.requestedNick !== undefined && join.requestedNick !== user.resource;
  const withId = join.id !== undefined;
  let c = selfCache.get(user);
  if (!c || !selfCurrent(c, room, user, nickAssigned, withId)) {
    const built = selfPresence(room, user, TO_HOLE, { id: withId ? ID_HOLE : undefined, requestedNick: join.requestedNick });
    const text = built.toString();
    const { parts, holes } = holesOf(text);
    // A name with a control character in it (never a valid JID) would be taken for a hole: no template.
    if (holes.filter((h) => h === TO_HOLE).length !== (room.nonAnonymous ? 2 : 1) || holes.filter((h) => h === ID_HOLE).length !== (withId ? 1 : 0)) {
      return selfPresence(room, user, to, join);
    }
    const { to: _to, id: _id, ...attrs } = built.attrs as Record<string, string>;
    c = { parts, holes, attrs, jid: user.jid, nickname: user.nickname, affiliation: user.affiliation, role: user.role, occupantId: user.occupantId, nonAnonymous: room.nonAnonymous, nickAssigned, withId };
    selfCache.set(user, c);
  }
  const escapedTo = xml.escapeXML(to);
  const escapedId = withId ? xml.escapeXML(join.id as string) : "";
  let text = c.parts[0] as string;
  for (let i = 0; i < c.holes.length; i++) text += (c.holes[i] === TO_HOLE ? escapedTo : escapedId) + c.parts[i + 1];
  return new SerializedElement("presence", withId ? { ...c.attrs, to, id: join.id as string } : { ...c.attrs, to }, text);
}
