/**
 * XEP-0421: Anonymous unique occupant identifiers for MUCs, version 0.3
 * https://xmpp.org/extensions/xep-0421.html
 */
import { hash } from "node:crypto";
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";
import { serializeParts } from "./serializedElement.js";

/** The attributes of an `<occupant-id/>`. */
const occupantIdAttrs = (id: string) => ({ xmlns: NS.OCCUPANT_ID, id });

/** Builds `<occupant-id xmlns="urn:xmpp:occupant-id:0" id="…"/>`. */
export function occupantIdElement(id: string): Element {
  return xml("occupant-id", occupantIdAttrs(id));
}

/** {@link occupantIdElement} as text, without building it (an echo's trailing child). */
export function occupantIdText(id: string): string {
  return serializeParts({ name: "occupant-id", attrs: occupantIdAttrs(id), children: [] });
}

/**
 * Derives a stable occupant id: the first 18 bytes of SHA-256 over the room JID and a key
 * that names the legacy identity, in base64url (24 characters).
 *
 * @remarks
 * The same `(roomJid, identity)` gives the same id in every process run, so ids survive restarts
 * and archived messages keep matching live ones. The id reveals neither the room JID nor the
 * identity. `identity` should be `contact:<legacy contact id>` for contact-backed participants,
 * `nick:<legacy nick>` for nickname-only ones (`nick:<legacy nick>\0<n>` for the n-th person under
 * that nick, see the room's occupant id ledger), `user:<user bare JID>` for the gateway user and
 * `room` for the system participant.
 */
export function deriveOccupantId(roomJid: string, identity: string): string {
  // One-shot `hash`: half the time of `createHash().update().digest()` (3.3 against 6-9 µs), paid per participant of a fill.
  return hash("sha256", `mucstate/occupant-id/v1\0${roomJid}\0${identity}`, "buffer").subarray(0, 18).toString("base64url");
}

/** Whether `child` is an `<occupant-id/>`, which only the room may add: clients must not be able to forge one (XEP-0421 §4). */
export function isOccupantId(child: Element): boolean {
  return child.is("occupant-id", NS.OCCUPANT_ID);
}
