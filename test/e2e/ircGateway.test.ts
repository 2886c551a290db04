/**
 * The IRC example (examples/irc) end to end: a real ngircd and Prosody, the gateway in this
 * process, alice and carol as @xmpp/client users, and bob and dave as plain IRC clients
 * (irc-framework) standing for the other people in `#test`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import irc, { type ClientEvents } from "irc-framework";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIrcGateway } from "../../examples/irc/main.js";
import type { Gateway } from "../../src/createGateway.js";
import { type NgircdHandle, startNgircd } from "../../src/testbed/ngircd.js";
import { type ProsodyHandle, startProsody } from "../../src/testbed/prosody.js";
import { conditionOf, qualifiedText, qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, archivedBodies, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = `${MUC}#user`;
const MUC_ADMIN = `${MUC}#admin`;
const DOMAIN = "irc.localhost";
const ROOM = `#test@${DOMAIN}`;

type Stanza = TestUser["received"][number];
type Seen = { [K in keyof ClientEvents]?: ClientEvents[K][] };

/** An IRC user that records the events it sees. */
async function ircUser(ngircd: NgircdHandle, nick: string) {
  const client = new irc.Client({ auto_reconnect: false });
  const seen: Seen = {};
  const record = <K extends keyof ClientEvents>(name: K) =>
    client.on(name, (e) => {
      seen[name] = [...(seen[name] ?? []), e] as Seen[K];
    });
  for (const name of ["join", "part", "kick", "mode", "privmsg", "action", "topic", "nick"] as const) record(name);
  await new Promise<void>((done) => {
    client.once("registered", () => done());
    client.connect({ host: ngircd.host, port: ngircd.port, nick, username: nick, gecos: nick });
  });
  const until = async <K extends keyof ClientEvents>(name: K, match: (e: ClientEvents[K]) => boolean) => {
    for (const deadline = Date.now() + 10_000; !(seen[name] as ClientEvents[K][] | undefined)?.some(match); await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() > deadline) throw new Error(`${nick} did not see ${name}: ${JSON.stringify(seen)}`);
    }
  };
  const join = async () => {
    client.join("#test");
    await until("join", (e) => e.nick === client.user.nick && e.channel === "#test");
  };
  return { client, seen, until, join };
}

const from = (nick: string) => (s: Stanza) => s.attrs.from === `${ROOM}/${nick}`;
const statuses = (s: Stanza) => s.getChild("x", MUC_USER)?.getChildren("status", MUC_USER).map((c) => c.attrs.code) ?? [];
const item = (s: Stanza) => s.getChild("x", MUC_USER)?.getChild("item", MUC_USER)?.attrs;
const unavailable = (nick: string) => (s: Stanza) => from(nick)(s) && s.is("presence", "jabber:client") && s.attrs.type === "unavailable";
const available = (nick: string) => (s: Stanza) => from(nick)(s) && s.is("presence", "jabber:client") && s.attrs.type === undefined;
const adminIq = (id: string, attrs: Record<string, string>) =>
  xml("iq", { to: ROOM, type: "set", id }, xml("query", { xmlns: MUC_ADMIN }, xml("item", attrs, xml("reason", {}, "out"))));

