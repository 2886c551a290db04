/**
 * Replies (XEP-0461 with the XEP-0428 fallback) and mentions (XEP-0372) from the user: `onText`
 * gets the text without the quote, what it replies to, and the mentions at UTF-16 offsets of that
 * text, whatever the nicknames (emoji, mangled resources); the echo keeps what the client sent.
 */
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { readIncomingText } from "../../src/actors/incomingText.js";
import { RoomArchive } from "../../src/actors/roomArchive.js";
import type { IncomingTextOptions } from "../../src/legacy/RoomCallbacks.js";
import { ALICE, DOMAIN, fixtureHarness, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedText, qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const REPLY = "urn:xmpp:reply:0";
const FALLBACK = "urn:xmpp:fallback:0";
const REFERENCE = "urn:xmpp:reference:0";
const SID = "urn:xmpp:sid:0";
const cp = (s: string) => [...s].length;

/** What a reply carries besides its body: `<reply/>`, a fallback and references, as a client sends them. */
interface Extras {
  reply?: { id: string; to?: string };
  fallback?: { for?: string; start?: number; end?: number };
  mentions?: { uri: string; begin: number; end: number }[];
}

/** A groupchat message from alice's phone. */
function message(body: string, id: string, extras: Extras = {}): Element {
  const { reply, fallback, mentions = [] } = extras;
  const range = fallback && fallback.start !== undefined ? { start: String(fallback.start), end: String(fallback.end) } : {};
  return xml(
    "message",
    { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id },
    xml("body", {}, body),
    reply ? xml("reply", { xmlns: REPLY, ...reply }) : null,
    fallback ? xml("fallback", { xmlns: FALLBACK, for: fallback.for ?? REPLY }, xml("body", range)) : null,
    ...mentions.map((m) => xml("reference", { xmlns: REFERENCE, type: "mention", uri: m.uri, begin: String(m.begin), end: String(m.end) })),
    xml("origin-id", { xmlns: SID, id }),
  );
}

/** A joined lobby with bob, carol, an emoji nick and a nick that needed mangling; onText calls are recorded. */
async function lobby() {
  const participants = [
    { nick: "bob", contact: "bob-legacy-id" },
    { nick: "carol" },
    { nick: "weirdguy🎉" },
    { nick: "tab\tname" },
  ];
  const h = fixtureHarness(lobbyFixture({ participants }));
  const actor = await joined(h, "lobby");
  const texts: [string, IncomingTextOptions][] = [];
  let n = 0;
  actor.room.onText = async (text, options) => {
    texts.push([text, options]);
    return `L${++n}`;
  };
  const byNick = (nick: string) => actor.room._storedParticipants().find((p) => p.nickname === nick)!;
  return { h, actor, texts, byNick };
}

/** Sends `m`, waits, and returns what onText got for it. */
async function sent(l: Awaited<ReturnType<typeof lobby>>, m: Element): Promise<[string, IncomingTextOptions]> {
  l.h.route(m);
  await l.h.settle();
  return l.texts.at(-1)!;
}

/** The mentions of onText's options as [nick, the text they cover]. */
const named = ([text, options]: [string, IncomingTextOptions]) => (options.mentions ?? []).map((m) => [m.participant.nickname, text.slice(m.start, m.end)]);

describe("a user's reply", () => {
  it("reaches onText without its quote, with the quoted message's legacy id, its author and the quote; the echo keeps reply and fallback", async () => {
    const l = await lobby();
    l.byNick("bob").sendText("hello all", { legacyId: "B1" });
    await l.h.settle();
    l.h.take();
    const quote = "> bob:\n> hello all\n";
    const [text, options] = await sent(l, message(`${quote}hi there`, "m-1", { reply: { id: "B1", to: `${ROOM}/bob` }, fallback: { start: 0, end: cp(quote) } }));
    expect(text).toBe("hi there");
    expect(options.replyTo).toEqual({ legacyId: "B1", xmppId: "B1", participant: l.byNick("bob"), fallback: quote });
    const [echo] = l.h.take();
    expect(qualifiedTree(echo!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${REPLY}}reply`,
      `  {${FALLBACK}}fallback`,
      `    {${FALLBACK}}body`,
      `  {${SID}}origin-id`,
      `  {${SID}}stanza-id`,
      "  {urn:xmpp:occupant-id:0}occupant-id",
    ]);
    expect(qualifiedText(echo!, "{jabber:client}body")).toBe(`${quote}hi there`);
  });

  it("strips the fallback range in code points: an emoji in the quote is one code point and two UTF-16 units", async () => {
    const l = await lobby();
    const quote = "> weirdguy🎉:\n> 🎉🎉 party\n";
    const body = `${quote}🎉 me too`;
    const [text, options] = await sent(l, message(body, "m-1", { reply: { id: "W1", to: `${ROOM}/weirdguy🎉` }, fallback: { start: 0, end: cp(quote) } }));
    expect(cp(quote)).not.toBe(quote.length);
    expect(text).toBe("🎉 me too");
    expect(options.replyTo?.fallback).toBe(quote);
    expect(options.replyTo?.participant).toBe(l.byNick("weirdguy🎉"));
  });

  it("keeps the whole body without a fallback, with a fallback for something else, and when the message is no reply", async () => {
    const l = await lobby();
    const body = "> bob:\n> hi\nyes";
    const noFallback = await sent(l, message(body, "m-1", { reply: { id: "x", to: `${ROOM}/bob` } }));
    const otherFallback = await sent(l, message(body, "m-2", { reply: { id: "x" }, fallback: { for: "urn:xmpp:reactions:0", start: 0, end: 12 } }));
    const noReply = await sent(l, message(body, "m-3", { fallback: { start: 0, end: 12 } }));
    expect([noFallback, otherFallback, noReply].map(([t]) => t)).toEqual([body, body, body]);
    expect(noFallback[1].replyTo?.fallback).toBeUndefined();
    expect(noReply[1].replyTo).toBeUndefined();
  });

  it("also reads the older feature-fallback namespace, and a fallback without a range covers the whole body", async () => {
    const l = await lobby();
    const quote = "> bob:\n> hi\n";
    const older = message(`${quote}yes`, "m-1", { reply: { id: "x" } });
    older.append(xml("fallback", { xmlns: "urn:xmpp:feature-fallback:0", for: REPLY }, xml("body", { start: "0", end: String(quote.length) })));
    const [text, options] = await sent(l, older);
    expect([text, options.replyTo?.fallback]).toEqual(["yes", quote]);
    const [whole, wholeOptions] = await sent(l, message("> bob:\n> hi", "m-2", { reply: { id: "x" }, fallback: {} }));
    expect([whole, wholeOptions.replyTo?.fallback]).toEqual(["", "> bob:\n> hi"]);
  });

  it("to an unknown message still reaches onText, with no legacy id, the id the client named, and the author it named (not added to the room)", async () => {
    const l = await lobby();
    const before = l.actor.room._storedParticipants().length;
    const [text, options] = await sent(l, message("> anna:\n> old\nwhat?", "m-1", { reply: { id: "gone-1", to: `${ROOM}/anna` }, fallback: { start: 0, end: cp("> anna:\n> old\n") } }));
    expect(text).toBe("what?");
    expect(options.replyTo).toMatchObject({ legacyId: undefined, xmppId: "gone-1", fallback: "> anna:\n> old\n" });
    expect(options.replyTo?.participant?.nickname).toBe("anna");
    expect(l.actor.room._storedParticipants().length).toBe(before);
    expect(l.h.take().map((s) => s.attrs.type)).toEqual(["groupchat"]);
  });

  it("to the user's own message names it by stanza-id (or the client's id) and its author is the user's participant", async () => {
    const l = await lobby();
    const [first] = await sent(l, message("first", "m-1"));
    expect(first).toBe("first");
    const [echo] = l.h.take();
    const stanzaId = echo!.getChild("stanza-id", SID)!.attrs.id as string;
    l.actor.room.onText = async (text, options) => void l.texts.push([text, options]);
    const [, byStanzaId] = await sent(l, message("> alice:\n> first\nsecond", "m-2", { reply: { id: stanzaId, to: `${ROOM}/alice` }, fallback: { start: 0, end: 17 } }));
    const [, byOriginId] = await sent(l, message("third", "m-3", { reply: { id: "m-1" } }));
    const [echo2] = l.h.take();
    const [, noLegacyId] = await sent(l, message("fourth", "m-4", { reply: { id: echo2!.getChild("stanza-id", SID)!.attrs.id as string } }));
    expect(byStanzaId.replyTo).toMatchObject({ legacyId: "L1", participant: l.actor.room._userParticipant() });
    expect(byOriginId.replyTo?.legacyId).toBe("L1");
    expect(noLegacyId.replyTo?.legacyId).toBe(echo2!.getChild("stanza-id", SID)!.attrs.id);
  });

  it("finds a quoted message in the archive once the room's recent messages are forgotten", async () => {
    const l = await lobby();
    l.byNick("carol").sendText("archived", { legacyId: "C9" });
    await sent(l, message("mine", "m-1"));
    const restored = new RoomArchive(l.actor.room, l.h.store);
    const read = (id: string) => readIncomingText(l.actor.room, message("re", "m-9", { reply: { id } }), restored);
    expect((await read("C9")).replyTo?.legacyId).toBe("C9");
    expect((await read("m-1")).replyTo?.legacyId).toBe("L1");
    expect((await read("nowhere")).replyTo?.legacyId).toBeUndefined();
  });
});

describe("a user's mentions", () => {
  it("from references in code points: an emoji nick and a mangled nick named by its percent-encoded resource, at UTF-16 offsets of the text", async () => {
    const l = await lobby();
    const mangled = l.byNick("tab\tname");
    expect(mangled.resource).not.toBe(mangled.nickname);
    const body = `🎉 weirdguy🎉 and ${mangled.resource}!`;
    const [begin1, end1] = [2, 2 + cp("weirdguy🎉")];
    const begin2 = cp(`🎉 weirdguy🎉 and `);
    const mentions = [
      { uri: `xmpp:${ROOM}/weirdguy%F0%9F%8E%89`, begin: begin1, end: end1 },
      { uri: `xmpp:${ROOM}/${encodeURIComponent(mangled.resource)}`, begin: begin2, end: begin2 + cp(mangled.resource) },
    ];
    const got = await sent(l, message(body, "m-1", { mentions }));
    expect(named(got)).toEqual([
      ["weirdguy🎉", "weirdguy🎉"],
      ["tab\tname", mangled.resource],
    ]);
    expect(got[1].mentions!.map((m) => [m.start, m.end])).toEqual([
      [3, 3 + "weirdguy🎉".length],
      [body.indexOf(mangled.resource), body.indexOf(mangled.resource) + mangled.resource.length],
    ]);
  });

  it("from references in UTF-16 units, as Converse.js counts them, and from a contact's JID in a non-anonymous room", async () => {
    const l = await lobby();
    const body = "🎉🎉 weirdguy🎉 @bob";
    const mentions = [
      { uri: `xmpp:${ROOM}/weirdguy🎉`, begin: body.indexOf("weirdguy"), end: body.indexOf("weirdguy") + "weirdguy🎉".length },
      { uri: `xmpp:bob-legacy-id@${DOMAIN}`, begin: body.indexOf("@bob"), end: body.length },
    ];
    expect(named(await sent(l, message(body, "m-1", { mentions })))).toEqual([
      ["weirdguy🎉", "weirdguy🎉"],
      ["bob", "@bob"],
    ]);
  });

  it("after a reply's quote are shifted by it; inside it they are dropped", async () => {
    const l = await lobby();
    const quote = "> 🎉carol:\n> hi bob\n";
    const body = `${quote}carol: 🎉 weirdguy🎉`;
    const at = (s: string, from = 0) => cp(body.slice(0, body.indexOf(s, from)));
    const mentions = [
      { uri: `xmpp:${ROOM}/bob`, begin: at("bob"), end: at("bob") + 3 },
      { uri: `xmpp:${ROOM}/carol`, begin: at("carol", quote.length), end: at("carol", quote.length) + 5 },
      { uri: `xmpp:${ROOM}/weirdguy🎉`, begin: at("weirdguy"), end: at("weirdguy") + cp("weirdguy🎉") },
    ];
    const got = await sent(l, message(body, "m-1", { reply: { id: "C1", to: `${ROOM}/carol` }, fallback: { start: 0, end: cp(quote) }, mentions }));
    expect(got[0]).toBe("carol: 🎉 weirdguy🎉");
    expect(named(got)).toEqual([
      ["carol", "carol"],
      ["weirdguy🎉", "weirdguy🎉"],
    ]);
  });

  it("without references: the participants' nicknames (or resources) written in the text, between spaces or punctuation, never the user's", async () => {
    const l = await lobby();
    const mangled = l.byNick("tab\tname").resource;
    const got = await sent(l, message(`weirdguy🎉, bobby and bob: ask ${mangled} (alice)`, "m-1"));
    expect(named(got)).toEqual([
      ["weirdguy🎉", "weirdguy🎉"],
      ["bob", "bob"],
      ["tab\tname", mangled],
    ]);
    const plain = await sent(l, message("nobody here", "m-2"));
    expect(plain[1].mentions).toEqual([]);
    expect(plain[1].replyTo).toBeUndefined();
  });

  it("without references: where names overlap, the longest one wins", async () => {
    const l = await lobby();
    await l.actor.room.getParticipant("bob smith");
    const got = await sent(l, message("bob smith, bob and carol", "m-1"));
    expect(named(got)).toEqual([
      ["bob smith", "bob smith"],
      ["bob", "bob"],
      ["carol", "carol"],
    ]);
  });

  it("with references, only them: a nickname in the text that no reference marks is no mention", async () => {
    const l = await lobby();
    const got = await sent(l, message("bob and carol", "m-1", { mentions: [{ uri: `xmpp:${ROOM}/carol`, begin: 8, end: 13 }] }));
    expect(named(got)).toEqual([["carol", "carol"]]);
  });
});
