/**
 * Iqs addressed to a room or an occupant: reads are answered without waiting behind the
 * mailbox (disco, vCard get, the configuration form, admin lists, self-ping); changes go to
 * the mailbox (configuration, destroy, affiliations and roles, avatar).
 * XEP-0045 §6.4, §9, §10; XEP-0054; XEP-0410.
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "../protocol/namespaces.js";
import { type StanzaErrorData, errorReply, iqResult } from "../protocol/rfc6120.js";
import { discoInfo } from "../protocol/xep0030.js";
import { vcardPhoto } from "../protocol/xep0054.js";
import { affiliationList, parseAdminItems, parseOwnerSet, roleList, roomConfigForm } from "../protocol/xep0045admin.js";
import { andThen, attempt } from "../store/eitherStore.js";
import { StoreItemNotFound } from "../store/errors.js";
import { NS_MAM, mamForm, mamMetadata, parseMamQuery } from "../protocol/xep0313.js";
import { NS_REGISTER, isRegistrationRemoval } from "../protocol/xep0077.js";
import { adminKind, adminSet } from "./adminRequests.js";
import { keyOf, mamAnswer } from "./archive.js";
import { destroy, leaveGroup, setConfig, setRoomAvatar } from "./requests.js";
import { moderateRequest } from "./requestsRetract.js";
import { parseModerate } from "../protocol/xep0425.js";
import type { RoomActor } from "./RoomActor.js";
import { roomDiscoInfo } from "./roomDisco.js";
import { realJidOf, userJid } from "./roomStanzas.js";
import { isJoined, participantsKnown } from "../machines/roomStatus.js";

/** Handles an iq get or set with exactly one payload child. */
export function handleRoomIq(room: RoomActor, iq: Element, payload: Element, resource: string, nick: string, send: (s: Element) => void): void {
  const r = room.room;
  const fail = (error: Omit<StanzaErrorData, "by">) => send(errorReply(iq, { ...error, by: r.jid }));
  const get = iq.attrs.type === "get";
  const is = (name: string, ns: string) => payload.is(name, ns);

  if (get && is("ping", NS.PING)) {
    if (isJoined(room.snapshot, resource)) send(iqResult(iq));
    else fail({ condition: "not-acceptable", type: "cancel", text: "You are not in this room" });
    return;
  }
  if (get && is("query", NS.DISCO_ITEMS)) {
    send(iqResult(iq, xml("query", { xmlns: NS.DISCO_ITEMS, node: payload.attrs.node })));
    return;
  }
  if (get && is("query", NS.DISCO_INFO) && !payload.attrs.node) {
    if (!nick) room.read(iq, "info", async () => [iqResult(iq, await roomDiscoInfo(r, participantsKnown(room.snapshot)))]);
    else room.read(iq, "participants", () => [occupantExists(room, nick) ? iqResult(iq, discoInfo([{ category: "client", type: "pc", name: nick }], [NS.DISCO_INFO])) : notFound(iq, r.jid, nick)]);
    return;
  }
  if (is("vCard", NS.VCARD)) {
    if (get) {
      if (!nick) room.read(iq, "info", () => [iqResult(iq, vcardPhoto(r._avatar))]);
      else room.read(iq, "participants", () => [occupantExists(room, nick) ? iqResult(iq, vcardPhoto()) : notFound(iq, r.jid, nick)]);
    } else if (nick) fail({ condition: "bad-request", text: "Occupants' avatars cannot be set from XMPP" });
    else room.request(iq, "setAvatar", setRoomAvatar(iq, payload, room.avatar));
    return;
  }
  if (nick) return fail({ condition: "service-unavailable", text: "Occupants do not answer this" });
  if (payload.getNS() === NS_MAM) return handleMam(room, iq, payload, fail, send);
  if (is("query", NS_REGISTER)) {
    if (!get && isRegistrationRemoval(payload)) room.request(iq, "leave", leaveGroup(iq));
    else fail({ condition: "feature-not-implemented", text: "Rooms take no registration; send <remove/> to leave the group" });
    return;
  }
  if (is("query", NS.MUC_OWNER)) {
    if (get) {
      room.read(iq, "info", () => [iqResult(iq, roomConfigForm({ name: r.name, description: r.HAS_DESCRIPTION ? r.description : undefined }))]);
      return;
    }
    const request = parseOwnerSet(payload);
    if (request.type === "invalid") fail({ condition: "bad-request", text: request.text });
    else if (request.type === "cancel") send(iqResult(iq));
    else if (request.type === "config") room.request(iq, "setConfig", setConfig(iq, request.fields));
    else room.request(iq, "destroy", destroy(iq, request.reason));
    return;
  }
  if (is("query", NS.MUC_ADMIN)) {
    if (get) return adminGet(room, iq, payload, fail);
    let items: ReturnType<typeof parseAdminItems>;
    try {
      items = parseAdminItems(payload);
    } catch (error) {
      return fail({ condition: "bad-request", text: (error as Error).message });
    }
    room.request(iq, adminKind(items), adminSet(iq, items));
    return;
  }
  if (!get && handleModerate(room, iq, payload, fail)) return;
  const ns = payload.getNS();
  fail({ condition: "service-unavailable", text: `${payload.name}${ns ? ` in ${ns}` : ""} is not supported here` });
}

