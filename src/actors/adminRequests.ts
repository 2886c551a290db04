/**
 * muc#admin sets (XEP-0045 §8, §9): affiliation changes, kicks (role `none`) and role changes,
 * mapped to the plugin's callbacks. Items are applied in order; the first failure answers the
 * whole iq (changes already made stay made).
 */
import type { Element } from "@xmpp/component";
import { XMPPError } from "../protocol/xmppError.js";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { iqResult } from "../protocol/rfc6120.js";
import type { AdminItem } from "../protocol/xep0045admin.js";
import { unescapeLocalpart } from "../protocol/xep0106.js";
import { domainOf, splitJid } from "../protocol/rfc7622.js";
import type { RequestHandler } from "./RoomActor.js";

/** Who an item is about: the legacy contact and the occupant's legacy nickname, when known. */
async function targetOf(room: LegacyRoom, item: AdminItem): Promise<{ contact?: string; nickname?: string }> {
  if (item.nick !== undefined) {
    const participants = await room.getParticipants();
    const p = participants.find((x) => x.resource === item.nick || x.nickname === item.nick);
    if (!p) throw new XMPPError("item-not-found", `No occupant with the nick ${item.nick}`);
    return { contact: p.contact, nickname: p.nickname };
  }
  const jid = splitJid(item.jid);
  const domain = domainOf(room.jid);
  if (!jid?.local || jid.domain !== domain) {
    throw new XMPPError("item-not-found", "Only contacts of this gateway (JIDs on its domain) can be changed");
  }
  const contact = unescapeLocalpart(jid.local);
  const known: LegacyParticipant | undefined = room._storedParticipants().find((p) => p.contact === contact);
  return { contact, nickname: known?.nickname };
}

/** Applies muc#admin items: `onSetAffiliation`, `onKick` or `onSetRole`, then the iq result. */
export function adminSet(iq: Element, items: AdminItem[]): RequestHandler {
  return async (room) => {
    for (const item of items) {
      if (item.nick === undefined && item.jid === undefined) throw new XMPPError("bad-request", "An item needs a nick or a jid");
      const { contact, nickname } = await targetOf(room, item);
      if (item.affiliation !== undefined) await room.onSetAffiliation(contact, item.affiliation, item.reason, nickname);
      else if (item.role === "none") await room.onKick(contact, item.reason, nickname);
      else if (item.role !== undefined) await room.onSetRole(contact, item.role, item.reason, nickname);
    }
    return () => [iqResult(iq)];
  };
}

/** The mailbox kind of an admin set, for inspection: `ban`, `kick`, `setAffiliation` or `setRole`. */
export function adminKind(items: AdminItem[]): "ban" | "kick" | "setAffiliation" | "setRole" {
  const first = items[0];
  if (first?.affiliation === "outcast") return "ban";
  if (first?.affiliation !== undefined) return "setAffiliation";
  return first?.role === "none" ? "kick" : "setRole";
}