describe("the IRC example against ngircd and Prosody", () => {
  let ngircd: NgircdHandle;
  let prosody: ProsodyHandle;
  let gateway: Gateway;
  let dir: string;
  let alice: TestUser;
  let bob: Awaited<ReturnType<typeof ircUser>>;
  let dave: Awaited<ReturnType<typeof ircUser>>;
  const warnings: string[] = [];

  beforeAll(async () => {
    ngircd = await startNgircd();
    prosody = await startProsody({ components: [DOMAIN] });
    await prosody.registerUser("alice", "pw");
    await prosody.registerUser("carol", "pw");
    dir = mkdtempSync(join(tmpdir(), "mucstate-irc-"));
    gateway = createIrcGateway({
      domain: DOMAIN,
      secret: prosody.secret,
      service: prosody.service,
      store: join(dir, "gateway.sqlite"),
      irc: { host: ngircd.host, port: ngircd.port },
      userDomains: ["localhost"],
      onWarning: (message) => warnings.push(message),
      uploadService: false,
    });
    await gateway.start();
    alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
  });
  afterAll(async () => {
    await alice?.stop();
    bob?.client.quit();
    dave?.client.quit();
    await gateway?.stop();
    await prosody?.stop({ removeDir: true });
    await ngircd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("joins #test on IRC when alice joins, first there and so its operator (moderator, admin)", async () => {
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    const [self] = await alice.waitFor((s) => available("alice")(s) && statuses(s).includes("110"));
    expect(qualifiedTree(self!)).toEqual(["{jabber:client}presence", `  {${MUC_USER}}x`, `    {${MUC_USER}}item`, `    {${MUC_USER}}status`, "  {urn:xmpp:occupant-id:0}occupant-id"]);
    expect(item(self!)).toMatchObject({ affiliation: "admin", role: "moderator" });
    await alice.waitFor((s) => s.is("message", "jabber:client") && s.getChild("subject", "jabber:client") !== undefined);
    bob = await ircUser(ngircd, "bob");
    await bob.join();
    const [bobHere] = await alice.waitFor(available("bob"));
    expect(item(bobHere!)).toMatchObject({ affiliation: "member", role: "participant" });
  });

  it("brings bob's PRIVMSG, NOTICE and ACTION to alice, archived", async () => {
    bob.client.say("#test", "hello from IRC");
    bob.client.action("#test", "waves");
    bob.client.notice("#test", "a notice");
    const messages = await alice.waitFor((s) => from("bob")(s) && s.is("message", "jabber:client"), { count: 3 });
    expect(messages.map((m) => qualifiedText(m, "{jabber:client}body"))).toEqual(["hello from IRC", "/me waves", "a notice"]);
    expect(qualifiedTree(messages[1]!).slice(0, 2)).toEqual(["{jabber:client}message", "  {jabber:client}body"]);
    expect(messages.map((m) => m.attrs.type)).toEqual(["groupchat", "groupchat", "groupchat"]);
    expect(await archivedBodies(alice, ROOM)).toEqual(["hello from IRC", "/me waves", "a notice"]);
  });

  it("sends alice's groupchat to IRC as PRIVMSG, and /me as ACTION, echoed to her", async () => {
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "m1" }, xml("body", {}, "hello from XMPP")));
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "m2" }, xml("body", {}, "/me nods")));
    await bob.until("privmsg", (e) => e.nick === "alice" && e.message === "hello from XMPP");
    await bob.until("action", (e) => e.nick === "alice" && e.message === "nods");
    const [echo] = await alice.waitFor((s) => from("alice")(s) && s.attrs.id === "m1");
    expect(qualifiedText(echo!, "{jabber:client}body")).toBe("hello from XMPP");
  });

  it("carries the topic both ways: bob's TOPIC is the subject, alice's subject is a TOPIC", async () => {
    bob.client.setTopic("#test", "Topic from IRC");
    const [subject] = await alice.waitFor((s) => from("bob")(s) && qualifiedText(s, "{jabber:client}subject") === "Topic from IRC");
    expect(subject!.attrs.type).toBe("groupchat");
    await alice.send(xml("message", { to: ROOM, type: "groupchat" }, xml("subject", {}, "Topic from XMPP")));
    await bob.until("topic", (e) => e.nick === "alice" && e.topic === "Topic from XMPP");
    await alice.waitFor((s) => qualifiedText(s, "{jabber:client}subject") === "Topic from XMPP");
  });

  it("turns bob's NICK into a 303 rename, and a third user's JOIN and PART into presences", async () => {
    bob.client.raw("NICK", "robert");
    const [renamed] = await alice.waitFor(unavailable("bob"));
    expect(statuses(renamed!)).toEqual(["303"]);
    expect(item(renamed!)).toMatchObject({ nick: "robert" });
    await alice.waitFor(available("robert"));
    dave = await ircUser(ngircd, "dave");
    await dave.join();
    await alice.waitFor(available("dave"));
    dave.client.part("#test", "bye");
    const [left] = await alice.waitFor(unavailable("dave"));
    expect(statuses(left!)).toEqual([]);
  });

  it("turns a QUIT on IRC into the occupant's unavailable presence", async () => {
    const erin = await ircUser(ngircd, "erin");
    await erin.join();
    await alice.waitFor(available("erin"));
    erin.client.quit("gone fishing");
    const [gone] = await alice.waitFor(unavailable("erin"));
    expect(gone!.is("presence", "jabber:client")).toBe(true);
    expect(item(gone!)).toMatchObject({ affiliation: "member", role: "none" });
  });

  it("kicks from XMPP as IRC KICK (307), and bans as MODE +b then KICK (301)", async () => {
    await dave.join();
    await alice.waitFor(available("dave"), { count: 2 });
    await alice.send(adminIq("kick", { nick: "dave", role: "none" }));
    const kicked = (await alice.waitFor(unavailable("dave"), { count: 2 })).at(-1);
    expect(statuses(kicked!)).toEqual(["307"]);
    await dave.until("kick", (e) => e.kicked === "dave" && e.nick === "alice");
    await alice.waitFor((s) => s.attrs.id === "kick" && s.attrs.type === "result");

    await dave.join();
    await alice.waitFor(available("dave"), { count: 3 });
    await alice.send(adminIq("ban", { nick: "dave", affiliation: "outcast" }));
    const banned = (await alice.waitFor(unavailable("dave"), { count: 3 })).at(-1);
    expect(statuses(banned!)).toEqual(["301"]);
    expect(item(banned!)).toMatchObject({ affiliation: "outcast" });
    await dave.until("mode", (e) => e.modes.some((m) => m.mode === "+b" && m.param === "dave!*@*"));
    await alice.waitFor((s) => s.attrs.id === "ban" && s.attrs.type === "result");
  });

  it("answers forbidden to a kick by a user who is no channel operator (IRC 482)", async () => {
    const carol = await connectUser(prosody.c2sPort, "carol", "pw", "r");
    try {
      await carol.send(xml("presence", { to: `${ROOM}/carol` }, xml("x", { xmlns: MUC })));
      await carol.waitFor((s) => available("carol")(s) && statuses(s).includes("110"));
      await carol.send(adminIq("k2", { nick: "robert", role: "none" }));
      const [answer] = await carol.waitFor((s) => s.attrs.id === "k2");
      expect(answer!.attrs.type).toBe("error");
      expect(conditionOf(answer)).toBe("forbidden");
      expect(bob.seen.kick?.some((e) => e.kicked === "robert")).toBeFalsy();
    } finally {
      await carol.stop();
    }
  });

  it("makes a moderator with MODE +o, and shows IRC's MODE as the occupant's new role", async () => {
    await alice.send(xml("iq", { to: ROOM, type: "set", id: "op" }, xml("query", { xmlns: MUC_ADMIN }, xml("item", { nick: "robert", role: "moderator" }))));
    await bob.until("mode", (e) => e.nick === "alice" && e.modes.some((m) => m.mode === "+o" && m.param === "robert"));
    const [opped] = await alice.waitFor((s) => available("robert")(s) && item(s)?.role === "moderator");
    expect(item(opped!)).toMatchObject({ affiliation: "admin", role: "moderator" });
    await alice.waitFor((s) => s.attrs.id === "op" && s.attrs.type === "result");
  });

  it("PARTs #test when alice's last resource leaves", async () => {
    await alice.send(xml("presence", { to: `${ROOM}/alice`, type: "unavailable" }));
    await bob.until("part", (e) => e.nick === "alice" && e.channel === "#test");
  });

  it("JOINs again when alice comes back, and brings the participants up to date from NAMES", async () => {
    bob.client.raw("NICK", "bob");
    await bob.until("nick", (e) => e.new_nick === "bob");
    alice.clear();
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await bob.until("join", (e) => e.nick === "alice");
    // The join sequence shows who the gateway knew (robert); NAMES then says he is bob now.
    await alice.waitFor(available("robert"));
    await alice.waitFor(unavailable("robert"));
    const [back] = await alice.waitFor(available("bob"));
    expect(item(back!)).toMatchObject({ affiliation: "admin", role: "moderator" });
  });

  it("takes alice out of the room when an operator KICKs her on IRC (307, 110)", async () => {
    bob.client.raw("KICK", "#test", "alice", "enough");
    const [out] = await alice.waitFor((s) => unavailable("alice")(s) && statuses(s).includes("110"));
    expect(statuses(out!)).toEqual(expect.arrayContaining(["307", "110"]));
    expect(qualifiedTree(out!).slice(0, 3)).toEqual(["{jabber:client}presence", `  {${MUC_USER}}x`, `    {${MUC_USER}}item`]);
    expect(warnings).toEqual([]);
  });
});
