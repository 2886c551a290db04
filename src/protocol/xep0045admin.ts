/**
 * XEP-0045: Multi-User Chat, version 1.35 — owner and admin use cases
 * https://xmpp.org/extensions/xep-0045.html#owner  §10.2 configuration, §10.9 destroy
 * https://xmpp.org/extensions/xep-0045.html#admin  §9 affiliations and roles, §8.2 kick
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";
import { type FormField, dataForm, parseForm } from "./xep0004.js";
import { AFFILIATIONS, type Affiliation, ROLES, type Role } from "./xep0045.js";

/** One `<item/>` of a muc#admin set. */
export interface AdminItem {
  affiliation?: Affiliation;
  role?: Role;
  jid?: string;
  nick?: string;
  reason?: string;
}

/** Reads the items of a muc#admin `<query/>`; throws a TypeError naming what is wrong. */
export function parseAdminItems(query: Element): AdminItem[] {
  const items = query.getChildren("item");
  if (items.length === 0) throw new TypeError("A muc#admin query needs at least one item");
  return items.map((item) => {
    const { affiliation, role, jid, nick } = item.attrs;
    if (affiliation !== undefined && !AFFILIATIONS.includes(affiliation as Affiliation)) {
      throw new TypeError(`Unknown affiliation ${affiliation}`);
    }
    if (role !== undefined && !ROLES.includes(role as Role)) throw new TypeError(`Unknown role ${role}`);
    if (affiliation === undefined && role === undefined) throw new TypeError("An item needs an affiliation or a role");
    const parsed: AdminItem = {};
    if (affiliation) parsed.affiliation = affiliation as Affiliation;
    if (role) parsed.role = role as Role;
    if (jid) parsed.jid = jid;
    if (nick) parsed.nick = nick;
    const reason = item.getChildText("reason");
    if (reason) parsed.reason = reason;
    return parsed;
  });
}

/**
 * Builds the result of an affiliation list request (XEP-0045 §9.5 members, §9.3 outcasts,
 * §10.5 owners, §10.8 admins): each item has `affiliation`, the bare `jid` and `nick`, and no
 * `role`. Prosody's MUC sends these items so; Converse.js reads a `role` here as the nick and
 * then takes its user for a non-moderator.
 */
export function affiliationList(items: Array<{ affiliation: Affiliation; jid?: string; nick?: string }>): Element {
  return xml("query", { xmlns: NS.MUC_ADMIN }, ...items.map((i) => xml("item", { affiliation: i.affiliation, jid: i.jid, nick: i.nick })));
}

/**
 * Builds the result of a role list request (XEP-0045 §8.5 voice list, §9.8 moderators): each
 * item has `affiliation`, `role`, the occupant's full `jid` (one item per session, as Prosody
 * sends) and `nick`.
 */
export function roleList(items: Array<{ affiliation: Affiliation; role: Role; jid?: string; nick: string }>): Element {
  return xml(
    "query",
    { xmlns: NS.MUC_ADMIN },
    ...items.map((i) => xml("item", { affiliation: i.affiliation, role: i.role, jid: i.jid, nick: i.nick })),
  );
}

/** What a muc#owner set asks for. */
export type OwnerRequest =
  | { type: "config"; fields: Map<string, string[]> }
  | { type: "cancel" }
  | { type: "destroy"; reason?: string; jid?: string }
  | { type: "invalid"; text: string };

/** Reads a muc#owner set `<query/>`: a submitted form, a cancelled form, or a destroy. */
export function parseOwnerSet(query: Element): OwnerRequest {
  const destroy = query.getChild("destroy");
  if (destroy) {
    const request: OwnerRequest = { type: "destroy" };
    const reason = destroy.getChildText("reason");
    if (reason) request.reason = reason;
    if (destroy.attrs.jid) request.jid = destroy.attrs.jid;
    return request;
  }
  const x = query.getChild("x", NS.DATA);
  if (!x) return { type: "invalid", text: "Expected a data form or a destroy element" };
  if (x.attrs.type === "cancel") return { type: "cancel" };
  if (x.attrs.type !== "submit") return { type: "invalid", text: "The data form must be of type submit or cancel" };
  return { type: "config", fields: parseForm(query) ?? new Map() };
}

/** The room configuration form (XEP-0045 §10.2, FORM_TYPE muc#roomconfig). */
export function roomConfigForm(values: { name: string; description?: string }): Element {
  const fields: FormField[] = [
    { var: "muc#roomconfig_roomname", type: "text-single", label: "Name", values: [values.name] },
  ];
  if (values.description !== undefined) {
    fields.push({ var: "muc#roomconfig_roomdesc", type: "text-single", label: "Description", values: [values.description] });
  }
  return xml(
    "query",
    { xmlns: NS.MUC_OWNER },
    dataForm("form", NS.MUC_ROOMCONFIG, fields, {
      title: "Room configuration",
      instructions: "The legacy network decides what can change; other settings are fixed.",
    }),
  );
}
