/**
 * Valid iq and presence stanzas of every kind the router, the component inbox, the contact inbox
 * and the room's iq handlers know, before any mutation: XEP-0030 disco, XEP-0045 muc#owner (form,
 * submit, cancel, destroy) and muc#admin (lists and item changes), XEP-0054 vCard get and set,
 * XEP-0313 MAM (form, metadata, queries with XEP-0004 fields and XEP-0059 RSM), XEP-0425
 * moderation (both namespaces), XEP-0199/0410 pings, XEP-0077 `<remove/>`; joins (with history
 * and password), nick changes, leaves and client errors.
 */
import { type Element, xml } from "@xmpp/component";
import fc from "fast-check";
import { NICKS, ROOM, hostileString, messageId, nick, recipient, sender, text } from "./hostile.js";
import { FNS } from "./namespaces.js";

const el = (name: string, attrs: Record<string, string | undefined>, ...children: Array<Element | string | null>) => xml(name, attrs, ...children);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const number = fc.oneof(fc.nat({ max: 500 }).map(String), hostileString);
const date = fc.oneof(fc.constantFrom("2026-11-20T10:00:00Z", "2026-11-20T10:00:00.123+02:00", "1970-01-01T00:00:00Z"), hostileString);
const affiliation = fc.oneof(fc.constantFrom("owner", "admin", "member", "outcast", "none"), hostileString);
const role = fc.oneof(fc.constantFrom("moderator", "participant", "visitor", "none"), hostileString);

const field = (name: fc.Arbitrary<string>, value: fc.Arbitrary<string>) =>
  fc.tuple(name, fc.array(value, { maxLength: 3 })).map(([v, values]) => el("field", { var: v }, ...values.map((x) => el("value", {}, x))));
const form = (type: fc.Arbitrary<string>, formType: string, fields: fc.Arbitrary<Element>) =>
  fc
    .tuple(type, fc.array(fields, { maxLength: 6 }))
    .map(([t, fs]) => el("x", { xmlns: FNS.DATA, type: t }, el("field", { var: "FORM_TYPE", type: "hidden" }, el("value", {}, formType)), ...fs));

const mamField = field(fc.oneof(fc.constantFrom("with", "start", "end", "before-id", "after-id", "ids", "{urn:example}x"), hostileString), fc.oneof(date, messageId, fc.constant(ROOM), hostileString));
const rsm = fc
  .record({ max: maybe(number), after: maybe(fc.oneof(messageId, fc.constant(""))), before: maybe(fc.oneof(messageId, fc.constant(""))), index: maybe(number) })
  .map((r) =>
    el(
      "set",
      { xmlns: FNS.RSM },
      r.max === undefined ? null : el("max", {}, r.max),
      r.after === undefined ? null : el("after", {}, r.after),
      r.before === undefined ? null : el("before", {}, r.before),
      r.index === undefined ? null : el("index", {}, r.index),
    ),
  );

const adminItem = fc
  .record({ affiliation: maybe(affiliation), role: maybe(role), nick: maybe(nick), jid: maybe(fc.oneof(fc.constantFrom("bob-legacy-id@muc.example.org", "$USER"), hostileString)), reason: maybe(text) })
  .map((i) => el("item", { affiliation: i.affiliation, role: i.role, nick: i.nick, jid: i.jid }, i.reason === undefined ? null : el("reason", {}, i.reason)));

const base64 = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("base64")), hostileString);

