/**
 * Replies (XEP-0461 with the XEP-0428 fallback) and mentions (XEP-0372) from the legacy network:
 * `sendText(body, { replyTo, mentions })` quotes the unescaped nick, names the author by occupant
 * JID, counts ranges in code points after the quote, and is archived like any message.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { roomDiscoInfo } from "../../src/actors/roomDisco.js";
import { readCallLog } from "../../src/demo/callLog.js";
import { FixtureError, parseFixture } from "../../src/demo/fixture.js";
import { findMentions } from "../../src/legacy/replies.js";
import { ALICE, DOMAIN, fixtureHarness, groupchat, joinPresence, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedText, qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const REPLY = "urn:xmpp:reply:0";
const FALLBACK = "urn:xmpp:fallback:0";
const REFERENCE = "urn:xmpp:reference:0";
const cp = (s: string) => [...s].length;

async function lobby() {
  const participants = [{ nick: "bob", contact: "bob-legacy-id" }, { nick: "weirdguy🎉" }, { nick: "tab\tname" }];
  const h = fixtureHarness(lobbyFixture({ participants }));
  const actor = await joined(h, "lobby", ["phone", "laptop"]);
  const byNick = (nick: string) => actor.room._storedParticipants().find((p) => p.nickname === nick)!;
  return { h, actor, byNick };
}

/** What a client reads of a reply: its body, reply, fallback range and mentions (uri, and the text they cover by code points). */
function readReply(s: Element) {
  const body = qualifiedText(s, "{jabber:client}body")!;
  const points = [...body];
  const range = s.getChild("fallback", FALLBACK)?.getChild("body", FALLBACK)?.attrs;
  const refs = s.getChildren("reference", REFERENCE).map((r) => [r.attrs.type, r.attrs.uri, points.slice(Number(r.attrs.begin), Number(r.attrs.end)).join("")]);
  return { body, reply: s.getChild("reply", REPLY)?.attrs, fallback: range && [Number(range.start), Number(range.end), s.getChild("fallback", FALLBACK)!.attrs.for], refs };
}

