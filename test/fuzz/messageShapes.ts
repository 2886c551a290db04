/**
 * Valid message stanzas of every kind the room inbox, the router and the invitations know, before
 * any mutation: text, subjects, reactions (XEP-0444), corrections (XEP-0308), retractions
 * (XEP-0424, both namespaces), files (XEP-0066, XEP-0447, XEP-0385), replies (XEP-0461) with
 * fallbacks (XEP-0428) and mentions (XEP-0372), chat states (XEP-0085), displayed markers
 * (XEP-0333), origin-ids (XEP-0359), mediated (XEP-0045 §7.8.2) and direct (XEP-0249) invitations.
 * A message combines one to four of these payloads, as clients do.
 */
import { type Element, xml } from "@xmpp/component";
import fc from "fast-check";
import { CONTACT, ROOM, hostileString, messageId, nick, recipient, sender, text } from "./hostile.js";
import { FNS } from "./namespaces.js";

const el = (name: string, attrs: Record<string, string | undefined>, ...children: Array<Element | string>) => xml(name, attrs, ...children);
const body = (t: string) => el("body", {}, t);
const number = fc.oneof(fc.nat({ max: 40 }).map(String), hostileString);
const url = fc.oneof(fc.constantFrom("https://files.example.org/a/cat.png", "http://x", "ftp://x/y", "aesgcm://x#00"), hostileString);

/** `encodeURIComponent`, or the text itself where it has a lone surrogate (a client may send anything). */
const uriPart = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return s;
  }
};

const fileMetadata = (ns: string) =>
  fc
    .record({ name: text, mime: fc.oneof(fc.constant("image/png"), hostileString), size: fc.oneof(fc.nat().map(String), hostileString), desc: text })
    .map((m) => el("file", { xmlns: ns }, el("media-type", {}, m.mime), el("name", {}, m.name), el("size", {}, m.size), el("desc", {}, m.desc)));

const payloads: Record<string, fc.Arbitrary<Element[]>> = {
  body: text.map((t) => [body(t)]),
  subject: text.map((t) => [el("subject", {}, t)]),
  reactions: fc
    .tuple(messageId, fc.array(fc.oneof(fc.constantFrom("👍", "❤️", "😂", "👍🏽"), hostileString), { maxLength: 5 }))
    .map(([id, emojis]) => [el("reactions", { xmlns: FNS.REACTIONS, id }, ...emojis.map((e) => el("reaction", {}, e)))]),
  correction: fc.tuple(messageId, text).map(([id, t]) => [body(t), el("replace", { xmlns: FNS.CORRECT, id })]),
  retraction: fc.tuple(messageId, fc.boolean()).map(([id, current]) => [
    body("/me retracted a previous message, but it's unsupported by your client."),
    current ? el("retract", { xmlns: FNS.RETRACT, id }) : el("apply-to", { xmlns: FNS.FASTEN, id }, el("retract", { xmlns: FNS.RETRACT_0 })),
    el("fallback", { xmlns: FNS.FALLBACK, for: current ? FNS.RETRACT : FNS.RETRACT_0 }),
  ]),
  oob: fc.tuple(url, text).map(([u, d]) => [body(u), el("x", { xmlns: FNS.OOB }, el("url", {}, u), el("desc", {}, d))]),
  sfs: fc
    .tuple(url, fileMetadata(FNS.FILE_METADATA))
    .map(([u, file]) => [el("file-sharing", { xmlns: FNS.SFS }, file, el("sources", {}, el("url-data", { xmlns: FNS.URL_DATA, target: u })))]),
  sims: fc.tuple(url, fileMetadata(FNS.JINGLE_FT), number, number).map(([u, file, begin, end]) => [
    el(
      "reference",
      { xmlns: FNS.REFERENCE, type: "data", begin, end },
      el("media-sharing", { xmlns: FNS.SIMS }, file, el("sources", {}, el("reference", { xmlns: FNS.REFERENCE, type: "data", uri: u }))),
    ),
  ]),
  reply: fc.tuple(messageId, nick, text, number, number).map(([id, n, t, start, end]) => [
    body(`> ${n}:\n> quoted\n${t}`),
    el("reply", { xmlns: FNS.REPLY, id, to: `${ROOM}/${n}` }),
    el("fallback", { xmlns: FNS.FALLBACK, for: FNS.REPLY }, el("body", { start, end })),
  ]),
  mention: fc.tuple(nick, number, number, text).map(([n, begin, end, t]) => [
    body(`${n}: ${t}`),
    el("reference", { xmlns: FNS.REFERENCE, type: "mention", uri: `xmpp:${ROOM}/${uriPart(n)}`, begin, end }),
  ]),
  chatState: fc.constantFrom("active", "composing", "paused", "inactive", "gone").map((s) => [el(s, { xmlns: FNS.CHAT_STATES })]),
  displayed: messageId.map((id) => [el("displayed", { xmlns: FNS.MARKERS, id })]),
  markable: fc.constant([el("markable", { xmlns: FNS.MARKERS })]),
  originId: messageId.map((id) => [el("origin-id", { xmlns: FNS.SID, id })]),
  mediatedInvite: fc
    .tuple(fc.oneof(fc.constant(CONTACT), recipient.map((r) => r ?? "")), text)
    .map(([to, reason]) => [el("x", { xmlns: FNS.MUC_USER }, el("invite", { to }, el("reason", {}, reason)))]),
  directInvite: fc
    .tuple(fc.oneof(fc.constant(ROOM), recipient.map((r) => r ?? "")), text, fc.option(text, { nil: undefined }))
    .map(([jid, reason, password]) => [el("x", { xmlns: FNS.CONFERENCE, jid, reason, password })]),
  hints: fc.constantFrom("store", "no-store", "no-permanent-store").map((h) => [el(h, { xmlns: FNS.HINTS })]),
};

/** The payload kinds a message can combine (for the statistics the CLI prints). */
export const MESSAGE_KINDS = Object.keys(payloads);

const messageType = fc.oneof(
  { weight: 12, arbitrary: fc.constant("groupchat") },
  { weight: 1, arbitrary: fc.constantFrom("chat", "normal", "headline", "error", undefined) },
  { weight: 1, arbitrary: hostileString },
);

/** A message stanza: a type, addresses, an id and one to four payloads. */
export const messageStanza: fc.Arbitrary<Element> = fc
  .record({
    from: sender,
    to: fc.oneof({ weight: 3, arbitrary: fc.constant<string | undefined>(ROOM) }, { weight: 1, arbitrary: recipient }),
    type: messageType,
    id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...["m-0", "m-1", "m-2"]) }, { weight: 1, arbitrary: fc.option(hostileString, { nil: undefined }) }),
    parts: fc.array(fc.oneof(...Object.values(payloads)), { minLength: 1, maxLength: 4 }),
  })
  .map(({ from, to, type, id, parts }) => {
    const children = parts.flat();
    // Error messages carry the error a client answers with.
    if (type === "error") children.push(el("error", { type: "cancel" }, el("recipient-unavailable", { xmlns: FNS.STANZAS })));
    return el("message", { from, to, type, id }, ...children);
  });

/** A direct invitation (XEP-0249) to a contact of the gateway, sent as a normal message. */
export const directInvitation: fc.Arbitrary<Element> = fc
  .tuple(sender, fc.oneof(fc.constant(CONTACT), recipient.map((r) => r ?? "")), payloads.directInvite!)
  .map(([from, to, x]) => el("message", { from, to }, ...x));
