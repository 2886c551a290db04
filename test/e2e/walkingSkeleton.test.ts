import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, startBed } from "../helpers/e2e.js";
import { conditionOf } from "../helpers/stanzas.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "lobby",
      name: "The Lobby",
      subject: "Welcome",
      subjectSetter: "bob",
      type: "group",
      userNick: "alice",
      participants: [{ nick: "bob", affiliation: "owner", role: "moderator", contact: "bob-legacy-id" }],
    },
  ],
};

const codesOf = (s: { getChild: (n: string, ns?: string) => any }) =>
  (s.getChild("x", MUC_USER)?.getChildren("status") ?? []).map((c: { attrs: { code: string } }) => Number(c.attrs.code));

describe("a real client joins a bridged room through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startBed>>;
  let phone: TestUser;
  let laptop: TestUser;
  const room = "lobby@muc.localhost";

  beforeAll(async () => {
    bed = await startBed(fixture, { extraUsers: ["mallory@localhost"] });
    phone = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, "phone");
    laptop = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, "laptop");
  });
  afterAll(async () => {
    await phone?.stop();
    await laptop?.stop();
    await bed?.stop();
  });

  it("gets bob's presence, its own presence with 110, and the subject, in that order", async () => {
    phone.clear();
    await phone.send(xml("presence", { to: `${room}/alice`, id: "join-e2e" }, xml("x", { xmlns: MUC })));
    const [subject] = await phone.waitFor((s) => s.is("message") && s.getChild("subject") !== undefined);
    const fromRoom = phone.received.filter((s) => s.attrs.from?.startsWith(room));
    expect(fromRoom.map((s) => `${s.name} ${s.attrs.from}`)).toEqual([
      `presence ${room}/bob`,
      `presence ${room}/alice`,
      `message ${room}/bob`,
    ]);
    expect(fromRoom[1]!.attrs.id).toBe("join-e2e");
    expect(codesOf(fromRoom[1]!)).toEqual([100, 110]);
    expect(subject!.getChildText("subject")).toBe("Welcome");
  });

  it("echoes a message the client sends to every joined resource, with a stanza-id", async () => {
    await laptop.send(xml("presence", { to: `${room}/alice` }, xml("x", { xmlns: MUC })));
    await laptop.waitFor((s) => s.is("message") && s.getChild("subject") !== undefined);
    phone.clear();
    laptop.clear();
    await phone.send(xml("message", { to: room, type: "groupchat", id: "m-e2e" }, xml("body", {}, "hello from XMPP")));
    for (const user of [phone, laptop]) {
      const [echo] = await user.waitFor((s) => s.is("message") && s.getChildText("body") === "hello from XMPP");
      expect(echo!.attrs).toMatchObject({ from: `${room}/alice`, type: "groupchat", id: "m-e2e" });
      expect(echo!.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.by).toBe(room);
      expect(echo!.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id).toBeTruthy();
    }
  });

  it("delivers legacy messages to every joined resource", async () => {
    const actor = bed.gateway.registry.peek("alice@localhost", room)!;
    (await actor.room.getParticipant("bob")).sendText("hello from legacy", { legacyId: "legacy-1" });
    for (const user of [phone, laptop]) {
      const [m] = await user.waitFor((s) => s.getChildText("body") === "hello from legacy");
      expect(m!.attrs.from).toBe(`${room}/bob`);
      expect(m!.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id).toBe("legacy-1");
    }
  });

  it("answers disco on the component and on the room", async () => {
    phone.clear();
    await phone.send(xml("iq", { to: "muc.localhost", type: "get", id: "items" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })));
    await phone.send(xml("iq", { to: room, type: "get", id: "info" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    const [items] = await phone.waitFor((s) => s.attrs.id === "items");
    expect(items!.getChild("query")!.getChildren("item").map((i: any) => i.attrs)).toEqual([{ jid: room, name: "The Lobby" }]);
    const [info] = await phone.waitFor((s) => s.attrs.id === "info");
    const query = info!.getChild("query")!;
    expect(query.getChild("identity")!.attrs).toMatchObject({ category: "conference", type: "text", name: "The Lobby" });
    const features = query.getChildren("feature").map((f: any) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining(["http://jabber.org/protocol/muc", "muc_membersonly", "muc_nonanonymous", "urn:xmpp:occupant-id:0", "urn:xmpp:sid:0"]));
    const fields = Object.fromEntries(query.getChild("x")!.getChildren("field").map((f: any) => [f.attrs.var, f.getChildText("value")]));
    expect(fields).toMatchObject({ "muc#roominfo_subject": "Welcome", "muc#roominfo_occupants": "2" });
  });

  it("refuses bad input with the right errors and keeps the stream open", async () => {
    const mallory = await connectUser(bed.prosody.c2sPort, "mallory", PASSWORD, "x");
    try {
      await mallory.send(xml("presence", { to: `${room}/m`, id: "m1" }, xml("x", { xmlns: MUC })));
      const [refused] = await mallory.waitFor((s) => s.attrs.id === "m1");
      expect(refused!.getChild("error")!.getChild("registration-required")).toBeDefined();
    } finally {
      await mallory.stop();
    }
    phone.clear();
    await phone.send(xml("presence", { to: "nowhere@muc.localhost/alice", id: "p-unknown" }, xml("x", { xmlns: MUC })));
    await phone.send(xml("presence", { to: room, id: "p-nonick" }, xml("x", { xmlns: MUC })));
    await phone.send(xml("iq", { to: room, type: "get", id: "weird-iq" }, xml("query", { xmlns: "urn:example:nope" })));
    const cond = async (id: string) => {
      const [s] = await phone.waitFor((x) => x.attrs.id === id);
      return conditionOf(s!);
    };
    expect(await cond("p-unknown")).toBe("item-not-found");
    expect(await cond("p-nonick")).toBe("jid-malformed");
    expect(await cond("weird-iq")).toBe("service-unavailable");
    expect(bed.gateway.connection.entity.status).toBe("online");
    expect(bed.dropped).toEqual([]);
  });

  it("answers a leave with an unavailable self-presence with 110", async () => {
    laptop.clear();
    await laptop.send(xml("presence", { to: `${room}/alice`, type: "unavailable" }));
    const [left] = await laptop.waitFor((s) => s.is("presence") && s.attrs.type === "unavailable");
    expect(codesOf(left!)).toEqual([110]);
  });
});