describe("a participant's reply", () => {
  it("names the quoted message and its author's occupant JID, quotes the unescaped nick as a code-point fallback, and mentions after the quote", async () => {
    const { h, byNick } = await lobby();
    const mangled = byNick("tab\tname");
    mangled.sendText("🎉 yes\nreally", { legacyId: "T1" });
    const body = "🎉 weirdguy🎉 agrees";
    byNick("bob").sendText(body, { legacyId: "B2", replyTo: { legacyId: "T1", participant: mangled, text: "🎉 yes\nreally" }, mentions: findMentions(body, [byNick("weirdguy🎉")]) });
    await h.settle();
    const replies = h.take().filter((s) => s.getChild("reply", REPLY));
    expect(replies.map((s) => s.attrs.to)).toEqual([`${ALICE}/phone`, `${ALICE}/laptop`]);
    const quote = "> tab\tname:\n> 🎉 yes\n> really\n";
    expect(readReply(replies[0]!)).toEqual({
      body: `${quote}${body}`,
      reply: { xmlns: REPLY, to: `${ROOM}/${mangled.resource}`, id: "T1" },
      fallback: [0, cp(quote), REPLY],
      refs: [["mention", `xmpp:${ROOM}/weirdguy%F0%9F%8E%89`, "weirdguy🎉"]],
    });
    expect(qualifiedTree(replies[0]!).slice(0, 6)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${REPLY}}reply`,
      `  {${FALLBACK}}fallback`,
      `    {${FALLBACK}}body`,
      `  {${REFERENCE}}reference`,
    ]);
    const archived = h.store.queryArchive({ user: ALICE, room: ROOM }, { ids: ["B2"] }).messages;
    expect(archived).toHaveLength(1);
    expect(archived[0]!.xml).toContain(`<reply xmlns="${REPLY}" to="${ROOM}/${mangled.resource}" id="T1"/>`);
    expect(archived[0]!.xml).toContain(`<body start="0" end="${cp(quote)}"/>`);
  });

  it("to the user's message names the user's occupant JID; without the quoted text there is no fallback; without an author no nick line", async () => {
    const { h, actor, byNick } = await lobby();
    h.route(groupchat("lobby", "mine"));
    await h.settle();
    const stanzaId = h.take()[0]!.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id as string;
    byNick("bob").sendText("noted", { replyTo: { legacyId: stanzaId, participant: actor.room._userParticipant() } });
    byNick("bob").sendText("who said that?", { replyTo: { legacyId: "X1", text: "that" } });
    byNick("bob").sendText("ok", { replyTo: { legacyId: "R1", participant: actor.room.getSystemParticipant(), text: "rules" } });
    await h.settle();
    const [toUser, , anonymous, , toRoom] = h.take().filter((s) => s.getChild("reply", REPLY));
    expect(readReply(toRoom!)).toMatchObject({ body: "> rules\nok", reply: { xmlns: REPLY, to: ROOM, id: "R1" } });
    expect(readReply(toUser!)).toEqual({ body: "noted", reply: { xmlns: REPLY, to: `${ROOM}/alice`, id: stanzaId }, fallback: undefined, refs: [] });
    expect(readReply(anonymous!)).toMatchObject({ body: "> that\nwho said that?", reply: { xmlns: REPLY, id: "X1" }, fallback: [0, 7, REPLY] });
  });

  it("refuses bad reply or mention options in the plugin's own call, before anything is sent", async () => {
    const { h, byNick } = await lobby();
    const bob = byNick("bob");
    expect(() => bob.sendText("hi", { replyTo: { legacyId: "" } })).toThrow(/replyTo.legacyId/);
    expect(() => bob.sendText("hi", { mentions: [{ participant: bob, start: 0, end: 3 }] })).toThrow(/mentions\[0\]/);
    expect(() => bob.sendText("🎉x", { mentions: [{ participant: bob, start: 1, end: 3 }] })).toThrow(/surrogate/);
    await h.settle();
    expect(h.take()).toEqual([]);
  });
});

describe("room disco#info", () => {
  it("advertises replies, fallbacks and references in every room: onText always gets them", async () => {
    const { actor } = await lobby();
    const features = (await roomDiscoInfo(actor.room, true)).getChildren("feature", "http://jabber.org/protocol/disco#info").map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([REPLY, FALLBACK, REFERENCE]));
  });
});

describe("the fixture network", () => {
  const withEvents = (events: unknown) => ({ users: ["a@b"], rooms: [{ id: "r", events }] });

  it("parses a reply event with its defaults, and names the field of a malformed one", () => {
    const reply = { from: "bob", to: "L1", body: "yes carol", author: "carol", quote: "", mentions: ["carol"], id: "L2" };
    expect(parseFixture(withEvents([{ afterMs: 3, reply }, { reply: { from: "bob", to: "L1", body: "" } }])).rooms[0]!.events).toEqual([
      { afterMs: 3, reply },
      { afterMs: 0, reply: { from: "bob", to: "L1", body: "", mentions: [] } },
    ]);
    for (const [bad, path] of [
      [{ from: "bob", to: "L1" }, "reply.body"],
      [{ from: "bob", body: "b" }, "reply.to"],
      [{ from: "bob", to: "L1", body: "hi", mentions: ["dave"] }, "reply.mentions[0]: expected a nick that the body names"],
      [{ from: "bob", to: "L1", body: "hi", author: "" }, "reply.author"],
      [{ from: "bob", to: "L1", body: "hi", emojis: [] }, "reply.emojis: unknown field"],
    ] as const) {
      expect(() => parseFixture(withEvents([{ reply: bad }]))).toThrow(FixtureError);
      expect(() => parseFixture(withEvents([{ reply: bad }]))).toThrow(`rooms[0].events[0].${path}`);
    }
  });

  it("logs onText's reply and mentions, and a timed reply event sends a participant's reply with mentions", async () => {
    const calls = join(mkdtempSync(join(tmpdir(), "replies-")), "calls.jsonl");
    const events = [
      { afterMs: 100, message: { from: "bob", body: "cake?", id: "B1" } },
      { afterMs: 150, reply: { from: "carol", to: "B1", author: "bob", quote: "cake?", body: "yes bob, and alice", mentions: ["bob", "alice"], id: "C1" } },
    ];
    const h = fixtureHarness(lobbyFixture({ events }), { calls });
    // The events' timers start when the join fills the list: on a busy machine they can fire
    // before the join sequence is out, so what the join sent is searched, not thrown away.
    h.route(joinPresence("lobby", "alice"));
    await h.until(() => h.sent.some((s) => s.getChild("reply", REPLY) !== undefined));
    const reply = h.take().find((s) => s.getChild("reply", REPLY))!;
    expect(readReply(reply)).toEqual({
      body: "> bob:\n> cake?\nyes bob, and alice",
      reply: { xmlns: REPLY, to: `${ROOM}/bob`, id: "B1" },
      fallback: [0, 15, REPLY],
      refs: [
        ["mention", `xmpp:${ROOM}/bob`, "bob"],
        ["mention", `xmpp:${ROOM}/alice`, "alice"],
      ],
    });
    const quote = "> carol:\n> yes bob, and alice\n";
    h.route(
      xml(
        "message",
        { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id: "m-1" },
        xml("body", {}, `${quote}thanks carol`),
        xml("reply", { xmlns: REPLY, to: `${ROOM}/carol`, id: "C1" }),
        xml("fallback", { xmlns: FALLBACK, for: REPLY }, xml("body", { start: "0", end: String(quote.length) })),
      ),
    );
    await h.until(() => h.sent.some((s) => s.attrs.id === "m-1"));
    await h.callLog.flush();
    const log = (await readCallLog(calls)).filter((e) => e.callback === "onText");
    const replyTo = { legacyId: "C1", xmppId: "C1", nick: "carol", fallback: quote };
    expect(log.map((e) => e.args)).toEqual([["thanks carol", "m-1", { replyTo, mentions: [{ nick: "carol", start: 7, end: 12 }] }]]);
  });
});
