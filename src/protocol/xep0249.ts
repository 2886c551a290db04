/**
 * XEP-0249: Direct MUC Invitations, version 1.2
 * https://xmpp.org/extensions/xep-0249.html
 */
import { type Element, xml } from "@xmpp/component";

/** The direct invitation namespace. */
export const NS_CONFERENCE = "jabber:x:conference";

/** A direct invitation as plain data. */
export interface DirectInvitation {
  jid: string;
  reason?: string;
  password?: string;
}

/** Reads the direct invitation of a message, if it carries one. */
export function parseInvitation(message: Element): DirectInvitation | undefined {
  const x = message.getChild("x", NS_CONFERENCE);
  if (!x?.attrs.jid) return undefined;
  const invitation: DirectInvitation = { jid: x.attrs.jid };
  if (x.attrs.reason) invitation.reason = x.attrs.reason;
  if (x.attrs.password) invitation.password = x.attrs.password;
  return invitation;
}

/** Builds a direct invitation message. */
export function invitationMessage(from: string, to: string, invitation: DirectInvitation): Element {
  return xml("message", { from, to }, xml("x", { xmlns: NS_CONFERENCE, jid: invitation.jid, reason: invitation.reason }));
}
