/**
 * Requests to a legacy contact's JID on the gateway (`<escaped contact id>@domain`), the real JID
 * that occupants show in non-anonymous rooms and that clients ask about (Converse.js asks for its
 * vCard): XEP-0054 vCard-temp get and XEP-0030 disco#info. Without this they would reach the room
 * path and be answered `item-not-found` "No room … here".
 */
import type { Element } from "@xmpp/component";
import { NS } from "../protocol/namespaces.js";
import { xmlSafeText } from "../protocol/resourcepart.js";
import { iqResult } from "../protocol/rfc6120.js";
import { domainOf } from "../protocol/rfc7622.js";
import { discoInfo } from "../protocol/xep0030.js";
import { vcardPhoto } from "../protocol/xep0054.js";
import { type Awaitable, type GatewayStore, andThen } from "../store/eitherStore.js";
import type { RoomRecord } from "../store/types.js";
import type { RoomRegistry } from "./registry.js";
import { contactJid, realJidOf } from "./roomStanzas.js";

/** Who asks about which JID. */
export interface ContactAddress {
  registry: RoomRegistry;
  /** The asking user's bare JID: only their rooms are searched. */
  user: string;
  /** The bare JID asked about, on the gateway's domain. */
  jid: string;
}

/**
 * The nickname of the participant that shows `jid` as its real JID in one of the user's rooms
 * (running ones first, then those in the store: a passivated room's occupants stay contacts),
 * unless a room has that JID (a room is asked about then).
 */
function contactNickname({ registry, user, jid }: ContactAddress): Awaitable<string | undefined> {
  // Servers nodeprep the local part of the address (Prosody lower-cases it).
  const asked = jid.toLowerCase();
  const rooms = registry.roomsOf(user);
  if (rooms.some((r) => r.room.jid.toLowerCase() === asked)) return undefined;
  for (const actor of rooms) {
    const room = actor.room;
    const p = room._storedParticipants().find((x) => x.contact !== undefined && realJidOf(room, x)?.toLowerCase() === asked);
    if (p) return p.nickname;
  }
  return registry.store && storedContactNickname(registry.store, user, asked);
}

/** {@link contactNickname} among the participants the store keeps of the user's non-anonymous rooms. */
function storedContactNickname(store: GatewayStore, user: string, asked: string): Awaitable<string | undefined> {
  return andThen(store.listRooms(user), (stored) => {
    if (stored.some((r) => r.room.toLowerCase() === asked)) return undefined;
    return nicknameAmong(store, stored.filter((r) => r.type === "group"), 0, asked);
  });
}

/** The nickname of the participant of `rooms[i]` or a later one whose contact JID is `asked`, one room read at a time. */
function nicknameAmong(store: GatewayStore, rooms: RoomRecord[], i: number, asked: string): Awaitable<string | undefined> {
  const room = rooms[i];
  if (!room) return undefined;
  const domain = domainOf(asked);
  return andThen(store.getParticipants(room), (participants) => {
    const p = participants.find((x) => x.contact !== undefined && contactJid(x.contact, domain)?.toLowerCase() === asked);
    return p ? p.nickname : nicknameAmong(store, rooms, i + 1, asked);
  });
}

/**
 * Answers a vCard-temp get or a disco#info get to a contact JID the user has seen; returns false
 * (and sends nothing) for any other stanza or JID (a promise of it, when an asynchronous store
 * is read). The vCard is empty: the gateway knows no
 * contact avatars. Disco#info names the contact after its occupant's nickname, as a client.
 */
export function handleContactIq(stanza: Element, address: ContactAddress, send: (s: Element) => void): Awaitable<boolean> {
  if (stanza.name !== "iq" || stanza.attrs.type !== "get") return false;
  const [payload, ...rest] = stanza.getChildElements();
  if (!payload || rest.length > 0) return false;
  const vcard = payload.is("vCard", NS.VCARD);
  const disco = payload.is("query", NS.DISCO_INFO) && !payload.attrs.node;
  if (!vcard && !disco) return false;
  return andThen(contactNickname(address), (nickname) => {
    if (nickname === undefined) return false;
    if (vcard) send(iqResult(stanza, vcardPhoto()));
    else send(iqResult(stanza, discoInfo([{ category: "client", type: "pc", name: xmlSafeText(nickname) }], [NS.DISCO_INFO, NS.VCARD])));
    return true;
  });
}
