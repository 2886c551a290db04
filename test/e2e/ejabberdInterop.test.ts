/**
 * mucstate's component behind ejabberd 23.01 instead of Prosody: a real client joins a bridged
 * room, talks and reads the archive, as through Prosody. ejabberd adds `xml:lang` to what it
 * forwards to the component, and routes the component's own disco of the server like any stanza.
 */
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

  beforeAll(async () => {
    ejabberd = await startEjabberd({ components: [DOMAIN] });
    await ejabberd.registerUser("alice", "pw");
    gateway = createGateway({
      domain: DOMAIN,
      secret: ejabberd.secret,
      service: ejabberd.service,
      plugin: createFixtureNetwork(parseFixture(fixture), createCallLog(undefined)),
      store: ":memory:",
      onError: (e) => errors.push(e),
    });
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
});
