/**
 * Invitations from the user to a legacy contact: XEP-0249 direct invitations (a message to the
 * contact's JID) and XEP-0045 §7.8.2 mediated ones (a message to the room). Both reach the
 * plugin as `session.onInvitation(contact, room, reason)`, through the room's mailbox.
 */
import type { Element } from "@xmpp/component";
import { NS } from "../protocol/namespaces.js";
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import { parseInvitation } from "../protocol/xep0249.js";
import { unescapeLocalpart } from "../protocol/xep0106.js";
import { splitJid } from "../protocol/rfc7622.js";
import type { RequestHandler } from "./RoomActor.js";

/** An invitation, resolved to a room of this gateway and a legacy contact. */
export interface Invitation {
  /** The room's JID local part. */
  roomLocal: string;
  /** The contact's legacy id. */
  contact: string;
  reason?: string;
}

/** True when a message carries an invitation of either kind. */
export function isInvitation(message: Element): boolean {
  return message.name === "message" && (parseInvitation(message) !== undefined || mediated(message) !== undefined);
}

function mediated(message: Element): Element | undefined {
  return message.getChild("x", NS.MUC_USER)?.getChild("invite");
}

/** Reads an invitation; an error says why it cannot be carried out. */
export function readInvitation(message: Element, domain: string): Invitation | { error: StanzaErrorData } {
  const bad = (text: string) => ({ error: { condition: "bad-request" as const, text } });
  const direct = parseInvitation(message);
  const invite = mediated(message);
  const roomJid = direct ? splitJid(direct.jid) : splitJid(message.attrs.to);
  const contactJid = direct ? splitJid(message.attrs.to) : splitJid(invite?.attrs.to);
  if (!roomJid?.local || roomJid.domain !== domain || roomJid.resource) return bad("Only rooms of this gateway can be bridged to a legacy contact");
  if (direct?.password || message.getChild("x", NS.MUC_USER)?.getChild("password")) return bad("Rooms of this gateway have no password");
  if (!contactJid?.local || contactJid.domain !== domain) return bad("Only contacts of this gateway can be invited");
  const reason = direct?.reason ?? invite?.getChildText("reason") ?? undefined;
  return { roomLocal: roomJid.local, contact: unescapeLocalpart(contactJid.local), ...(reason ? { reason } : {}) };
}

/** The mailbox request of an invitation: `session.onInvitation`; nothing is sent on success. */
export function invite(invitation: Invitation): RequestHandler {
  return async (room) => {
    await room.session.onInvitation(invitation.contact, room, invitation.reason);
    return () => [];
  };
}
