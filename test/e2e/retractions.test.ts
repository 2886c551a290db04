/**
 * Retractions (XEP-0424) and moderation (XEP-0425) through a real Prosody, both ways, read as a
 * namespace-aware client reads them: the user's retraction reaches `onRetract` and a moderator's
 * request `onModerate` (never `onText`); participants retract and moderate from the legacy
 * network; afterwards MAM (the gateway's SQLite archive) serves tombstones, never the bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCallLog } from "../../src/demo/callLog.js";
import { joinRoom, startLoggedBed } from "../helpers/e2e.js";
import { conditionOf, qualifiedText, qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, archivedMessages, xml } from "../helpers/xmppClient.js";
import { FASTEN, MODERATE, MODERATE_0, RETRACT, RETRACT_0 } from "../helpers/retractNs.js";

const MUC = "http://jabber.org/protocol/muc";
const SID = "urn:xmpp:sid:0";
const DISCO_INFO = "http://jabber.org/protocol/disco#info";
const OCCUPANT_ID = "urn:xmpp:occupant-id:0";
const DOMAIN = "rt.localhost";
const ROOM = `deletes@${DOMAIN}`;
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "deletes",
      userNick: "alice",
      participants: [{ nick: "bob", contact: "bob-id", affiliation: "admin", role: "moderator" }, { nick: "carol" }],
      events: [
        { afterMs: 250, role: { nick: "alice", role: "moderator" } },
        { afterMs: 300, message: { from: "bob", body: "bob's secret", id: "B-1" } },
        { afterMs: 350, message: { from: "carol", body: "carol's spam", id: "C-1" } },
        { afterMs: 400, message: { from: "carol", body: "more spam", id: "C-2" } },
        { afterMs: 500, retract: { from: "bob", to: "B-1", id: "B-1r" } },
        { afterMs: 600, moderate: { by: "bob", to: "C-1", reason: "No spam", id: "M-1" } },
      ],
    },
    {
      id: "members",
      userNick: "alice",
      participants: [{ nick: "carol" }],
      events: [{ afterMs: 100, message: { from: "carol", body: "spam", id: "C-9" } }],
    },
    {
      id: "refusing",
      userNick: "alice",
      participants: [{ nick: "carol" }],
      reject: { retract: "feature-not-implemented", moderate: "feature-not-implemented" },
      events: [
        { afterMs: 50, role: { nick: "alice", role: "moderator" } },
        { afterMs: 100, message: { from: "carol", body: "spam", id: "C-8" } },
      ],
    },
  ],
};

/** A groupchat message from alice with origin-id = id and `payload`. */
const groupchat = (room: string, id: string, ...payload: ReturnType<typeof xml>[]) => xml("message", { to: room, type: "groupchat", id }, ...payload, xml("origin-id", { xmlns: SID, id }));

/** A retraction as Converse sends it: `<retract id>` with an XEP-0428 fallback body. */
const retraction = (room: string, id: string, target: string) =>
  groupchat(
    room,
    id,
    xml("retract", { xmlns: RETRACT, id: target }),
    xml("fallback", { xmlns: "urn:xmpp:fallback:0", for: RETRACT }),
    xml("body", {}, "/me retracted a previous message, but it's unsupported by your client."),
  );

/** A moderator's request in the current form. */
const moderate = (room: string, id: string, target: string, reason: string) =>
  xml("iq", { to: room, type: "set", id }, xml("moderate", { xmlns: MODERATE, id: target }, xml("retract", { xmlns: RETRACT }), xml("reason", {}, reason)));

const stanzaIdOf = (s: ReturnType<typeof xml>) => s.getChild("stanza-id", SID)!.attrs.id as string;

