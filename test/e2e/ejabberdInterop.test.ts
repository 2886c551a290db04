/**
 * mucstate's component behind ejabberd 23.01 instead of Prosody: a real client joins a bridged
 * room, talks and reads the archive, as through Prosody. ejabberd adds `xml:lang` to what it
 * forwards to the component, and routes the component's own disco of the server like any stanza.
 * Its `mod_privilege` advertises XEP-0356 in `urn:xmpp:privilege:1`, which has no iq permission.
 */
import type { Element } from "@xmpp/component";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { createCallLog } from "../../src/demo/callLog.js";
import { parseFixture } from "../../src/demo/fixture.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import { type EjabberdHandle, startEjabberd } from "../../src/testbed/ejabberd.js";
import { type TestUser, archivedBodies, connectUser, xml } from "../helpers/xmppClient.js";

const DOMAIN = "muc.localhost";
const ROOM = `lobby@${DOMAIN}`;
const MUC_USER = "http://jabber.org/protocol/muc#user";
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "lobby",
      subject: "Welcome",
      subjectSetter: "bob",
      participants: [{ nick: "bob" }],
      history: [{ id: "h1", from: "bob", body: "before you came", at: "2026-01-01T00:00:00Z" }],
    },
  ],
};

describe("the gateway behind ejabberd", () => {
  let ejabberd: EjabberdHandle;
  let gateway: Gateway;
  let alice: TestUser;
  const errors: unknown[] = [];
  const warnings: string[] = [];
  let advertised: Promise<Element>;

  beforeAll(async () => {
    // The most the 23.01 module grants: roster and outgoing messages, no iq namespaces.
    const modules = { mod_roster: {}, mod_privilege: { roster: { both: "all" }, message: { outgoing: "all" } } };
    ejabberd = await startEjabberd({ components: [DOMAIN], modules });
    await ejabberd.registerUser("alice", "pw");
    gateway = createGateway({
      domain: DOMAIN,
      secret: ejabberd.secret,
      service: ejabberd.service,
      plugin: createFixtureNetwork(parseFixture(fixture), createCallLog(undefined)),
      store: ":memory:",
      onError: (e) => errors.push(e),
      onWarning: (w) => warnings.push(w),
    });
    advertised = new Promise((done) => gateway.connection.entity.on("stanza", (s: Element) => s.is("message") && s.attrs.from === "localhost" && done(s)));
    await gateway.start();
    alice = await connectUser(ejabberd.c2sPort, "alice", "pw", "phone");
  });
  afterAll(async () => {
    await alice?.stop();
    await gateway?.stop();
    await ejabberd?.stop();
  });

  it("answers disco#info on its domain with the conference identity", async () => {
    await alice.send(xml("iq", { to: DOMAIN, type: "get", id: "disco" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    const [answer] = await alice.waitFor((s) => s.attrs.id === "disco");
    expect(answer!.attrs.type).toBe("result");
    expect(answer!.getChild("query", "http://jabber.org/protocol/disco#info")?.getChild("identity")?.attrs.category).toBe("conference");
  });

  it("joins: bob, then self-presence with 110, then history, then the subject", async () => {
    alice.clear();
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    await alice.waitFor((s) => s.is("message", "jabber:client") && s.getChild("subject", "jabber:client") !== undefined);
    const fromRoom = alice.received.filter((s) => s.attrs.from?.startsWith(ROOM));
    expect(fromRoom.map((s) => `${s.name} ${s.attrs.from}`)).toEqual([`presence ${ROOM}/bob`, `presence ${ROOM}/alice`, `message ${ROOM}/bob`, `message ${ROOM}/bob`]);
    const codes = fromRoom[1]!.getChild("x", MUC_USER)?.getChildren("status").map((c) => c.attrs.code);
    expect(codes).toContain("110");
    expect(fromRoom[2]!.getChildText("body", "jabber:client")).toBe("before you came");
  });

  it("echoes a message with the client's id and a stanza-id, and archives it for MAM", async () => {
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "m1" }, xml("body", {}, "hello through ejabberd")));
    const [echo] = await alice.waitFor((s) => s.attrs.id === "m1");
    expect(echo!.attrs).toMatchObject({ from: `${ROOM}/alice`, type: "groupchat" });
    expect(echo!.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.by).toBe(ROOM);
    expect(await archivedBodies(alice, ROOM)).toEqual(["before you came", "hello through ejabberd"]);
    expect(errors).toEqual([]);
  });

  it("reads ejabberd's urn:xmpp:privilege:1 grants: without an iq permission a bookmark becomes an invitation whose warning names the old namespace", async () => {
    const advertisement = await advertised;
    expect(advertisement.getChildren("privilege").map((p) => p.attrs.xmlns)).toEqual(["urn:xmpp:privilege:1"]);
    alice.clear();
    const sent: Element[] = [];
    gateway.connection.entity.on("send", (s: Element) => sent.push(s));
    const session = (await gateway.sessions.get("alice@localhost"))!;
    expect(await (await session.getRoom("lobby")).addToBookmarks()).toBe(false);
    const [invitation] = await alice.waitFor((s) => s.getChild("x", "jabber:x:conference") !== undefined);
    expect(invitation!.attrs.from).toBe(DOMAIN);
    expect(invitation!.getChild("x", "jabber:x:conference")!.attrs.jid).toBe(ROOM);
    expect(sent.filter((s) => s.getChild("privileged_iq") !== undefined)).toEqual([]);
    expect(warnings.filter((w) => w.includes("XEP-0356"))).toEqual([
      `localhost advertised XEP-0356 privileges in urn:xmpp:privilege:1, which has no iq permission (ejabberd before 24.10): inviting alice@localhost to ${ROOM} instead of bookmarking`,
    ]);
    expect(errors).toEqual([]);
  });
});