/**
 * A moderation request (XEP-0425, either namespace) goes to the mailbox; true when the payload
 * is one (a missing id is `bad-request`).
 */
function handleModerate(room: RoomActor, iq: Element, payload: Element, fail: (e: Omit<StanzaErrorData, "by">) => void): boolean {
  let request: ReturnType<typeof parseModerate>;
  try {
    request = parseModerate(payload);
  } catch (error) {
    fail({ condition: "bad-request", text: (error as Error).message });
    return true;
  }
  if (request) room.request(iq, "moderate", moderateRequest(iq, request, room.archive));
  return request !== undefined;
}

/** MAM on the room (XEP-0313): the form, queries and metadata, after `backfill` ran once. */
function handleMam(room: RoomActor, iq: Element, payload: Element, fail: (e: Omit<StanzaErrorData, "by">) => void, send: (s: Element) => void): void {
  const store = room.archive.store;
  if (!store) return fail({ condition: "feature-not-implemented", text: "This gateway keeps no archive" });
  const get = iq.attrs.type === "get";
  if (get && payload.is("query")) return send(iqResult(iq, mamForm()));
  if (get && payload.is("metadata")) {
    room.read(iq, "history", () => andThen(store.archiveMetadata(keyOf(room.room)), (metadata) => [iqResult(iq, mamMetadata(metadata))]));
    return;
  }
  if (get || !payload.is("query")) return fail({ condition: "bad-request", text: "Expected a MAM query or metadata request" });
  let query: ReturnType<typeof parseMamQuery>;
  try {
    query = parseMamQuery(payload);
  } catch (error) {
    return fail({ condition: "bad-request", text: (error as Error).message });
  }
  room.read(iq, "history", () =>
    attempt(
      () => mamAnswer(store, room.room, iq, query),
      (error) => {
        if (error instanceof StoreItemNotFound) return [errorReply(iq, { condition: "item-not-found", text: error.text, by: room.room.jid })];
        if (error instanceof TypeError) return [errorReply(iq, { condition: "bad-request", text: error.message, by: room.room.jid })];
        throw error;
      },
    ),
  );
}

/**
 * A muc#admin get (XEP-0045 §9.5, §8.5): an affiliation list (bare real JIDs, no roles) or a role
 * list of the occupants (full real JIDs: the user once per joined resource, as Prosody lists each
 * session; a contact, which has no resource, by its contact JID).
 */
function adminGet(room: RoomActor, iq: Element, payload: Element, fail: (e: Omit<StanzaErrorData, "by">) => void): void {
  const { affiliation, role } = payload.getChild("item")?.attrs ?? {};
  if (!affiliation === !role) return fail({ condition: "bad-request", text: "Ask for one affiliation or one role" });
  room.read(iq, "participants", () => {
    const r = room.room;
    const user = r._userParticipant();
    const everyone = [...r._storedParticipants(), user];
    if (affiliation) {
      const items = everyone.filter((p) => p.affiliation === affiliation).map((p) => ({ affiliation: p.affiliation, jid: realJidOf(r, p), nick: p.resource }));
      return [iqResult(iq, affiliationList(items))];
    }
    const items = everyone
      .filter((p) => p.role === role)
      .flatMap((p) => {
        const item = { affiliation: p.affiliation, role: p.role, nick: p.resource };
        return p === user ? room.snapshot.context.resources.map((resource) => ({ ...item, jid: userJid(r, resource) })) : [{ ...item, jid: realJidOf(r, p) }];
      });
    return [iqResult(iq, roleList(items))];
  });
}

function occupantExists(room: RoomActor, nick: string): boolean {
  return room.room._userParticipant().resource === nick || room.room._storedParticipants().some((p) => p.resource === nick);
}

function notFound(iq: Element, by: string, nick: string): Element {
  return errorReply(iq, { condition: "item-not-found", text: `No occupant with the nick ${nick}`, by });
}
