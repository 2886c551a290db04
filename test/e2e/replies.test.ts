/**
 * Replies (XEP-0461 with the XEP-0428 fallback) and mentions (XEP-0372) through a real Prosody,
 * both ways, read as a namespace-aware client reads them: the user's reply reaches `onText`
 * without its quote, with its target and mention offsets; a participant's reply arrives with the
 * reply, a fallback quoting the legacy nick and a mention, in code points, and MAM returns it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinRoom, startLoggedBed } from "../helpers/e2e.js";
import { qualifiedText, qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, archivedMessages, xml } from "../helpers/xmppClient.js";

const REPLY = "urn:xmpp:reply:0";
const FALLBACK = "urn:xmpp:fallback:0";
const REFERENCE = "urn:xmpp:reference:0";
const SID = "urn:xmpp:sid:0";
const ROOM = "talk@re.localhost";
const cp = (s: string) => [...s].length;
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "talk",
      userNick: "alice",
      participants: [{ nick: "bob", contact: "bob-id" }, { nick: "tab\tname" }, { nick: "weirdguy🎉" }],
      events: [
        { afterMs: 300, message: { from: "bob", body: "🎉 cake at five", id: "B-1" } },
        { afterMs: 400, reply: { from: "tab\tname", to: "B-1", author: "bob", quote: "🎉 cake at five", body: "🎉 yes bob, alice and weirdguy🎉 too", mentions: ["bob", "alice", "weirdguy🎉"], id: "T-1" } },
      ],
    },
  ],
};

/** What a client reads of a message: body, reply, fallback range and each mention with the text it covers (by code points). */
function readReply(s: ReturnType<typeof xml>) {
  const body = qualifiedText(s, "{jabber:client}body")!;
  const points = [...body];
  const range = s.getChild("fallback", FALLBACK)?.getChild("body", FALLBACK)?.attrs;
  const mentions = s.getChildren("reference", REFERENCE).map((r) => [r.attrs.uri, points.slice(Number(r.attrs.begin), Number(r.attrs.end)).join("")]);
  return { body, reply: s.getChild("reply", REPLY)?.attrs, fallback: range && [range.start, range.end], mentions };
}

describe("replies and mentions through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startLoggedBed>>;
  let alice: TestUser;
  beforeAll(async () => {
    bed = await startLoggedBed(fixture, { domain: "re.localhost", callbackTimeoutMs: 5000 });
    alice = bed.alice;
    await joinRoom(alice, ROOM);
  });
  afterAll(() => bed?.stop());

  it("a user's reply with a fallback and a mention reaches onText without the quote, with its target and the mention's UTF-16 offsets; the echo keeps them", async () => {
    const [cake] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/bob` && s.getChild("body", "jabber:client") !== undefined);
    const cakeId = cake!.getChild("stanza-id", SID)!.attrs.id;
    const [tabPresence] = await alice.waitFor((s) => s.is("presence", "jabber:client") && s.getChild("nick", "http://jabber.org/protocol/nick") !== undefined);
    const tab = String(tabPresence!.attrs.from).slice(ROOM.length + 1);
    // As Converse.js writes it: "> nick:" and the quoted lines, then the text; the mention is the occupant's (mangled) resource.
    const quote = "> bob:\n> 🎉 cake at five\n";
    const text = `🎉 ok, ${tab} brings the tea, weirdguy🎉 the cups`;
    const begin = cp(quote) + cp("🎉 ok, ");
    // The second mention counts UTF-16 units, as Converse.js does: the room reads either.
    const weird = quote.length + text.indexOf("weirdguy");
    await alice.send(
      xml(
        "message",
        { to: ROOM, type: "groupchat", id: "r-1" },
        xml("body", {}, quote + text),
        xml("reply", { xmlns: REPLY, to: `${ROOM}/bob`, id: cakeId }),
        xml("fallback", { xmlns: FALLBACK, for: REPLY }, xml("body", { start: "0", end: String(cp(quote)) })),
        xml("reference", { xmlns: REFERENCE, type: "mention", uri: `xmpp:${ROOM}/${encodeURIComponent(tab)}`, begin: String(begin), end: String(begin + cp(tab)) }),
        xml("reference", { xmlns: REFERENCE, type: "mention", uri: encodeURI(`xmpp:${ROOM}/weirdguy🎉`), begin: String(weird), end: String(weird + "weirdguy🎉".length) }),
        xml("origin-id", { xmlns: SID, id: "r-1" }),
      ),
    );
    const [echo] = await alice.waitFor((s) => s.attrs.id === "r-1");
    expect(qualifiedTree(echo!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${REPLY}}reply`,
      `  {${FALLBACK}}fallback`,
      `    {${FALLBACK}}body`,
      `  {${REFERENCE}}reference`,
      `  {${REFERENCE}}reference`,
      `  {${SID}}origin-id`,
      `  {${SID}}stanza-id`,
      "  {urn:xmpp:occupant-id:0}occupant-id",
    ]);
    const log = await bed.logged("talk", "onText");
    const start = text.indexOf(tab);
    const w = text.indexOf("weirdguy");
    const mentions = [
      { nick: "tab\tname", start, end: start + tab.length },
      { nick: "weirdguy🎉", start: w, end: w + "weirdguy🎉".length },
    ];
    expect(log.map(([, args]) => args)).toEqual([[text, "r-1", { replyTo: { legacyId: "B-1", xmppId: cakeId, nick: "bob", fallback: quote }, mentions }]]);
    expect(cp(text.slice(0, start))).not.toBe(start);
  });

  it("a participant's reply arrives with the reply, a fallback quoting the legacy nick and mentions in code points, and MAM returns it", async () => {
    const [reply] = await alice.waitFor((s) => s.attrs.id === "T-1");
    const tab = String(reply!.attrs.from).slice(ROOM.length + 1);
    expect(tab).not.toBe("tab\tname");
    const quote = "> bob:\n> 🎉 cake at five\n";
    const expected = {
      body: `${quote}🎉 yes bob, alice and weirdguy🎉 too`,
      reply: { xmlns: REPLY, to: `${ROOM}/bob`, id: "B-1" },
      fallback: ["0", String(cp(quote))],
      mentions: [
        [`xmpp:${ROOM}/bob`, "bob"],
        [`xmpp:${ROOM}/alice`, "alice"],
        [`xmpp:${ROOM}/weirdguy%F0%9F%8E%89`, "weirdguy🎉"],
      ],
    };
    expect(readReply(reply!)).toEqual(expected);
    expect(reply!.getChild("stanza-id", SID)!.attrs.id).toBe("T-1");

    const archived = (await archivedMessages(alice, ROOM, "mam")).filter(([id]) => id === "T-1").map(([, m]) => m!);
    expect(archived).toHaveLength(1);
    expect(readReply(archived[0]!)).toEqual(expected);
  });
});
