/**
 * Request handlers for what a user's client sends to change a message it already sent:
 * corrections (XEP-0308). Like every request they run in the room's mailbox, one at a time, with
 * the callback timeout and the error mapping of the others.
 */
import type { Element } from "@xmpp/component";
import { XMPPError } from "../protocol/xmppError.js";
import { originId } from "../protocol/xep0359.js";
import { newStanzaId } from "./archive.js";
import type { RequestHandler } from "./RoomActor.js";
import { type Traffic, archivedEcho } from "./requests.js";

/**
 * A user's correction of one of their messages (XEP-0308 §3), named by the id their client
 * gave it (or its origin-id or stanza-id): `onCorrect(legacy id, new body)`, then the echo,
 * archived under a new stanza-id with the client's id and `<replace/>`. An unknown target is
 * `item-not-found`; it never becomes a new message.
 */
export function correction(message: Element, targetId: string, traffic: Traffic): RequestHandler {
  const body = message.getChildText("body") ?? "";
  return async (room) => {
    const target = await traffic.ownMessage(targetId);
    if (!target) throw new XMPPError("item-not-found", `No message of yours with id ${targetId} in this room`);
    const xmppId = message.attrs.id;
    await room.onCorrect(target.legacyId ?? target.stanzaId, body, { xmppId });
    const stanzaId = newStanzaId();
    // A later correction that names this one instead of the original still finds the original.
    traffic.messages.recordOwn(target, [xmppId, originId(message), stanzaId]);
    return archivedEcho(room, message, traffic, stanzaId);
  };
}
