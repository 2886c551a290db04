import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, groupchat, iq, joinPresence, joined, lobbyFixture, summary } from "../helpers/harness.js";

const ROOM = `lobby@${DOMAIN}`;
const OWNER = "http://jabber.org/protocol/muc#owner";
const ADMIN = "http://jabber.org/protocol/muc#admin";
const subjectMsg = (text: string, resource = "phone") =>
  xml("message", { from: `${ALICE}/${resource}`, to: ROOM, type: "groupchat", id: "s1" }, xml("subject", {}, text));
const configForm = (fields: Record<string, string>) =>
  xml(
    "query",
    { xmlns: OWNER },
    xml(
      "x",
      { xmlns: "jabber:x:data", type: "submit" },
      xml("field", { var: "FORM_TYPE" }, xml("value", {}, "http://jabber.org/protocol/muc#roomconfig")),
      ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
    ),
  );

describe("subject requests", () => {
  it("calls onSetSubject and sends no reply; the legacy side's confirmation reaches every joined resource", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby", ["phone", "laptop"]);
    h.route(subjectMsg("New topic"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([
      `message/groupchat ${ROOM}/alice -> ${ALICE}/phone subject`,
      `message/groupchat ${ROOM}/alice -> ${ALICE}/laptop subject`,
    ]);
    expect(out[0]!.getChildText("subject")).toBe("New topic");
  });

  it("answers bad-request (modify) pointing to the configuration when the room has no subject", async () => {
    const h = fixtureHarness(lobbyFixture({ hasSubject: false }));
    await joined(h, "lobby");
    h.route(subjectMsg("x"));
    await h.settle();
    const [reply, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(conditionOf(reply!)).toBe("bad-request");
    expect(reply!.getChild("error")!.attrs.type).toBe("modify");
    expect(reply!.getChild("error")!.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toMatch(/configuration/);
  });
});

describe("configuration requests", () => {
  it("returns the muc#roomconfig form, with the description only when the room has one", async () => {
    for (const hasDescription of [true, false]) {
      const h = fixtureHarness(lobbyFixture({ hasDescription }));
      h.route(iq("get", ROOM, xml("query", { xmlns: OWNER })));
      await h.settle();
      const [result] = h.take();
      const vars = result!.getChild("query", OWNER)!.getChild("x", "jabber:x:data")!.getChildren("field").map((f) => f.attrs.var);
      expect(vars).toEqual(["FORM_TYPE", "muc#roomconfig_roomname", ...(hasDescription ? ["muc#roomconfig_roomdesc"] : [])]);
    }
  });

  it("calls onSetConfig, announces the change with 104 from the bare room, then sends the iq result", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby");
    h.route(iq("set", ROOM, configForm({ "muc#roomconfig_roomname": "Renamed", "muc#roomconfig_roomdesc": "New desc" }), "cfg"));
    await h.settle();
    expect(h.take().map(summary)).toEqual([
      `message/groupchat ${ROOM} -> ${ALICE}/phone [104]`,
      `message/groupchat ${ROOM} -> ${ALICE}/phone [104]`,
      `iq/result ${ROOM} -> ${ALICE}/phone`,
    ]);
    expect(h.registry.peek(ALICE, ROOM)!.room.name).toBe("Renamed");
  });

  it("passes a null description when the room has none, and a cancelled form changes nothing", async () => {
    const h = fixtureHarness(lobbyFixture({ hasDescription: false }));
    const actor = await joined(h, "lobby");
    const seen: unknown[] = [];
    actor.room.onSetConfig = async (name, description) => void seen.push([name, description]);
    h.route(iq("set", ROOM, configForm({ "muc#roomconfig_roomname": "N", "muc#roomconfig_roomdesc": "ignored" })));
    h.route(iq("set", ROOM, xml("query", { xmlns: OWNER }, xml("x", { xmlns: "jabber:x:data", type: "cancel" })), "cancel"));
    h.route(iq("set", ROOM, xml("query", { xmlns: OWNER }), "empty"));
    await h.settle();
    expect(seen).toEqual([["N", null]]);
    expect(h.take().map((s) => `${s.attrs.id} ${s.attrs.type} ${conditionOf(s) ?? ""}`).sort()).toEqual(["cancel result ", "empty error bad-request", "iq-1 result "]);
  });
});

describe("affiliation requests", () => {
  it("maps an affiliation by nick to onSetAffiliation; the change re-sends the occupant's presence before the result", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby");
    h.route(iq("set", ROOM, xml("query", { xmlns: ADMIN }, xml("item", { nick: "carol", affiliation: "admin" }, xml("reason", {}, "promoted")))));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([`presence ${ROOM}/carol -> ${ALICE}/phone`, `iq/result ${ROOM} -> ${ALICE}/phone`]);
    expect(out[0]!.getChild("x", "http://jabber.org/protocol/muc#user")!.getChild("item", "http://jabber.org/protocol/muc#user")!.attrs.affiliation).toBe("admin");
  });

  it("bans (outcast) by JID with 301, kicks (role none) with 307, and answers an unknown nick with item-not-found", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby");
    h.route(iq("set", ROOM, xml("query", { xmlns: ADMIN }, xml("item", { jid: `bob-legacy-id@${DOMAIN}`, affiliation: "outcast" })), "ban"));
    h.route(iq("set", ROOM, xml("query", { xmlns: ADMIN }, xml("item", { nick: "carol", role: "none" }, xml("reason", {}, "out"))), "kick"));
    h.route(iq("set", ROOM, xml("query", { xmlns: ADMIN }, xml("item", { nick: "nobody", affiliation: "member" })), "ghost"));
    await h.settle();
    expect(h.take().map(summary)).toEqual([
      `presence/unavailable ${ROOM}/bob -> ${ALICE}/phone [301]`,
      `iq/result ${ROOM} -> ${ALICE}/phone`,
      `presence/unavailable ${ROOM}/carol -> ${ALICE}/phone [307]`,
      `iq/result ${ROOM} -> ${ALICE}/phone`,
      `iq/error ${ROOM} -> ${ALICE}/phone error=item-not-found`,
    ]);
  });

  it("lists occupants by affiliation as Prosody does: bare real JIDs and nicks, no role (Converse reads a role as the nick)", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(iq("get", ROOM, xml("query", { xmlns: ADMIN }, xml("item", { affiliation: "member" }))));
    h.route(iq("get", ROOM, xml("query", { xmlns: ADMIN }, xml("item", {})), "bad"));
    h.route(iq("get", ROOM, xml("query", { xmlns: ADMIN }, xml("item", { affiliation: "member", role: "participant" })), "both"));
    await h.settle();
    const [bad, both, list] = h.take().sort((a, b) => (a.attrs.id! < b.attrs.id! ? -1 : 1));
    expect([conditionOf(bad!), conditionOf(both!)]).toEqual(["bad-request", "bad-request"]);
    expect(list!.getChild("query", ADMIN)!.getChildren("item").map((i) => i.attrs)).toEqual([
      { affiliation: "member", jid: `carol-legacy-id@${DOMAIN}`, nick: "carol" },
      { affiliation: "member", jid: ALICE, nick: "alice" },
    ]);
  });

  it("lists occupants by role with full real JIDs: the user once per joined resource (XEP-0045 §8.5, §9.8)", async () => {
    const h = fixtureHarness(lobbyFixture());
    // Not joined: the user is no occupant, so no role list names them.
    h.route(iq("get", ROOM, xml("query", { xmlns: ADMIN }, xml("item", { role: "participant" })), "early"));
    await h.settle();
    expect(h.take()[0]!.getChild("query", ADMIN)!.getChildren("item").map((i) => i.attrs.nick)).toEqual(["carol"]);
    await joined(h, "lobby", ["phone", "laptop"]);
    h.route(iq("get", ROOM, xml("query", { xmlns: ADMIN }, xml("item", { role: "participant" })), "voice"));
    await h.settle();
    const [list] = h.take();
    expect(list!.getChild("query", ADMIN)!.getChildren("item").map((i) => i.attrs)).toEqual([
      { affiliation: "member", role: "participant", jid: `carol-legacy-id@${DOMAIN}`, nick: "carol" },
      { affiliation: "member", role: "participant", jid: `${ALICE}/phone`, nick: "alice" },
      { affiliation: "member", role: "participant", jid: `${ALICE}/laptop`, nick: "alice" },
    ]);
  });
});

