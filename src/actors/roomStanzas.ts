/**
 * Room logic as pure functions: from the room model (a {@link LegacyRoom} and its
 * participants) to the stanzas a user's resource should receive. No I/O.
 */
import { type Element, xml } from "@xmpp/component";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { xmlSafeText } from "../protocol/resourcepart.js";
import { nickElement } from "../protocol/xep0172.js";
import { delayElement } from "../protocol/xep0203.js";
import { type Affiliation, Status, occupantPresence } from "../protocol/xep0045.js";
import { escapeLocalpart } from "../protocol/xep0106.js";
import { domainOf } from "../protocol/rfc7622.js";
import { replaceElement } from "../protocol/xep0308.js";
import { stanzaIdElement } from "../protocol/xep0359.js";
import { storeHint } from "../protocol/xep0334.js";
import { reactionsElement } from "../protocol/xep0444.js";
import { chatStateElement } from "../protocol/xep0085.js";
import { markableElement } from "../protocol/xep0333.js";
import { occupantIdElement } from "../protocol/xep0421.js";

/** The user's full JID for one of their resources in this room. */
export function userJid(room: LegacyRoom, resource: string): string {
  return `${room.session.user}/${resource}`;
}

/** The real JID shown for a participant in a non-anonymous room, if it has one. */
export function realJidOf(room: LegacyRoom, p: LegacyParticipant): string | undefined {
  if (p.isUser) return room.session.user;
  if (!room.nonAnonymous || p.contact === undefined) return undefined;
  return contactJid(p.contact, domainOf(room.jid));
}

/** A legacy contact's JID on the gateway, `<escaped contact id>@domain`, if its id can be escaped (XEP-0106). */
export function contactJid(contact: string, domain: string): string | undefined {
  try {
    return `${escapeLocalpart(contact)}@${domain}`;
  } catch {
    return undefined;
  }
}

/** The nick element to add when the resource had to differ from the legacy name. */
function nickOf(p: LegacyParticipant): string | undefined {
  return p.resource === p.nickname ? undefined : xmlSafeText(p.nickname);
}

/** Options of {@link participantPresence}. */
export interface PresenceExtras {
  type?: "unavailable";
  /** Overrides the participant's affiliation, e.g. `outcast` in a ban. */
  affiliation?: Affiliation;
  statusCodes?: number[];
  reason?: string;
  id?: string;
  newNick?: string;
}

/** A participant's presence to one resource of the user. */
export function participantPresence(p: LegacyParticipant, to: string, extras: PresenceExtras = {}): Element {
  const { show, status } = p._presence;
  return occupantPresence({
    from: p.jid,
    to,
    id: extras.id,
    type: extras.type,
    affiliation: extras.affiliation ?? p.affiliation,
    role: extras.type === "unavailable" && !extras.statusCodes?.includes(Status.NICK_CHANGED) ? "none" : p.role,
    jid: realJidOf(p.room, p),
    occupantId: p.occupantId,
    statusCodes: extras.statusCodes,
    nick: nickOf(p),
    newNick: extras.newNick,
    reason: extras.reason !== undefined ? xmlSafeText(extras.reason) : undefined,
    show: extras.type ? undefined : show,
    status: extras.type || status === undefined ? undefined : xmlSafeText(status),
    idleSince: extras.type ? undefined : p._presence.idleSince,
  });
}

/** The XEP-0045 §7.6 pair for a renamed occupant: 303 from the old nick, then the new presence. */
export function renamePresences(p: LegacyParticipant, oldResource: string, to: string): Element[] {
  const old = participantPresence(p, to, { type: "unavailable", statusCodes: [Status.NICK_CHANGED], newNick: p.resource });
  old.attrs.from = `${p.room.jid}/${oldResource}`;
  return [old, participantPresence(p, to)];
}

/** The self-presence that ends a join (XEP-0045 §7.2.3), echoing the join's id. */
export function selfPresence(
  room: LegacyRoom,
  user: LegacyParticipant,
  to: string,
  options: { id?: string; requestedNick?: string },
): Element {
  const codes: number[] = [Status.SELF];
  if (room.nonAnonymous) codes.push(Status.NON_ANONYMOUS);
  if (options.requestedNick !== undefined && options.requestedNick !== user.resource) codes.push(Status.NICK_ASSIGNED);
  return occupantPresence({
    from: user.jid,
    to,
    id: options.id,
    affiliation: user.affiliation,
    role: user.role,
    jid: room.nonAnonymous ? to : undefined,
    occupantId: user.occupantId,
    statusCodes: codes,
    nick: nickOf(user),
  });
}

/**
 * The user's occupant gone, with affiliation and role `none`, to one resource: the gateway shuts
 * down (332) or the resource is not in the room (333).
 */
export function userGone(room: LegacyRoom, to: string, code: typeof Status.SHUTDOWN | typeof Status.ERROR_KICK): Element {
  return selfUnavailable(room, to, [code], { affiliationNone: true });
}

