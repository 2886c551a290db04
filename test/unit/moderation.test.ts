/**
 * Moderation (XEP-0425) both ways: a moderator's iq is `onModerate`, then the room's moderation
 * message and the iq result, and a tombstone in the archive; a participant's `moderate()` sends the
 * same from the legacy network.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { readCallLog } from "../../src/demo/callLog.js";
import { RoomCallbacks } from "../../src/legacy/RoomCallbacks.js";
import { ALICE, DOMAIN, conditionOf, endsJoin, fixtureHarness, iq, joinPresence, joined, lobbyFixture, summary } from "../helpers/harness.js";
import { isQualified, qualifiedChild, qualifiedTree } from "../helpers/stanzas.js";
import { FASTEN, MODERATE, MODERATE_0, RETRACT, RETRACT_0 } from "../helpers/retractNs.js";

const ROOM = `lobby@${DOMAIN}`;
const SID = "urn:xmpp:sid:0";
const MAM = "urn:xmpp:mam:2";
const OCCUPANT_ID = "urn:xmpp:occupant-id:0";
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

/** The current request (XEP-0425 0.3): `<moderate id><retract/><reason/></moderate>`. */
const moderate = (id: string | undefined, reason?: string, retract = true) =>
  xml("moderate", { xmlns: MODERATE, id }, retract ? xml("retract", { xmlns: RETRACT }) : null, reason ? xml("reason", {}, reason) : null);

/** The older request that slidge answers: `<apply-to id><moderate xmlns=':0'><retract xmlns=':0'/>`. */
const applyTo = (id: string, reason?: string) =>
  xml("apply-to", { xmlns: FASTEN, id }, xml("moderate", { xmlns: MODERATE_0 }, xml("retract", { xmlns: RETRACT_0 }), reason ? xml("reason", {}, reason) : null));

/** The expected moderation message, by {@link qualifiedTree}. */
const MODERATION_TREE = [
  "{jabber:client}message",
  `  {${RETRACT}}retract`,
  `    {${MODERATE}}moderated`,
  `      {${OCCUPANT_ID}}occupant-id`,
  `    {${RETRACT}}reason`,
  `  {${FASTEN}}apply-to`,
  `    {${MODERATE_0}}moderated`,
  `      {${OCCUPANT_ID}}occupant-id`,
  `      {${RETRACT_0}}retract`,
  `      {${MODERATE_0}}reason`,
  "  {urn:xmpp:hints}store",
  `  {${SID}}stanza-id`,
];

/** A joined lobby where carol said "spam" (legacy id C1); onText and onModerate calls are recorded. */
async function lobby(options: { moderator?: boolean; resources?: string[] } = {}) {
  const h = fixtureHarness(lobbyFixture());
  const actor = await joined(h, "lobby", options.resources);
  const texts: unknown[] = [];
  const moderated: unknown[] = [];
  actor.room.onText = async (text) => void texts.push(text);
  actor.room.onModerate = async (...args) => void moderated.push(args);
  if (options.moderator !== false) actor.room._userParticipant().role = "moderator";
  (await actor.room.getParticipant("carol")).sendText("spam", { legacyId: "C1" });
  await h.settle();
  h.take();
  return { h, actor, texts, moderated };
}

const stanzaIdOf = (s: Element) => s.getChild("stanza-id", SID)!.attrs.id as string;
const errorText = (s: Element) => qualifiedChild(s, "{jabber:client}error")!.getChildText("text", STANZAS);

