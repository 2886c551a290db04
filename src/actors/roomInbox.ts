/**
 * What a stanza addressed to a room (or one of its occupants) means for the room actor:
 * joins, leaves, nick-change attempts, messages (and the chat states and displayed markers of
 * `roomSignals.ts`), client errors, self-pings and disco.
 * XEP-0045 §7 (occupant use cases), XEP-0410 (self-ping).
 */
import type { Element } from "@xmpp/component";
import { errorReply, isRequestIq, parseStanzaError } from "../protocol/rfc6120.js";
import { mucElement, parseJoin } from "../protocol/xep0045.js";
import { parseReactions } from "../protocol/xep0444.js";
import { parseReplace } from "../protocol/xep0308.js";
import { reaction, setSubject, textMessage } from "./requests.js";
import { correction } from "./requestsEdits.js";
import { parseRetract } from "../protocol/xep0424.js";
import { retractRequest } from "./requestsRetract.js";
import { fileMessage, parseAttachment } from "./requestsFiles.js";
import { handleSignal, parseSignal } from "./roomSignals.js";
import type { RoomActor } from "./RoomActor.js";
import { handleRoomIq } from "./roomIq.js";
import { isJoined } from "../machines/roomStatus.js";
import { Status } from "../protocol/xep0045.js";
import { userGone, userJid } from "./roomStanzas.js";

/** Error conditions with which a client says "this resource is gone" (slidge's list). */
const GONE_CONDITIONS = new Set([
  "gone",
  "internal-server-error",
  "item-not-found",
  "jid-malformed",
  "recipient-unavailable",
  "redirect",
  "remote-server-not-found",
  "remote-server-timeout",
  "service-unavailable",
]);

/** Addresses of a stanza to a room, already validated by the router. */
export interface RoomAddress {
  /** The sender's resource. */
  resource: string;
  /** The nick (resource of the `to`), empty for the bare room. */
  nick: string;
}

/** Dispatches one stanza to a room actor. Never throws on malformed input. */
export function handleRoomStanza(room: RoomActor, stanza: Element, address: RoomAddress, send: (s: Element) => void): void {
  const by = room.room.jid;
  const reply = (condition: Parameters<typeof errorReply>[1]["condition"], text?: string, ...payload: Element[]) =>
    send(errorReply(stanza, { condition, text, by }, ...payload));
  const { resource, nick } = address;
  const type = stanza.attrs.type;

  if (stanza.name === "presence") {
    if (type === "unavailable") {
      // Also a join still waiting for the room: it is dropped (the machine tells a joined resource it left).
      room.leave(resource);
      return;
    }
    if (type === "error") {
      clientError(room, stanza, resource);
      return;
    }
    if (type !== undefined && type !== "available") return;
    const join = parseJoin(stanza);
    if (!nick) {
      if (join.hasMucElement || !isJoined(room.snapshot, resource)) reply("jid-malformed", "A nickname is required to join", mucElement());
      return;
    }
    if (isJoined(room.snapshot, resource) && !join.hasMucElement) {
      const userResource = room.room._userParticipant().resource;
      if (nick !== userResource) reply("not-acceptable", "This gateway does not let you change your nickname", mucElement());
      return;
    }
    room.join(stanza, resource, nick, join.history);
    return;
  }

  if (stanza.name === "message") {
    if (type === "error") {
      clientError(room, stanza, resource);
      return;
    }
    if (type !== "groupchat") {
      if (nick) reply("feature-not-implemented", "Private messages are not supported in this room");
      return;
    }
    if (!isJoined(room.snapshot, resource)) {
      reply("not-acceptable", "You are not connected to this chat");
      send(userGone(room.room, userJid(room.room, resource), Status.ERROR_KICK));
      return;
    }
    const subject = stanza.getChild("subject");
    let reactions: ReturnType<typeof parseReactions>;
    let replaces: string | undefined;
    let retracts: string | undefined;
    let file: ReturnType<typeof parseAttachment>;
    try {
      reactions = parseReactions(stanza);
      replaces = parseReplace(stanza);
      retracts = parseRetract(stanza);
      file = parseAttachment(stanza);
    } catch (error) {
      reply("bad-request", (error as Error).message);
      return;
    }
    if (reactions) room.request(stanza, "reaction", reaction(stanza, reactions, room.archive));
    // A retraction (XEP-0424) is never a new message, whatever its fallback body.
    else if (retracts !== undefined) room.request(stanza, "retract", retractRequest(stanza, retracts, room.archive));
    // A correction (XEP-0308) is never a new message, whatever its body.
    else if (replaces !== undefined && stanza.getChild("body")) room.request(stanza, "correct", correction(stanza, replaces, room.archive));
    // A file (XEP-0066, XEP-0447, XEP-0385) is never text, even when its body is the URL.
    else if (file) room.request(stanza, "file", fileMessage(stanza, file, room.archive));
    else if (stanza.getChild("body")) room.request(stanza, "message", textMessage(stanza, room.archive));
    else if (subject) room.request(stanza, "setSubject", setSubject(subject.getText()));
    else {
      // A chat state or displayed marker: a signal, never queued behind the mailbox.
      const signal = parseSignal(stanza);
      if (signal) handleSignal(room, stanza, resource, signal);
    }
    return;
  }

  if (stanza.name !== "iq" || !isRequestIq(stanza)) return;
  const payload = stanza.getChildElements()[0];
  if (stanza.getChildElements().length !== 1 || !payload) {
    reply("bad-request", "An iq must have exactly one child");
    return;
  }
  handleRoomIq(room, stanza, payload, resource, nick, send);
}

/** An error from the user's client: a "gone" condition removes that resource. */
function clientError(room: RoomActor, stanza: Element, resource: string): void {
  const error = parseStanzaError(stanza);
  if (!error || GONE_CONDITIONS.has(error.condition)) room.leave(resource, true);
}
