/**
 * Stanzas addressed to the component domain itself: XEP-0030 disco#info (a conference
 * service and a gateway) and disco#items (the asking user's rooms), XEP-0199 ping.
 */
import type { Element } from "@xmpp/component";
import type { LegacySession } from "../legacy/LegacySession.js";
import { NS } from "../protocol/namespaces.js";
import { NS_MAM } from "../protocol/xep0313.js";
import { xmlSafeText } from "../protocol/resourcepart.js";
import { errorReply, iqResult, isRequestIq } from "../protocol/rfc6120.js";
import { discoInfo, discoItems } from "../protocol/xep0030.js";
import { escapeLocalpart } from "../protocol/xep0106.js";
import type { RoomRegistry } from "./registry.js";
import { hasEnded } from "../machines/roomStatus.js";

/** Answers a stanza sent to the bare component domain. */
export async function handleComponentStanza(
  stanza: Element,
  context: { session: LegacySession; registry: RoomRegistry; domain: string; name: string },
  send: (s: Element) => void,
): Promise<void> {
  if (stanza.name !== "iq" || !isRequestIq(stanza)) return;
  const payload = stanza.getChildElements()[0];
  if (stanza.getChildElements().length !== 1 || !payload) {
    send(errorReply(stanza, { condition: "bad-request", text: "An iq must have exactly one child" }));
    return;
  }
  const get = stanza.attrs.type === "get";
  if (get && payload.is("query", NS.DISCO_INFO) && !payload.attrs.node) {
    const identities = [
      { category: "conference", type: "text", name: context.name },
      { category: "gateway", type: "legacy", name: context.name },
    ];
    send(iqResult(stanza, discoInfo(identities, [NS.DISCO_INFO, NS.DISCO_ITEMS, NS.MUC, NS.PING, NS.OCCUPANT_ID, NS.SID])));
    return;
  }
  if (get && payload.is("query", NS.DISCO_ITEMS) && !payload.attrs.node) {
    const items = new Map<string, string | undefined>();
    for (const listing of await context.session.listRooms()) {
      try {
        items.set(`${escapeLocalpart(listing.legacyId)}@${context.domain}`, listing.name);
      } catch {
        // an id that cannot be a JID local part is not listed
      }
    }
    for (const actor of context.registry.roomsOf(context.session.user)) {
      if (!hasEnded(actor.snapshot)) items.set(actor.room.jid, actor.room.name);
    }
    const list = [...items].map(([jid, name]) => ({ jid, name: name === undefined ? undefined : xmlSafeText(name) }));
    list.sort((a, b) => (a.name ?? a.jid).localeCompare(b.name ?? b.jid));
    send(iqResult(stanza, discoItems(list)));
    return;
  }
  if (payload.getNS() === NS_MAM) {
    send(errorReply(stanza, { condition: "bad-request", text: "Archives belong to rooms: query a room's JID" }));
    return;
  }
  if (get && payload.is("ping", NS.PING)) {
    send(iqResult(stanza));
    return;
  }
  const what = `${payload.name}${payload.getNS() ? ` in ${payload.getNS()}` : ""}`;
  send(errorReply(stanza, { condition: "service-unavailable", text: `${what} is not supported by this gateway` }));
}