/** Payloads of iqs, each with the type a client sends it with. */
const iqPayloads: Array<fc.Arbitrary<[type: string, payload: Element]>> = [
  fc.constant(["get", el("ping", { xmlns: FNS.PING })]),
  maybe(text).map((node) => ["get", el("query", { xmlns: FNS.DISCO_INFO, node })]),
  maybe(text).map((node) => ["get", el("query", { xmlns: FNS.DISCO_ITEMS, node })]),
  fc.constant(["get", el("vCard", { xmlns: FNS.VCARD })]),
  fc.tuple(fc.oneof(fc.constant("image/png"), hostileString), base64).map(([type, binval]) => ["set", el("vCard", { xmlns: FNS.VCARD }, el("PHOTO", {}, el("TYPE", {}, type), el("BINVAL", {}, binval)))]),
  fc.constant(["get", el("query", { xmlns: FNS.MUC_OWNER })]),
  form(fc.oneof(fc.constantFrom("submit", "cancel", "form"), hostileString), "http://jabber.org/protocol/muc#roomconfig", field(fc.oneof(fc.constantFrom("muc#roomconfig_roomname", "muc#roomconfig_roomdesc", "muc#roomconfig_persistentroom"), hostileString), text)).map((x) => ["set", el("query", { xmlns: FNS.MUC_OWNER }, x)]),
  fc.tuple(maybe(text), maybe(fc.oneof(fc.constant(ROOM), hostileString))).map(([reason, jid]) => ["set", el("query", { xmlns: FNS.MUC_OWNER }, el("destroy", { jid }, reason === undefined ? null : el("reason", {}, reason)))]),
  fc.tuple(maybe(affiliation), maybe(role)).map(([a, r]) => ["get", el("query", { xmlns: FNS.MUC_ADMIN }, el("item", { affiliation: a, role: r }))]),
  fc.array(adminItem, { minLength: 1, maxLength: 3 }).map((items) => ["set", el("query", { xmlns: FNS.MUC_ADMIN }, ...items)]),
  fc.constant(["get", el("query", { xmlns: FNS.MAM })]),
  fc.constant(["get", el("metadata", { xmlns: FNS.MAM })]),
  fc
    .tuple(maybe(hostileString), form(fc.constant("submit"), FNS.MAM, mamField), maybe(rsm), fc.boolean())
    .map(([queryid, x, set, flip]) => ["set", el("query", { xmlns: FNS.MAM, queryid }, x, set ?? null, flip ? el("flip-page", {}) : null)]),
  fc.tuple(messageId, maybe(text)).map(([id, reason]) => ["set", el("moderate", { xmlns: FNS.MODERATE, id }, el("retract", { xmlns: FNS.RETRACT }), reason === undefined ? null : el("reason", {}, reason))]),
  fc.tuple(messageId, maybe(text)).map(([id, reason]) => [
    "set",
    el("apply-to", { xmlns: FNS.FASTEN, id }, el("moderate", { xmlns: FNS.MODERATE_0 }, el("retract", { xmlns: FNS.RETRACT_0 }), reason === undefined ? null : el("reason", {}, reason))),
  ]),
  fc.constant(["set", el("query", { xmlns: FNS.REGISTER }, el("remove", {}))]),
  fc.constant(["get", el("query", { xmlns: FNS.REGISTER })]),
  fc.constant(["get", el("query", { xmlns: "jabber:iq:version" })]),
];

const iqType = (usual: string) =>
  fc.oneof({ weight: 12, arbitrary: fc.constant<string | undefined>(usual) }, { weight: 2, arbitrary: fc.constantFrom("get", "set", "result", "error", undefined) }, { weight: 1, arbitrary: hostileString });

/** An iq with one payload: to the room, an occupant, the component or a contact. */
export const iqStanza: fc.Arbitrary<Element> = fc
  .record({ from: sender, to: recipient, payload: fc.oneof(...iqPayloads) })
  .chain(({ from, to, payload: [usual, payload] }) => iqType(usual).map((type) => el("iq", { from, to, type, id: "q" }, payload)));

/** A join (XEP-0045 §7.2): the muc element with history limits and a password, or a nick change without it. */
const join = fc
  .record({
    nick: fc.oneof({ weight: 3, arbitrary: fc.constant(NICKS[0]) }, { weight: 1, arbitrary: nick }, { weight: 1, arbitrary: fc.constant("") }),
    muc: fc.boolean(),
    history: maybe(fc.record({ maxchars: maybe(number), maxstanzas: maybe(number), seconds: maybe(number), since: maybe(date) })),
    password: maybe(text),
  })
  .map((j) => ({
    to: j.nick === "" ? ROOM : `${ROOM}/${j.nick}`,
    children: j.muc ? [el("x", { xmlns: FNS.MUC }, j.history ? el("history", j.history) : null, j.password === undefined ? null : el("password", {}, j.password))] : [],
  }));

const presenceType = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>(undefined) },
  { weight: 3, arbitrary: fc.constant("unavailable") },
  { weight: 1, arbitrary: fc.constantFrom("error", "subscribe", "probe", "available", "unsubscribed") },
  { weight: 1, arbitrary: hostileString },
);

/** A presence to the room: a join, a nick change, a leave, a client's error, or a subscription. */
export const presenceStanza: fc.Arbitrary<Element> = fc
  .record({
    from: sender,
    type: presenceType,
    join,
    other: maybe(recipient),
    show: maybe(fc.oneof(fc.constantFrom("away", "dnd", "xa", "chat"), hostileString)),
    status: maybe(text),
    condition: fc.constantFrom("gone", "item-not-found", "remote-server-timeout", "forbidden", "undefined-condition", "no-such-condition"),
  })
  .map((p) =>
    el(
      "presence",
      { from: p.from, to: p.other ?? p.join.to, type: p.type, id: "p" },
      ...p.join.children,
      p.show === undefined ? null : el("show", {}, p.show),
      p.status === undefined ? null : el("status", {}, p.status),
      el("c", { xmlns: FNS.CAPS, hash: "sha-1", node: "https://conversejs.org", ver: "x" }),
      p.type === "error" ? el("error", { type: "cancel" }, el(p.condition, { xmlns: FNS.STANZAS })) : null,
    ),
  );