describe("retractions and moderation through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startLoggedBed>>;
  let alice: TestUser;
  beforeAll(async () => {
    bed = await startLoggedBed(fixture, { domain: DOMAIN, callbackTimeoutMs: 5000 });
    alice = bed.alice;
  });
  afterAll(() => bed?.stop());

  it("advertises retraction and moderation, both namespaces, in the room's disco#info", async () => {
    await joinRoom(alice, ROOM);
    await alice.send(xml("iq", { to: ROOM, type: "get", id: "disco" }, xml("query", { xmlns: DISCO_INFO })));
    const [info] = await alice.waitFor((s) => s.attrs.id === "disco");
    const features = info!.getChild("query", DISCO_INFO)!.getChildren("feature", DISCO_INFO).map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([RETRACT, RETRACT_0, MODERATE, MODERATE_0]));
  });

  it("a user's retraction goes to onRetract, never onText, is echoed, and MAM then serves a tombstone; unknown target item-not-found, another's message forbidden", async () => {
    await alice.send(groupchat(ROOM, "m-1", xml("body", {}, "my secret")));
    const [original] = await alice.waitFor((s) => s.attrs.id === "m-1");
    const legacyId = stanzaIdOf(original!);
    await alice.waitFor((s) => s.attrs.from === `${ROOM}/bob` && qualifiedText(s, "{jabber:client}body") === "bob's secret");
    await alice.send(retraction(ROOM, "r-1", legacyId));
    await alice.send(retraction(ROOM, "r-2", "no-such-message"));
    await alice.send(retraction(ROOM, "r-3", "B-1"));
    const [echo] = await alice.waitFor((s) => s.attrs.id === "r-1");
    expect(qualifiedTree(echo!)).toEqual([
      "{jabber:client}message",
      `  {${RETRACT}}retract`,
      "  {urn:xmpp:fallback:0}fallback",
      "  {jabber:client}body",
      `  {${SID}}origin-id`,
      `  {${SID}}stanza-id`,
      `  {${OCCUPANT_ID}}occupant-id`,
    ]);
    expect([echo!.attrs.from, echo!.attrs.type, echo!.getChild("retract", RETRACT)!.attrs.id]).toEqual([`${ROOM}/alice`, "groupchat", legacyId]);
    const [unknown] = await alice.waitFor((s) => s.attrs.id === "r-2");
    const [foreign] = await alice.waitFor((s) => s.attrs.id === "r-3");
    expect([unknown, foreign].map((s) => [s!.attrs.type, conditionOf(s)])).toEqual([
      ["error", "item-not-found"],
      ["error", "forbidden"],
    ]);

    expect(await bed.logged("deletes", "onText", "onRetract")).toEqual([
      ["onText", ["my secret", "m-1"]],
      ["onRetract", [legacyId]],
    ]);
    const archived = new Map(await archivedMessages(alice, ROOM, "mam-1"));
    const tomb = archived.get(legacyId)!;
    expect(qualifiedTree(tomb)).toEqual(["{jabber:client}message", `  {${SID}}origin-id`, `  {${SID}}stanza-id`, `  {${OCCUPANT_ID}}occupant-id`, `  {${RETRACT}}retracted`]);
    expect(tomb.getChild("retracted", RETRACT)!.attrs.id).toBe("r-1");
    expect(archived.get(stanzaIdOf(echo!))!.getChild("retract", RETRACT)!.attrs.id).toBe(legacyId);
    expect([...archived.values()].map((m) => qualifiedText(m!, "{jabber:client}body"))).not.toContain("my secret");
  });

  it("a participant's retraction and a participant's moderation arrive from its occupant JID and from the room, and MAM serves their tombstones", async () => {
    const [retracted] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/bob` && s.getChild("retract", RETRACT) !== undefined);
    expect(qualifiedTree(retracted!)).toEqual(["{jabber:client}message", `  {${RETRACT}}retract`, "  {urn:xmpp:hints}store", `  {${SID}}stanza-id`, `  {${OCCUPANT_ID}}occupant-id`]);
    expect([retracted!.attrs.id, retracted!.getChild("retract", RETRACT)!.attrs.id]).toEqual(["B-1r", "B-1"]);
    const [moderation] = await alice.waitFor((s) => s.attrs.from === ROOM && s.getChild("retract", RETRACT)?.attrs.id === "C-1");
    const current = moderation!.getChild("retract", RETRACT)!;
    const legacy = moderation!.getChild("apply-to", FASTEN)!;
    expect([moderation!.attrs.id, current.getChild("moderated", MODERATE)!.attrs.by, current.getChildText("reason", RETRACT)]).toEqual(["M-1", `${ROOM}/bob`, "No spam"]);
    expect([legacy.attrs.id, legacy.getChild("moderated", MODERATE_0)!.attrs.by, legacy.getChild("moderated", MODERATE_0)!.getChild("retract", RETRACT_0) !== undefined]).toEqual(["C-1", `${ROOM}/bob`, true]);

    const archived = new Map(await archivedMessages(alice, ROOM, "mam-2"));
    expect(qualifiedText(archived.get("B-1")!, "{jabber:client}body")).toBeUndefined();
    expect(archived.get("B-1")!.getChild("retracted", RETRACT)!.attrs.id).toBe("B-1r");
    const moderated = archived.get("C-1")!.getChild("retracted", RETRACT)!;
    expect([qualifiedText(archived.get("C-1")!, "{jabber:client}body"), moderated.attrs.id, moderated.getChild("moderated", MODERATE)!.attrs.by]).toEqual([undefined, "M-1", `${ROOM}/bob`]);
    expect(archived.get("M-1")!.attrs.from).toBe(ROOM);
  });

  it("a moderator's request goes to onModerate, then the room's moderation comes before the iq result, and MAM serves the tombstone", async () => {
    // The legacy network made alice a moderator after she joined: her client was told so.
    const selves = alice.received.filter((s) => s.is("presence", "jabber:client") && s.attrs.from === `${ROOM}/alice`);
    expect(selves.map((s) => [s.getChild("x", `${MUC}#user`)!.getChild("item", `${MUC}#user`)!.attrs.role, s.getChild("x", `${MUC}#user`)!.getChildren("status", `${MUC}#user`).some((c) => c.attrs.code === "110")])).toEqual([
      ["participant", true],
      ["moderator", true],
    ]);
    await alice.send(moderate(ROOM, "mod-1", "C-2", "Still spam"));
    const [result] = await alice.waitFor((s) => s.attrs.id === "mod-1");
    expect(result!.attrs.type).toBe("result");
    const moderation = alice.received.find((s) => s.attrs.from === ROOM && s.getChild("retract", RETRACT)?.attrs.id === "C-2");
    expect(moderation).toBeDefined();
    expect(alice.received.indexOf(moderation!)).toBeLessThan(alice.received.indexOf(result!));
    expect([moderation!.getChild("retract", RETRACT)!.getChild("moderated", MODERATE)!.attrs.by, moderation!.getChild("apply-to", FASTEN)!.attrs.id]).toEqual([`${ROOM}/alice`, "C-2"]);
    expect(await bed.logged("deletes", "onModerate")).toEqual([["onModerate", ["C-2", "Still spam"]]]);
    const archived = new Map(await archivedMessages(alice, ROOM, "mam-3"));
    const tomb = archived.get("C-2")!;
    expect([qualifiedText(tomb, "{jabber:client}body"), tomb.getChild("retracted", RETRACT)!.getChildText("reason", RETRACT)]).toEqual([undefined, "Still spam"]);
  });

  it("a user who is not a moderator is forbidden, and a network that refuses answers feature-not-implemented, with no moderation sent", async () => {
    const members = `members@${DOMAIN}`;
    const refusing = `refusing@${DOMAIN}`;
    await joinRoom(alice, members);
    await alice.waitFor((s) => s.attrs.from === `${members}/carol` && s.attrs.id === "C-9");
    await alice.send(moderate(members, "mod-2", "C-9", "spam"));
    await joinRoom(alice, refusing);
    await alice.waitFor((s) => s.attrs.from === `${refusing}/carol` && s.attrs.id === "C-8");
    await alice.send(groupchat(refusing, "n-1", xml("body", {}, "mine")));
    const [mine] = await alice.waitFor((s) => s.attrs.id === "n-1");
    await alice.send(retraction(refusing, "n-2", stanzaIdOf(mine!)));
    await alice.send(moderate(refusing, "mod-3", "C-8", "spam"));
    const answers = await Promise.all(["mod-2", "n-2", "mod-3"].map(async (id) => (await alice.waitFor((s) => s.attrs.id === id && s.attrs.type === "error"))[0]!));
    expect(answers.map((s) => [s.attrs.id, conditionOf(s)])).toEqual([
      ["mod-2", "forbidden"],
      ["n-2", "feature-not-implemented"],
      ["mod-3", "feature-not-implemented"],
    ]);
    expect(alice.received.filter((s) => s.attrs.from === members || s.attrs.from === refusing).filter((s) => s.getChild("retract", RETRACT))).toEqual([]);
    expect(await bed.logged("members", "onModerate")).toEqual([]);
  });

  it("nothing but a new message ever reached onText", async () => {
    await bed.callLog.flush();
    const texts = (await readCallLog(bed.calls)).filter((e) => e.callback === "onText").map((e) => [e.room, e.args[0]]);
    expect(texts).toEqual([
      ["deletes", "my secret"],
      ["refusing", "mine"],
    ]);
  });
});
