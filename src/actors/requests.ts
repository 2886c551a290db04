/**
 * Request handlers: each awaits one legacy callback and returns the {@link Plan} of stanzas to
 * send when it succeeds. They run inside the room's mailbox, one at a time, in arrival order.
 * Replies follow slidge (../README: "Requests"): a subject change gets no reply, a
 * configuration or avatar change gets the iq result, a destroy sends the destroy presences
 * before the iq result.
 */
import { type Element, xml } from "@xmpp/component";
import { XMPPError } from "../protocol/xmppError.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { cloneElement, iqResult } from "../protocol/rfc6120.js";
import { SerializedTemplate } from "../protocol/serializedElement.js";
import { parseVcardPhoto } from "../protocol/xep0054.js";
import { isForgedStanzaId, originId, stanzaIdElement, stanzaIdText } from "../protocol/xep0359.js";
import { isOccupantId, occupantIdElement, occupantIdText } from "../protocol/xep0421.js";
import type { Reactions } from "../protocol/xep0444.js";
import { type Awaitable, andThen } from "../store/eitherStore.js";
import { isDelay, newStanzaId } from "./archive.js";
import { readIncomingText } from "./incomingText.js";
import type { OwnMessage, RecentMessages } from "./recentMessages.js";
import type { Plan, RequestHandler } from "./RoomActor.js";
import { avatarChanged } from "./roomAvatar.js";
import type { RoomAvatar } from "./roomAvatar.js";
import { removedPresences, selfUnavailable, userJid } from "./roomStanzas.js";

/** What request handlers need from the room's traffic: recent ids and the archive. */
export interface Traffic {
  readonly messages: RecentMessages;
  /** `stanza` as text: already addressed to the user's bare JID, without `<delay/>`. */
  archive(stanza: Element | string, stanzaId: string, legacyId: string | undefined, when: Date | undefined, authorJid: string): Awaitable<void>;
  /** A message of the room by stanza-id (recent, else archived), if any. */
  known(stanzaId: string): Awaitable<{ legacyId: string | null } | undefined>;
  /** The user's own message known by this client id, origin-id or stanza-id, if any. */
  ownMessage(id: string): Awaitable<OwnMessage | undefined>;
  /** Replaces the archived message with this stanza-id with a tombstone holding `retracted` (XEP-0424 §5). */
  retract(stanzaId: string, retracted: Element): Awaitable<void>;
}

/** The echo of a user's groupchat message to one resource, from the user's occupant JID. */
export function echoOf(room: LegacyRoom, message: Element, to: string, stanzaId: string): Element {
  const user = room._userParticipant();
  const children = echoChildren(room, message).map((c) => (typeof c === "string" ? c : cloneElement(c)));
  return xml(message.name, echoAttrs(room, message, to), ...children, stanzaIdElement(stanzaId, room.jid), occupantIdElement(user.occupantId));
}

/** The echo's attributes: the client's, from the user's occupant JID, to `to`, without the stream's xmlns. */
function echoAttrs(room: LegacyRoom, message: Element, to: string): Record<string, string> {
  const attrs: Record<string, string> = { ...message.attrs, from: room._userParticipant().jid, to, type: "groupchat" };
  delete attrs.xmlns;
  return attrs;
}

/** The client's children the echo keeps: all but a stanza-id claimed by the room and an occupant-id, which only the room may add. */
function echoChildren(room: LegacyRoom, message: Element): Array<Element | string> {
  return message.children.filter((c) => typeof c === "string" || !(isForgedStanzaId(c, room.jid) || isOccupantId(c)));
}

/**
 * Archives the echo of a user's message under `stanzaId` (before it goes out), and plans it for
 * every joined resource (once it is written, with an asynchronous store).
 */
export function archivedEcho(room: LegacyRoom, message: Element, traffic: Traffic, stanzaId: string, legacyId?: string): Awaitable<Plan> {
  const author = room._userParticipant().jid;
  // The archive drops a <delay/> the resources get: such an echo is built for each (rare).
  if (message.children.some(isDelay)) {
    const plan: Plan = (resources) => resources.map((r) => echoOf(room, message, userJid(room, r), stanzaId));
    return andThen(traffic.archive(echoOf(room, message, room.session.user, stanzaId), stanzaId, legacyId, undefined, author), () => plan);
  }
  // Serialized once: the archive's copy and every resource's are this text with their `to`.
  const template = echoTemplate(room, message, stanzaId);
  const user = room.session.user;
  const written = traffic.archive(template.text(xml.escapeXML(user)), stanzaId, legacyId, undefined, author);
  return andThen(written, () => templatePlan(room, template));
}

/**
 * {@link echoOf} addressed to `to=""`, serialized from the user's message without copying it:
 * the same text, attribute for attribute and child for child.
 */
function echoTemplate(room: LegacyRoom, message: Element, stanzaId: string): SerializedTemplate {
  const trailing = stanzaIdText(stanzaId, room.jid) + occupantIdText(room._userParticipant().occupantId);
  return new SerializedTemplate({ name: message.name, attrs: echoAttrs(room, message, ""), children: echoChildren(room, message), trailing });
}

/** Every joined resource's copy of a serialized echo. */
function templatePlan(room: LegacyRoom, template: SerializedTemplate): Plan {
  return (resources) =>
    resources.map((r) => {
      const to = userJid(room, r);
      return template.make(to, xml.escapeXML(to));
    });
}