describe("live subject changes", () => {
  const OCCUPANT_ID = "urn:xmpp:occupant-id:0";

  it("the user's own subject change comes back from their occupant with their occupant-id, and no delay", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby");
    h.route(groupchat("lobby", "hello", "phone", "g1"));
    await h.settle();
    const echo = h.take().find((m) => m.getChild("body"));
    h.route(subjectMsg("Mine now"));
    await h.settle();
    const [subject] = h.take();
    expect(subject!.attrs.from).toBe(`${ROOM}/alice`);
    expect(subject!.getChildText("subject")).toBe("Mine now");
    expect(subject!.getChild("delay", "urn:xmpp:delay")).toBeUndefined();
    // The same occupant-id as the user's own messages.
    expect(subject!.getChild("occupant-id", OCCUPANT_ID)?.attrs.id).toBe(echo!.getChild("occupant-id", OCCUPANT_ID)!.attrs.id);
  });

  it("a participant's live subject change has no delay; the join sequence's subject keeps the time it was set", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    const room = actor.room;
    room.subjectSetter = "bob";
    room.subjectDate = new Date("2026-12-01T09:00:00Z");
    room.subject = "Breaking news";
    await h.settle();
    const [live] = h.take();
    expect(live!.attrs.from).toBe(`${ROOM}/bob`);
    expect(live!.getChild("delay", "urn:xmpp:delay")).toBeUndefined();
    expect(live!.getChild("occupant-id", OCCUPANT_ID)).toBeDefined();
    h.route(joinPresence("lobby", "alice", "laptop", "j2"));
    await h.settle();
    const joinSubject = h.take().find((m) => m.getChild("subject"));
    expect(joinSubject!.getChild("delay", "urn:xmpp:delay")!.attrs.stamp).toBe("2026-12-01T09:00:00.000Z");
  });
});

