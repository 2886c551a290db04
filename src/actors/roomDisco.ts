/**
 * XEP-0045 §6.4 room disco#info, as a pure function of the room model, with the
 * muc#roominfo form of XEP-0045 §15.5.4 and the avatar hash of XEP-0486 §3.
 */
import type { Element } from "@xmpp/component";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { NS } from "../protocol/namespaces.js";
import { NS_MAM } from "../protocol/xep0313.js";
import { xmlSafeText } from "../protocol/resourcepart.js";
import { discoInfo } from "../protocol/xep0030.js";
import { type FormField, dataForm } from "../protocol/xep0004.js";
import { NS_REACTIONS, restrictionsForm } from "../protocol/xep0444.js";
import { NS_CORRECT } from "../protocol/xep0308.js";
import { NS_RETRACT, NS_RETRACT_0, NS_RETRACT_TOMBSTONE } from "../protocol/xep0424.js";
import { NS_MODERATE, NS_MODERATE_0 } from "../protocol/xep0425.js";
import { RoomCallbacks } from "../legacy/RoomCallbacks.js";
import { NS_REFERENCE } from "../protocol/xep0372.js";
import { NS_FALLBACK } from "../protocol/xep0428.js";
import { NS_REPLY } from "../protocol/xep0461.js";
import { NS_OOB } from "../protocol/xep0066.js";
import { NS_SIMS } from "../protocol/xep0385.js";
import { NS_SFS } from "../protocol/xep0447.js";

/** Features every room has (its archive replaces retracted messages with tombstones, XEP-0424 §5). */
const ROOM_FEATURES = [NS_REACTIONS, NS_MAM, `${NS_MAM}#extended`, NS_RETRACT_TOMBSTONE, NS.MUC, "muc_persistent", "muc_unmoderated", "muc_passwordless", NS.OCCUPANT_ID, NS.SID, NS.PING, "http://jabber.org/protocol/muc#self-ping-optimization", NS.DISCO_INFO];

/**
 * What every room understands in a text message, both ways: replies (XEP-0461) with their
 * fallback (XEP-0428) and mentions (XEP-0372). `onText` gets them; there is no callback to override.
 */
const TEXT_FEATURES = [NS_REPLY, NS_FALLBACK, NS_REFERENCE];

/** Features that depend on the room type: `group` is members-only and non-anonymous. */
export function typeFeatures(room: LegacyRoom): string[] {
  return room.type === "group"
    ? ["muc_membersonly", "muc_nonanonymous", "muc_hidden"]
    : ["muc_open", "muc_semianonymous", "muc_public"];
}

/**
 * Features the plugin offers by overriding their callback: corrections (XEP-0308), chat states
 * (XEP-0085, `onComposing` or `onPaused`), displayed markers (XEP-0333), retractions (XEP-0424,
 * both namespaces it accepts) and moderation (XEP-0425, both namespaces).
 */
function callbackFeatures(room: LegacyRoom): string[] {
  const base = RoomCallbacks.prototype;
  const offered: [boolean, string][] = [
    [room.onCorrect !== base.onCorrect, NS_CORRECT],
    [room.onComposing !== base.onComposing || room.onPaused !== base.onPaused, NS.CHAT_STATES],
    [room.onDisplayed !== base.onDisplayed, NS.CHAT_MARKERS],
    [room.onRetract !== base.onRetract, NS_RETRACT],
    [room.onRetract !== base.onRetract, NS_RETRACT_0],
    [room.onModerate !== base.onModerate, NS_MODERATE],
    [room.onModerate !== base.onModerate, NS_MODERATE_0],
  ];
  // Files (XEP-0066, and the XEP-0447 and XEP-0385 forms that onFile also reads).
  if (room.onFile !== base.onFile) offered.push([true, NS_OOB], [true, NS_SFS], [true, NS_SIMS[0]]);
  return offered.filter(([overridden]) => overridden).map(([, feature]) => feature);
}

/** The number of occupants, counting the user, once known. */
export function occupantCount(room: LegacyRoom, participantsFilled: boolean): number | undefined {
  if (participantsFilled) return room._storedParticipants().length + 1;
  return room.nParticipants;
}

/** The room's disco#info `<query/>`, with the XEP-0444 restrictions form when reactions are restricted. */
export async function roomDiscoInfo(room: LegacyRoom, participantsFilled: boolean): Promise<Element> {
  const restrictions = restrictionsForm(await room.availableEmojis(), room.MAX_REACTIONS_PER_USER);
  const fields: FormField[] = [
    { var: "muc#roominfo_subject", values: [xmlSafeText(room.HAS_SUBJECT ? room.subject : "")] },
    { var: "muc#roomconfig_roomname", values: [xmlSafeText(room.name)] },
    { var: "muc#roomconfig_persistentroom", type: "boolean", values: ["1"] },
    { var: "muc#roomconfig_membersonly", type: "boolean", values: [room.type === "group" ? "1" : "0"] },
    { var: "muc#roomconfig_publicroom", type: "boolean", values: [room.type === "group" ? "0" : "1"] },
    { var: "muc#roomconfig_whois", values: [room.nonAnonymous ? "anyone" : "moderators"] },
    { var: "muc#roomconfig_allowpm", values: ["none"] },
    { var: "muc#roominfo_subjectmod", type: "boolean", values: [room.HAS_SUBJECT ? "1" : "0"] },
  ];
  if (room.description) fields.push({ var: "muc#roominfo_description", values: [xmlSafeText(room.description)] });
  if (room.avatarHash) {
    fields.push({ var: "{http://modules.prosody.im/mod_vcard_muc}avatar#sha1", values: [room.avatarHash] });
    fields.push({ var: "muc#roominfo_avatarhash", type: "text-multi", values: [room.avatarHash] });
  }
  const count = occupantCount(room, participantsFilled);
  if (count !== undefined) fields.push({ var: "muc#roominfo_occupants", values: [String(count)] });
  return discoInfo(
    [{ category: "conference", type: "text", name: xmlSafeText(room.name) }],
    [...ROOM_FEATURES, ...TEXT_FEATURES, ...callbackFeatures(room), ...typeFeatures(room)],
    [dataForm("result", NS.MUC_ROOMINFO, fields), ...(restrictions ? [restrictions] : [])],
  );
}