/**
 * A groupchat body from the user: `onText` (with the reply's quote removed, its target and the
 * mentions; see `incomingText.ts`), then the echo, as the client sent it, to every joined resource.
 */
export function textMessage(message: Element, traffic: Traffic): RequestHandler {
  return async (room) => {
    const { text, ...extras } = await readIncomingText(room, message, traffic);
    return sentEcho(room, message, traffic, await room.onText(text, { xmppId: message.attrs.id, ...extras }));
  };
}

/**
 * The echo of a new message of the user that the legacy network took (`onText`, `onFile`):
 * remembered as the user's under every id their clients know it by, archived under the legacy
 * id the callback `returned` (or a new stanza-id), and planned for every joined resource.
 */
export function sentEcho(room: LegacyRoom, message: Element, traffic: Traffic, returned: unknown): Awaitable<Plan> {
  const legacyId = typeof returned === "string" && returned !== "" ? returned : undefined;
  const stanzaId = legacyId ?? newStanzaId();
  const xmppId = message.attrs.id;
  traffic.messages.record(stanzaId, legacyId);
  traffic.messages.recordOwn({ stanzaId, legacyId: legacyId ?? null, xmppId }, [xmppId, originId(message), stanzaId]);
  return archivedEcho(room, message, traffic, stanzaId, legacyId);
}

/**
 * A user's reactions (XEP-0444): checked against `availableEmojis` and `MAX_REACTIONS_PER_USER`
 * (refused with `not-acceptable`, no callback, no echo), then `onReact`, then the echo.
 */
export function reaction(message: Element, reactions: Reactions, traffic: Traffic): RequestHandler {
  return async (room) => {
    const target = await traffic.known(reactions.id);
    if (!target) throw new XMPPError("item-not-found", `No message ${reactions.id} in this room`);
    const legacyId = target.legacyId ?? reactions.id;
    const allowed = await room.availableEmojis(legacyId);
    const refused = allowed === "any" ? [] : reactions.emojis.filter((e) => !allowed.has(e));
    if (refused.length > 0) {
      throw new XMPPError("not-acceptable", `The legacy network does not accept ${refused.join(" ")} here`);
    }
    const max = room.MAX_REACTIONS_PER_USER;
    if (max !== undefined && reactions.emojis.length > max) {
      throw new XMPPError("not-acceptable", `At most ${max} reaction(s) per message here`);
    }
    await room.onReact(legacyId, reactions.emojis);
    return archivedEcho(room, message, traffic, newStanzaId());
  };
}

/** A groupchat `<subject/>`: `onSetSubject`; the legacy side confirms by setting the subject. */
export function setSubject(subject: string): RequestHandler {
  return async (room) => {
    if (!room.HAS_SUBJECT) {
      throw new XMPPError(
        "bad-request",
        "This room has no subject; change its name or description in the room configuration instead",
        "modify",
      );
    }
    await room.onSetSubject(subject);
    return () => [];
  };
}

/** A submitted muc#roomconfig form: `onSetConfig(name, description)`, then the iq result. */
export function setConfig(iq: Element, fields: Map<string, string[]>): RequestHandler {
  return async (room) => {
    const name = fields.get("muc#roomconfig_roomname")?.[0] ?? null;
    const description = room.HAS_DESCRIPTION ? (fields.get("muc#roomconfig_roomdesc")?.[0] ?? null) : null;
    await room.onSetConfig(name, description);
    return () => [iqResult(iq)];
  };
}

/** A muc#owner `<destroy/>`: `onDestroyRequest`, the destroy presences, then the iq result. */
export function destroy(iq: Element, reason: string | undefined): RequestHandler {
  return async (room) => {
    await room.onDestroyRequest(reason);
    return (resources) => [
      ...resources.map((r) => selfUnavailable(room, userJid(room, r), [], { destroy: true, destroyReason: reason, affiliationNone: true })),
      iqResult(iq),
    ];
  };
}

/** What the user sees as the reason when they left a group from an XMPP client (slidge's text). */
const LEFT_FROM_XMPP = "You left this chat from an XMPP client.";

/**
 * An XEP-0077 `<remove/>` to the room: `session.onLeaveGroup(legacyId)`, then the iq result, then
 * the 307 self-presences to every joined resource; the room then ends as `removed`.
 */
export function leaveGroup(iq: Element): RequestHandler {
  return async (room) => {
    await room.session.onLeaveGroup(room.legacyId);
    return (resources) => [iqResult(iq), ...removedPresences(room, resources, LEFT_FROM_XMPP)];
  };
}

/**
 * A vCard-temp set on the room: `onAvatar(data, mime)`. A returned id applies the avatar at once:
 * the iq result, then to every joined resource a 104 message and the room presence with the new
 * hash. Null leaves it to the plugin to call `setAvatar` later.
 */
export function setRoomAvatar(iq: Element, vcard: Element, avatars: RoomAvatar): RequestHandler {
  const photo = parseVcardPhoto(vcard);
  return async (room, cancel) => {
    if ("error" in photo) throw new XMPPError("bad-request", photo.error);
    const id = await room.onAvatar(photo.data, photo.mime);
    if (id === null || id === undefined) return () => [iqResult(iq)];
    const before = room.avatarHash;
    avatars.apply(photo.data ? await avatars.load(String(id), photo.data, cancel.signal) : undefined);
    if (room.avatarHash === before) return () => [iqResult(iq)];
    return (resources) => [iqResult(iq), ...resources.flatMap((r) => avatarChanged(room, userJid(room, r)))];
  };
}