/** An unavailable self-presence: a leave (110), a shutdown (332) or a kicked resource (333). */
export function selfUnavailable(
  room: LegacyRoom,
  to: string,
  codes: number[],
  extras: { destroyReason?: string | undefined; destroy?: boolean; affiliationNone?: boolean; reason?: string | undefined } = {},
): Element {
  const user = room._userParticipant();
  return occupantPresence({
    from: user.jid,
    to,
    type: "unavailable",
    affiliation: extras.affiliationNone ? "none" : user.affiliation,
    role: "none",
    jid: room.nonAnonymous ? to : undefined,
    occupantId: user.occupantId,
    statusCodes: [Status.SELF, ...codes],
    reason: extras.reason !== undefined ? xmlSafeText(extras.reason) : undefined,
    destroy: extras.destroy ? { reason: extras.destroyReason } : undefined,
  });
}

/**
 * The user was taken out of the room (slidge's `bookmarks.remove` with `kick`), to each joined
 * resource: unavailable from the user's occupant JID, their affiliation, role `none`, the real
 * JID in non-anonymous rooms, the reason, and 307 + 110 (+ 100 in non-anonymous rooms).
 */
export function removedPresences(room: LegacyRoom, resources: readonly string[], reason: string | undefined): Element[] {
  const codes = room.nonAnonymous ? [Status.KICKED, Status.NON_ANONYMOUS] : [Status.KICKED];
  return resources.map((r) => selfUnavailable(room, userJid(room, r), codes, { reason }));
}

/**
 * The subject message that ends a join (XEP-0045 §7.2.15) or announces a change (§8.1), from the
 * occupant who set it (the user included) with their occupant-id, else from the bare room. Only
 * the join's copy carries `<delay/>` with the time it was set; a live change is news.
 */
export function subjectMessage(room: LegacyRoom, to: string, options: { live?: boolean } = {}): Element {
  const text = room.HAS_SUBJECT ? room.subject : room.description || room.name;
  const setter = room.subjectSetter;
  const participant =
    typeof setter === "string"
      ? [...room._storedParticipants(), room._userParticipant()].find((p) => p.nickname === setter || p.resource === setter)
      : setter;
  let from = room.jid;
  if (participant) from = participant.jid;
  else if (typeof setter === "string" && setter !== "") from = `${room.jid}/${setter}`;
  return xml(
    "message",
    { from, to, type: "groupchat", id: undefined },
    xml("subject", {}, xmlSafeText(text)),
    room.subjectDate && !options.live ? delayElement(room.subjectDate, room.jid) : null,
    participant ? occupantIdElement(participant.occupantId) : null,
  );
}

/**
 * A groupchat message from a participant (XEP-0045 §7.4), with stanza-id and occupant-id; with
 * `replaces`, a correction (XEP-0308 §3) of the message the user's clients know by that id;
 * `extras` follow the body (a reply, its fallback, mentions: see `outgoingText.ts`; a file's
 * XEP-0066 and XEP-0447 elements: see `fileTraffic.ts`).
 */
export function participantMessage(
  p: LegacyParticipant,
  to: string,
  body: string,
  ids: { id: string | undefined; stanzaId: string; when?: Date | undefined; replaces?: string },
  extras: readonly Element[] = [],
): Element {
  return xml(
    "message",
    { from: p.jid, to, type: "groupchat", id: ids.id },
    xml("body", {}, xmlSafeText(body)),
    ...extras,
    ids.replaces !== undefined ? replaceElement(ids.replaces) : null,
    ids.when ? delayElement(ids.when, p.room.jid) : null,
    stanzaIdElement(ids.stanzaId, p.room.jid),
    p.isSystem ? null : occupantIdElement(p.occupantId),
    nickOf(p) ? nickElement(nickOf(p) as string) : null,
    // Clients may show "displayed" for it, and the sender is no longer typing (slidge sends both).
    chatStateElement("active"),
    markableElement(),
  );
}

/**
 * A participant's signal to one resource: a chat state (XEP-0085) or a displayed marker
 * (XEP-0333). Neither is archived, so it carries no stanza-id; the occupant-id says who.
 */
export function participantSignal(p: LegacyParticipant, to: string, signal: Element): Element {
  return xml("message", { from: p.jid, to, type: "groupchat" }, signal, p.isSystem ? null : occupantIdElement(p.occupantId));
}

/** Reactions of a participant to a message (XEP-0444), with stanza-id, occupant-id and a store hint. */
export function participantReactions(
  p: LegacyParticipant,
  to: string,
  reactions: { target: string; emojis: string[]; stanzaId: string },
): Element {
  return xml(
    "message",
    { from: p.jid, to, type: "groupchat", id: reactions.stanzaId },
    reactionsElement({ id: reactions.target, emojis: reactions.emojis.map(xmlSafeText) }),
    storeHint(),
    stanzaIdElement(reactions.stanzaId, p.room.jid),
    p.isSystem ? null : occupantIdElement(p.occupantId),
  );
}