describe("a moderator's request", () => {
  it("calls onModerate(legacy id, reason), then sends the room's moderation (both forms) to every resource, then the iq result", async () => {
    const { h, texts, moderated } = await lobby({ resources: ["phone", "laptop"] });
    h.route(iq("set", ROOM, moderate("C1", "No spam"), "mod-1"));
    await h.settle();
    expect(moderated).toEqual([["C1", "No spam"]]);
    const out = h.take();
    expect(out.map((s) => `${s.name}/${s.attrs.type} ${s.attrs.from} -> ${s.attrs.to}`)).toEqual([
      `message/groupchat ${ROOM} -> ${ALICE}/phone`,
      `message/groupchat ${ROOM} -> ${ALICE}/laptop`,
      `iq/result ${ROOM} -> ${ALICE}/phone`,
    ]);
    expect(out[2]!.attrs.id).toBe("mod-1");
    const [message] = out;
    expect(qualifiedTree(message!)).toEqual(MODERATION_TREE);
    const user = `${ROOM}/alice`;
    expect(message!.getChild("retract", RETRACT)!.attrs.id).toBe("C1");
    expect(message!.getChild("retract", RETRACT)!.getChild("moderated", MODERATE)!.attrs.by).toBe(user);
    expect(message!.getChild("retract", RETRACT)!.getChildText("reason", RETRACT)).toBe("No spam");
    expect(message!.getChild("apply-to", FASTEN)!.attrs.id).toBe("C1");
    expect(message!.getChild("apply-to", FASTEN)!.getChild("moderated", MODERATE_0)!.attrs.by).toBe(user);
    expect(message!.attrs.id).toBe(stanzaIdOf(message!));
    expect(texts).toEqual([]);
  });

  it("reads the older form (<apply-to><moderate xmlns=':0'>) too, with or without a reason", async () => {
    const { h, moderated } = await lobby();
    h.route(iq("set", ROOM, applyTo("C1", "No spam"), "mod-1"));
    h.route(iq("set", ROOM, applyTo("C1"), "mod-2"));
    await h.settle();
    expect(moderated).toEqual([
      ["C1", "No spam"],
      ["C1", undefined],
    ]);
    expect(h.take().map(summary).filter((s) => s.startsWith("iq"))).toEqual([`iq/result ${ROOM} -> ${ALICE}/phone`, `iq/result ${ROOM} -> ${ALICE}/phone`]);
  });

  it("answers forbidden to a user who is not a moderator, with no callback and nothing sent", async () => {
    const { h, moderated } = await lobby({ moderator: false });
    h.route(iq("set", ROOM, moderate("C1", "No spam"), "mod-1"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([`iq/error ${ROOM} -> ${ALICE}/phone error=forbidden`]);
    expect(errorText(out[0]!)).toMatch(/moderators/);
    expect(moderated).toEqual([]);
  });

  it("answers bad-request without an id, feature-not-implemented for another moderation than a retraction, item-not-found for an unknown message", async () => {
    const { h, moderated } = await lobby();
    h.route(iq("set", ROOM, moderate(undefined), "no-id"));
    h.route(iq("set", ROOM, moderate("C1", undefined, false), "no-retract"));
    h.route(iq("set", ROOM, moderate("nowhere"), "unknown"));
    await h.settle();
    expect(h.take().map((s) => `${s.attrs.id} ${conditionOf(s)}`)).toEqual(["no-id bad-request", "no-retract feature-not-implemented", "unknown item-not-found"]);
    expect(moderated).toEqual([]);
  });

  it("answers feature-not-implemented when the plugin has no onModerate, and sends nothing else", async () => {
    const { h, actor } = await lobby();
    actor.room.onModerate = RoomCallbacks.prototype.onModerate;
    h.route(iq("set", ROOM, moderate("C1"), "mod-1"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([`iq/error ${ROOM} -> ${ALICE}/phone error=feature-not-implemented`]);
    expect(errorText(out[0]!)).toBe("Not implemented by the legacy network");
  });

  it("answers only once the callback succeeded: nothing while it runs, and the legacy network's error with the archive untouched when it fails", async () => {
    const { h, actor } = await lobby();
    let release = () => {};
    actor.room.onModerate = () => new Promise<void>((resolve) => (release = resolve));
    h.route(iq("set", ROOM, moderate("C1"), "mod-1"));
    await h.settle();
    expect(h.take()).toEqual([]);
    release();
    await h.settle();
    expect(h.take().map((s) => s.name)).toEqual(["message", "iq"]);
    (await actor.room.getParticipant("carol")).sendText("more spam", { legacyId: "C2" });
    actor.room.onModerate = async () => {
      throw new Error("network down");
    };
    h.route(iq("set", ROOM, moderate("C2"), "mod-2"));
    await h.settle();
    expect(h.take().filter((s) => isQualified(s, "{jabber:client}iq")).map(summary)).toEqual([`iq/error ${ROOM} -> ${ALICE}/phone error=internal-server-error`]);
    expect(h.store.queryArchive({ user: ALICE, room: ROOM }, { ids: ["C2"] }).messages[0]!.xml).toContain("more spam");
  });

  it("leaves a tombstone: MAM serves C1 with <retracted><moderated by/><reason/></retracted> and no body, then the moderation", async () => {
    const { h } = await lobby();
    h.route(iq("set", ROOM, moderate("C1", "No spam"), "mod-1"));
    await h.settle();
    const [moderation] = h.take();
    h.route(iq("set", ROOM, xml("query", { xmlns: MAM, queryid: "q1" }), "mam"));
    await h.settle();
    const results = h.take().slice(0, -1);
    expect(results.map((r) => r.getChild("result", MAM)!.attrs.id)).toEqual(["C1", stanzaIdOf(moderation!)]);
    const tomb = results[0]!.getChild("result", MAM)!.getChild("forwarded", "urn:xmpp:forward:0")!.getChild("message", "jabber:client")!;
    expect(qualifiedTree(tomb)).toEqual([
      "{jabber:client}message",
      `  {${SID}}stanza-id`,
      `  {${OCCUPANT_ID}}occupant-id`,
      `  {${RETRACT}}retracted`,
      `    {${MODERATE}}moderated`,
      `      {${OCCUPANT_ID}}occupant-id`,
      `    {${RETRACT}}reason`,
    ]);
    const retracted = tomb.getChild("retracted", RETRACT)!;
    expect([tomb.attrs.from, retracted.attrs.id, retracted.getChild("moderated", MODERATE)!.attrs.by, retracted.getChildText("reason", RETRACT)]).toEqual([
      `${ROOM}/carol`,
      moderation!.attrs.id,
      `${ROOM}/alice`,
      "No spam",
    ]);
  });
});

describe("the user's role", () => {
  it("reaches every joined resource as a self-presence when the legacy network makes the user a moderator", async () => {
    const { h, actor } = await lobby({ moderator: false, resources: ["phone", "laptop"] });
    actor.room._userParticipant().role = "moderator";
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([`presence ${ROOM}/alice -> ${ALICE}/phone [100,110]`, `presence ${ROOM}/alice -> ${ALICE}/laptop [100,110]`]);
    expect(out[0]!.getChild("x", "http://jabber.org/protocol/muc#user")!.getChild("item", "http://jabber.org/protocol/muc#user")!.attrs.role).toBe("moderator");
  });
});

describe("a participant's moderation", () => {
  it("is sent from the bare room JID, moderated by the moderator's occupant JID and occupant-id, archived under the room's JID, and leaves a tombstone", async () => {
    const { h, actor } = await lobby({ resources: ["phone", "laptop"] });
    const bob = await actor.room.getParticipant("bob");
    bob.moderate("C1", { reason: "No spam", legacyId: "M1" });
    await h.settle();
    const out = h.take().filter((s) => s.getChild("retract", RETRACT));
    expect(out.map((s) => `${s.attrs.from} -> ${s.attrs.to} ${s.attrs.id}`)).toEqual([`${ROOM} -> ${ALICE}/phone M1`, `${ROOM} -> ${ALICE}/laptop M1`]);
    expect(qualifiedTree(out[0]!)).toEqual(MODERATION_TREE);
    const moderated = out[0]!.getChild("retract", RETRACT)!.getChild("moderated", MODERATE)!;
    expect([moderated.attrs.by, moderated.getChild("occupant-id", OCCUPANT_ID)!.attrs.id]).toEqual([`${ROOM}/bob`, bob.occupantId]);
    const archived = h.store.queryArchive({ user: ALICE, room: ROOM }, { ids: ["C1", "M1"] }).messages;
    expect(archived.map((m) => [m.stanzaId, m.authorJid, m.xml.includes("<body>"), m.xml.includes("<retracted")])).toEqual([
      ["C1", `${ROOM}/carol`, false, true],
      ["M1", ROOM, false, false],
    ]);
  });

  it("is not sent again for a message the room already moderated (a plugin that confirms the user's moderation, as slidge's do)", async () => {
    const { h, actor } = await lobby();
    h.route(iq("set", ROOM, moderate("C1", "No spam"), "mod-1"));
    await h.settle();
    expect(h.take().map(summary)).toEqual([`message/groupchat ${ROOM} -> ${ALICE}/phone`, `iq/result ${ROOM} -> ${ALICE}/phone`]);
    actor.room._userParticipant().moderate("C1", { reason: "No spam" });
    (await actor.room.getParticipant("carol")).retract("C1");
    await h.settle();
    expect(h.take()).toEqual([]);
  });

  it("by the room's system participant is moderated by the room's JID, without an occupant-id", async () => {
    const { h, actor } = await lobby();
    actor.room.getSystemParticipant().moderate("C1");
    await h.settle();
    const [out] = h.take();
    const moderated = out!.getChild("retract", RETRACT)!.getChild("moderated", MODERATE)!;
    expect([out!.attrs.from, moderated.attrs.by, moderated.getChild("occupant-id", OCCUPANT_ID), out!.getChild("retract", RETRACT)!.getChild("reason")]).toEqual([
      ROOM,
      ROOM,
      undefined,
      undefined,
    ]);
  });
});

describe("the fixture network", () => {
  it("logs onModerate with its arguments, and timed moderate events moderate by a participant or by the room", async () => {
    const calls = join(mkdtempSync(join(tmpdir(), "moderation-")), "calls.jsonl");
    const events = [
      { afterMs: 100, role: { nick: "alice", role: "moderator" } },
      { afterMs: 150, message: { from: "carol", body: "spam", id: "C1" } },
      { afterMs: 160, message: { from: "carol", body: "spam", id: "C2" } },
      { afterMs: 200, moderate: { by: "bob", to: "C1", reason: "No spam", id: "M1" } },
      { afterMs: 210, moderate: { to: "C2" } },
      { afterMs: 220, message: { from: "carol", body: "spam", id: "C3" } },
    ];
    const h = fixtureHarness(lobbyFixture({ events }), { calls });
    h.route(joinPresence("lobby", "alice")); // not joined(): it would throw away what the timed events sent during the join
    await h.until(() => h.sent.filter((s) => s.getChild("retract", RETRACT)).length === 2 && h.sent.some((s) => s.attrs.id === "C3"));
    const out = h.take().filter((s) => s.getChild("retract", RETRACT));
    expect(out.map((s) => [s.attrs.from, s.getChild("retract", RETRACT)!.attrs.id, s.getChild("retract", RETRACT)!.getChild("moderated", MODERATE)!.attrs.by])).toEqual([
      [ROOM, "C1", `${ROOM}/bob`],
      [ROOM, "C2", ROOM],
    ]);
    h.route(iq("set", ROOM, moderate("C3", "Still spam"), "mod-1"));
    await h.until(() => h.sent.some((s) => isQualified(s, "{jabber:client}iq")));
    await h.callLog.flush();
    const log = (await readCallLog(calls)).filter((e) => e.callback === "onModerate");
    expect(log.map((e) => [e.callback, e.args, e.ok])).toEqual([["onModerate", ["C3", "Still spam"], true]]);
  });

  it("makes the user a moderator (and admin) with the room fields userRole and userAffiliation, so the user may moderate from the start", async () => {
    const h = fixtureHarness(lobbyFixture({ userRole: "moderator", userAffiliation: "admin", events: [{ afterMs: 50, message: { from: "carol", body: "spam", id: "C1" } }] }));
    h.route(joinPresence("lobby", "alice", "phone", "join-phone"));
    await h.until(() => h.sent.some(endsJoin(ROOM, "phone")));
    const self = h.sent.find((s) => isQualified(s, "{jabber:client}presence") && s.attrs.from === `${ROOM}/alice`)!;
    const item = self.getChild("x", "http://jabber.org/protocol/muc#user")!.getChild("item", "http://jabber.org/protocol/muc#user")!;
    expect([item.attrs.affiliation, item.attrs.role]).toEqual(["admin", "moderator"]);
    await h.until(() => h.sent.some((s) => s.attrs.id === "C1"));
    h.route(iq("set", ROOM, moderate("C1", "spam"), "mod-1"));
    await h.until(() => h.sent.some((s) => isQualified(s, "{jabber:client}iq") && s.attrs.id === "mod-1"));
    expect(h.sent.filter((s) => s.attrs.id === "mod-1").map(summary)).toEqual([`iq/result ${ROOM} -> ${ALICE}/phone`]);
  });
});