describe("destroy requests", () => {
  it("sends every joined resource the destroy presence, then the iq result; the room is gone afterwards", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby", ["phone", "laptop"]);
    h.route(iq("set", ROOM, xml("query", { xmlns: OWNER }, xml("destroy", {}, xml("reason", {}, "done here"))), "destroy"));
    h.route(iq("set", ROOM, configForm({ "muc#roomconfig_roomname": "too late" }), "queued"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([
      `presence/unavailable ${ROOM}/alice -> ${ALICE}/phone [110]`,
      `presence/unavailable ${ROOM}/alice -> ${ALICE}/laptop [110]`,
      `iq/result ${ROOM} -> ${ALICE}/phone`,
      `iq/error ${ROOM} -> ${ALICE}/phone error=item-not-found`,
    ]);
    expect(out[0]!.getChild("x", "http://jabber.org/protocol/muc#user")!.getChild("destroy", "http://jabber.org/protocol/muc#user")!.getChildText("reason")).toBe("done here");
    expect(actor.snapshot.status).toBe("done");
    expect(h.registry.peek(ALICE, ROOM)).toBeUndefined();
    h.route(iq("get", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "later"));
    await h.settle();
    expect(h.take().map(summary)).toEqual([`iq/error ${ROOM} -> ${ALICE}/phone error=item-not-found`]);
  });
});
