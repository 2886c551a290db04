/**
 * Request handlers for what a user's client sends to take a message back: the user's own
 * retractions (XEP-0424) and a moderator's retraction of anyone's message (XEP-0425). Like every
 * request they run in the room's mailbox, one at a time, with the callback timeout and the error
 * mapping of the others. Neither ever reaches `onText`, whatever fallback body it carries.
 */
import type { Element } from "@xmpp/component";
import { XMPPError } from "../protocol/xmppError.js";
import { iqResult } from "../protocol/rfc6120.js";
import { retractedElement } from "../protocol/xep0424.js";
import type { ModerateRequest } from "../protocol/xep0425.js";
import { newStanzaId } from "./archive.js";
import type { RequestHandler } from "./RoomActor.js";
import { type Traffic, archivedEcho } from "./requests.js";
import { moderationPlan } from "./retractions.js";

/**
 * A user's retraction of one of their messages (XEP-0424 §4), named by its stanza-id (as
 * clients do in a group chat), its origin-id or the id their client gave it:
 * `onRetract(legacy id)`, then the echo, archived under a new stanza-id, and the original (with
 * its corrections) becomes a tombstone. Another participant's message is `forbidden`; an
 * unknown one `item-not-found`.
 */
export function retractRequest(message: Element, targetId: string, traffic: Traffic): RequestHandler {
  return async (room) => {
    const target = await traffic.ownMessage(targetId);
    if (!target) {
      if (await traffic.known(targetId)) {
        throw new XMPPError("forbidden", "This is not your message: only a moderator can retract it (XEP-0425 moderation)");
      }
      throw new XMPPError("item-not-found", `No message with id ${targetId} in this room`);
    }
    await room.onRetract(target.legacyId ?? target.stanzaId);
    const stanzaId = newStanzaId();
    const echo = await archivedEcho(room, message, traffic, stanzaId);
    await traffic.retract(target.stanzaId, retractedElement(message.attrs.id ?? stanzaId, new Date()));
    return echo;
  };
}

/**
 * A moderator's request to retract a message (XEP-0425 §4): the user's participant must be a
 * moderator (`forbidden`), the request a retraction (`feature-not-implemented`), the target a
 * message of the room by stanza-id (`item-not-found`). Then `onModerate(legacy id, reason)`; once
 * it succeeds the room sends its moderation message to every resource (archived, the target
 * replaced by a tombstone), then the iq result.
 */
export function moderateRequest(iq: Element, request: ModerateRequest, traffic: Traffic): RequestHandler {
  return async (room) => {
    const user = room._userParticipant();
    if (user.role !== "moderator") throw new XMPPError("forbidden", "Only moderators can moderate messages in this room");
    if (!request.retract) throw new XMPPError("feature-not-implemented", "Only retractions can be moderated here");
    const target = await traffic.known(request.id);
    if (!target) throw new XMPPError("item-not-found", `No message with stanza-id ${request.id} in this room`);
    await room.onModerate(target.legacyId ?? request.id, request.reason);
    const plan = await moderationPlan(traffic, user, request.id, { reason: request.reason });
    return (resources) => [...plan(resources), iqResult(iq)];
  };
}
