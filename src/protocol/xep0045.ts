/**
 * XEP-0045: Multi-User Chat, version 1.35
 * https://xmpp.org/extensions/xep-0045.html
 *
 * Pure builders and parsers for occupant presences, the join element and status codes.
 * §7.2 entering a room, §7.2.15 history, §7.14 exiting, §15.6 status codes.
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";
import { nickElement } from "./xep0172.js";
import { idleElement } from "./xep0319.js";
import { occupantIdElement } from "./xep0421.js";

/** XEP-0045 §5.2 affiliations. */
export type Affiliation = "owner" | "admin" | "member" | "outcast" | "none";
/** XEP-0045 §5.1 roles. */
export type Role = "moderator" | "participant" | "visitor" | "none";

/** The affiliations, in XEP-0045 order of privilege. */
export const AFFILIATIONS: readonly Affiliation[] = ["owner", "admin", "member", "outcast", "none"];
/** The roles, in XEP-0045 order of privilege. */
export const ROLES: readonly Role[] = ["moderator", "participant", "visitor", "none"];

/** XEP-0045 §15.6 status codes that mucstate emits. */
export const Status = {
  /** Any occupant may see the real JID (non-anonymous room). */
  NON_ANONYMOUS: 100,
  /** The room's configuration (name, description, avatar) changed. */
  CONFIG_CHANGED: 104,
  /** This presence is about the receiving user. */
  SELF: 110,
  /** The service assigned or modified the user's nick. */
  NICK_ASSIGNED: 210,
  /** The occupant was banned. */
  BANNED: 301,
  /** The occupant changed nick. */
  NICK_CHANGED: 303,
  /** The occupant was kicked. */
  KICKED: 307,
  /** The service is shutting down. */
  SHUTDOWN: 332,
  /** The occupant was removed because of a technical problem. */
  ERROR_KICK: 333,
} as const;

/** What a join presence asked for (XEP-0045 §7.2.15). Absent fields were not given. */
export interface HistoryRequest {
  maxchars?: number;
  maxstanzas?: number;
  seconds?: number;
  since?: Date;
}

/** A parsed join presence. */
export interface JoinRequest {
  /** True when the presence carried `<x xmlns="http://jabber.org/protocol/muc"/>`. */
  hasMucElement: boolean;
  history: HistoryRequest;
  password?: string;
}

function nonNegativeInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** Reads the `<x xmlns=muc>` of a presence; absent or malformed history fields are left out. */
export function parseJoin(presence: Element): JoinRequest {
  const x = presence.getChild("x", NS.MUC);
  const history = x?.getChild("history");
  const request: JoinRequest = { hasMucElement: x !== undefined, history: {} };
  if (history) {
    const h = request.history;
    const maxchars = nonNegativeInt(history.attrs.maxchars);
    const maxstanzas = nonNegativeInt(history.attrs.maxstanzas);
    const seconds = nonNegativeInt(history.attrs.seconds);
    const since = history.attrs.since ? new Date(history.attrs.since) : undefined;
    if (maxchars !== undefined) h.maxchars = maxchars;
    if (maxstanzas !== undefined) h.maxstanzas = maxstanzas;
    if (seconds !== undefined) h.seconds = seconds;
    if (since && !Number.isNaN(since.getTime())) h.since = since;
  }
  const password = x?.getChildText("password");
  if (password) request.password = password;
  return request;
}

/** The `<x xmlns=muc/>` element, echoed in join errors (XEP-0045 §7.2.6). */
export function mucElement(): Element {
  return xml("x", { xmlns: NS.MUC });
}

/** Everything an occupant presence can say. */
export interface OccupantPresence {
  /** The occupant JID (`room@domain/nick`), or the bare room JID for room presences. */
  from: string;
  to: string;
  id?: string;
  type?: "unavailable";
  affiliation: Affiliation;
  role: Role;
  /** The real JID, only in non-anonymous rooms (or for the user's own presence). */
  jid?: string;
  /** XEP-0421 occupant id. */
  occupantId?: string;
  /** XEP-0045 status codes, written in ascending order. */
  statusCodes?: number[];
  /** XEP-0172 nick, when the resource had to differ from the legacy name. */
  nick?: string;
  /** `nick` attribute of the item in a 303 nick change. */
  newNick?: string;
  reason?: string;
  /** A `<destroy/>` element (XEP-0045 §10.9). */
  destroy?: { reason?: string; jid?: string };
  show?: "away" | "chat" | "dnd" | "xa";
  status?: string;
  /** XEP-0319 last interaction. */
  idleSince?: Date;
}

/** Builds an occupant presence with its `<x xmlns=muc#user>` (XEP-0045 §7.2.3, §7.2.4). */
export function occupantPresence(p: OccupantPresence): Element {
  const codes = [...new Set(p.statusCodes ?? [])].sort((a, b) => a - b);
  return xml(
    "presence",
    { from: p.from, to: p.to, id: p.id, type: p.type },
    p.show ? xml("show", {}, p.show) : null,
    p.status ? xml("status", {}, p.status) : null,
    xml(
      "x",
      { xmlns: NS.MUC_USER },
      xml(
        "item",
        { affiliation: p.affiliation, role: p.role, jid: p.jid, nick: p.newNick },
        p.reason ? xml("reason", {}, p.reason) : null,
      ),
      p.destroy
        ? xml("destroy", { jid: p.destroy.jid }, p.destroy.reason ? xml("reason", {}, p.destroy.reason) : null)
        : null,
      ...codes.map((code) => xml("status", { code: String(code) })),
    ),
    p.nick ? nickElement(p.nick) : null,
    p.idleSince ? idleElement(p.idleSince) : null,
    p.occupantId ? occupantIdElement(p.occupantId) : null,
  );
}

/** Reads the status codes of a muc#user presence or message. */
export function statusCodes(stanza: Element): number[] {
  const x = stanza.getChild("x", NS.MUC_USER);
  return (x?.getChildren("status") ?? []).map((s) => Number(s.attrs.code));
}

/** Builds a message from the bare room carrying status codes, e.g. 104 (XEP-0045 §10.2.1). */
export function roomStatusMessage(from: string, to: string, codes: number[], id?: string): Element {
  return xml(
    "message",
    { from, to, type: "groupchat", id },
    xml("x", { xmlns: NS.MUC_USER }, ...codes.map((code) => xml("status", { code: String(code) }))),
  );
}
