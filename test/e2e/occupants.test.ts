/**
 * The occupant model end to end: one user with two resources, a fixture room whose timed
 * events rename, join, leave, kick, ban and change participants, through a real Prosody.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, startBed } from "../helpers/e2e.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = `${MUC}#user`;
const ROOM = "club@occ.localhost";
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "club",
      userNick: "alice",
      participants: [
        { nick: "bob", contact: "bob-id", affiliation: "owner", role: "moderator" },
        { nick: "carol", contact: "carol-id" },
      ],
      events: [
        { afterMs: 400, presence: { nick: "carol", show: "away", status: "lunch", idleSince: "2026-11-25T12:00:00Z" } },
        { afterMs: 450, rename: { from: "bob", to: "robert" } },
        { afterMs: 500, join: { nick: "dave", contact: "dave-id", affiliation: "admin" } },
        { afterMs: 550, message: { from: "dave", body: "hello all", id: "dave-1" } },
        { afterMs: 600, affiliation: { nick: "carol", affiliation: "admin" } },
        { afterMs: 650, leave: { nick: "dave", kick: true, reason: "spam" } },
        { afterMs: 700, join: { nick: "robert", contact: "robert-2" } },
        { afterMs: 750, join: { nick: "we\u0001ird" } },
        { afterMs: 800, leave: { nick: "carol", ban: true } },
        { afterMs: 850, message: { from: "robert", body: "done", id: "end" } },
      ],
    },
  ],
};

const codes = (s: any): string => (s.getChild("x", MUC_USER)?.getChildren("status") ?? []).map((c: any) => c.attrs.code).join(",");
const line = (s: any): string => {
  const nick = s.attrs.from.slice(ROOM.length + 1);
  if (s.is("message")) return `msg ${nick}: ${s.getChildText("body")}`;
  const item = s.getChild("x", MUC_USER)?.getChild("item")?.attrs ?? {};
  const type = s.attrs.type === "unavailable" ? "gone" : "here";
  return `${type} ${nick} ${item.affiliation}/${item.role}${codes(s) ? ` [${codes(s)}]` : ""}${item.nick ? ` ->${item.nick}` : ""}${s.getChildText("show") ? ` show=${s.getChildText("show")}` : ""}`;
};

describe("occupants through Prosody, two resources", () => {
  let bed: Awaited<ReturnType<typeof startBed>>;
  let phone: TestUser;
  let laptop: TestUser;
  beforeAll(async () => {
    bed = await startBed(fixture, { domain: "occ.localhost" });
    phone = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, "phone");
    laptop = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, "laptop");
  });
  afterAll(async () => {
    await phone?.stop();
    await laptop?.stop();
    await bed?.stop();
  });

  it("each resource joins on its own and gets every live change once, in order", async () => {
    const subject = (s: any) => s.attrs.from?.startsWith(ROOM) && s.getChild("subject") !== undefined;
    // Both join at once: the room's timed events start when the first join fills the list, and a
    // resource joining after one of them would get it in its join sequence, not live.
    for (const user of [phone, laptop]) await user.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    const expected = [
      "here carol member/participant show=away",
      "gone bob owner/moderator [303] ->robert",
      "here robert owner/moderator",
      "here dave admin/participant",
      "msg dave: hello all",
      "here carol admin/participant show=away",
      "gone dave admin/none [307]",
      "here robert (robert-2) member/participant",
      expect.stringMatching(/^here weird-[a-z2-7]{6} member\/participant$/),
      "gone carol outcast/none [301]",
      "msg robert: done",
    ];
    for (const user of [phone, laptop]) {
      await user.waitFor((s) => s.getChildText("body") === "done", { timeoutMs: 10_000 });
      // What came after the join sequence (which ends with the subject) is the live traffic.
      const live = user.received.slice(user.received.findIndex(subject) + 1);
      expect(live.filter((s) => s.attrs.from?.startsWith(`${ROOM}/`)).map(line)).toEqual(expected);
    }
    const weird = phone.received.find((s) => /weird-/.test(s.attrs.from ?? ""))!;
    expect(weird.getChildText("nick", "http://jabber.org/protocol/nick")).toBe("weird");
    const idle = phone.received.find((s) => s.getChildText("show") === "away")!;
    expect(idle.getChild("idle", "urn:xmpp:idle:1")!.attrs.since).toBe("2026-11-25T12:00:00.000Z");
    const kicked = phone.received.find((s) => codes(s) === "307")!;
    expect(kicked.getChild("x", MUC_USER)!.getChild("item")!.getChildText("reason")).toBe("spam");
  });

  it("keeps occupant ids stable: the same participant always has the same id", async () => {
    const idsOf = (user: TestUser, nick: string) =>
      new Set(user.received.filter((s) => s.attrs.from === `${ROOM}/${nick}`).map((s) => s.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id));
    expect(idsOf(phone, "robert").size).toBe(1);
    expect([...idsOf(phone, "robert")]).toEqual([...idsOf(laptop, "robert")]);
    expect([...idsOf(phone, "robert")]).toEqual([...idsOf(phone, "bob")]);
  });

  it("a leave removes only that resource; the other still gets live traffic and answers self-ping", async () => {
    laptop.clear();
    await laptop.send(xml("presence", { to: `${ROOM}/alice`, type: "unavailable" }));
    await laptop.waitFor((s) => s.attrs.type === "unavailable" && codes(s) === "110");
    const actor = bed.gateway.registry.peek("alice@localhost", ROOM)!;
    expect(actor.snapshot.context.resources).toEqual(["phone"]);
    await phone.send(xml("iq", { to: `${ROOM}/alice`, type: "get", id: "sp" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    await laptop.send(xml("iq", { to: `${ROOM}/alice`, type: "get", id: "sp2" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    expect((await phone.waitFor((s) => s.attrs.id === "sp"))[0]!.attrs.type).toBe("result");
    const [refused] = await laptop.waitFor((s) => s.attrs.id === "sp2");
    expect(refused!.getChild("error")!.getChild("not-acceptable")).toBeDefined();
  });

  it("ignores a status-only presence, answers occupant disco, and kicks an unjoined sender with 333", async () => {
    phone.clear();
    await phone.send(xml("presence", { to: `${ROOM}/alice` }, xml("show", {}, "dnd")));
    await phone.send(xml("iq", { to: `${ROOM}/robert`, type: "get", id: "od" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    await phone.send(xml("iq", { to: `${ROOM}/nobody`, type: "get", id: "od2" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    await phone.send(xml("iq", { to: `${ROOM}/nobody`, type: "get", id: "vc" }, xml("vCard", { xmlns: "vcard-temp" })));
    const [od] = await phone.waitFor((s) => s.attrs.id === "od");
    expect(od!.getChild("query")!.getChild("identity")!.attrs).toMatchObject({ category: "client", type: "pc", name: "robert" });
    for (const id of ["od2", "vc"]) {
      const [missing] = await phone.waitFor((s) => s.attrs.id === id);
      expect(missing!.getChild("error")!.getChild("item-not-found")).toBeDefined();
    }
    expect(phone.received.filter((s) => s.is("presence") && s.attrs.from?.startsWith(ROOM))).toEqual([]);
    laptop.clear();
    await laptop.send(xml("message", { to: ROOM, type: "groupchat", id: "sneak" }, xml("body", {}, "not joined")));
    const [kick] = await laptop.waitFor((s) => s.is("presence") && s.attrs.type === "unavailable");
    expect(codes(kick)).toBe("110,333");
    expect(laptop.received.find((s) => s.attrs.id === "sneak")!.getChild("error")!.getChild("not-acceptable")).toBeDefined();
  });

  it("a client error with a gone condition removes the resource; a nick change is refused", async () => {
    await phone.send(xml("presence", { to: `${ROOM}/alicia`, id: "nc" }));
    const [nc] = await phone.waitFor((s) => s.attrs.id === "nc");
    expect(nc!.getChild("error")!.getChild("not-acceptable")).toBeDefined();
    expect(nc!.getChild("x", MUC)).toBeDefined();
    await phone.send(xml("message", { to: ROOM, type: "error" }, xml("error", { type: "cancel" }, xml("gone", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }))));
    await phone.send(xml("iq", { to: `${ROOM}/alice`, type: "get", id: "sp3" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    const [after] = await phone.waitFor((s) => s.attrs.id === "sp3");
    expect(after!.getChild("error")!.getChild("not-acceptable")).toBeDefined();
  });
});
