/**
 * Retractions (XEP-0424) both ways: a user's retraction is `onRetract`, echoed and archived, never
 * text; the archive then serves a tombstone. A participant's `retract()` does the same from the
 * legacy network.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { roomDiscoInfo } from "../../src/actors/roomDisco.js";
import { readCallLog } from "../../src/demo/callLog.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { RoomCallbacks } from "../../src/legacy/RoomCallbacks.js";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, iq, joinPresence, lobbyFixture, summary, textRecordingLobby } from "../helpers/harness.js";
import { isQualified, qualifiedChild, qualifiedText, qualifiedTree } from "../helpers/stanzas.js";
import { FASTEN, MODERATE, MODERATE_0, RETRACT, RETRACT_0 } from "../helpers/retractNs.js";

const ROOM = `lobby@${DOMAIN}`;
const CORRECT = "urn:xmpp:message-correct:0";
const SID = "urn:xmpp:sid:0";
const MAM = "urn:xmpp:mam:2";
const OCCUPANT_ID = "urn:xmpp:occupant-id:0";

/** A groupchat message from alice's phone with an origin-id, and `extra` payloads. */
function message(id: string, body: string | undefined, ...extra: Element[]): Element {
  return xml(
    "message",
    { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id },
    body === undefined ? null : xml("body", {}, body),
    ...extra,
    xml("origin-id", { xmlns: SID, id: `origin-${id}` }),
  );
}

/** A current retraction of `target`, with the fallback body a client like Converse adds. */
const retraction = (id: string, target: string, fallback = true) =>
  message(id, fallback ? "/me retracted a previous message, but it's unsupported by your client." : undefined, xml("retract", { xmlns: RETRACT, id: target }), fallback ? xml("fallback", { xmlns: "urn:xmpp:fallback:0", for: RETRACT }) : xml("x"));

const stanzaIdOf = (s: Element) => s.getChild("stanza-id", SID)!.attrs.id as string;

/** A joined lobby whose onText and onRetract calls are recorded; onText returns L1, L2… */
async function lobby(resources = ["phone"]) {
  const { h, actor, texts } = await textRecordingLobby(resources);
  const retracted: unknown[] = [];
  actor.room.onRetract = async (...args) => void retracted.push(args);
  actor.room.onCorrect = async () => {};
  return { h, actor, texts, retracted };
}

/** The user sends "secret" (id m-1), which the room archives as L1. */
async function sent(h: Awaited<ReturnType<typeof lobby>>["h"]): Promise<Element> {
  h.route(message("m-1", "secret"));
  await h.settle();
  return h.take()[0]!;
}

/** The forwarded message of a MAM result. */
const forwarded = (r: Element) => r.getChild("result", MAM)!.getChild("forwarded", "urn:xmpp:forward:0")!.getChild("message", "jabber:client")!;

async function mam(h: Awaited<ReturnType<typeof lobby>>["h"]): Promise<Element[]> {
  h.route(iq("set", ROOM, xml("query", { xmlns: MAM, queryid: "q1" }), "mam"));
  await h.settle();
  return h.take().slice(0, -1);
}

describe("a user's retraction", () => {
  it("calls onRetract(legacy id) for the stanza-id a client names, echoes it to every joined resource, and never reaches onText despite its fallback body", async () => {
    const { h, texts, retracted } = await lobby(["phone", "laptop"]);
    h.route(message("m-1", "secret"));
    await h.settle();
    const [original] = h.take();
    h.route(retraction("r-1", stanzaIdOf(original!)));
    await h.settle();
    expect(retracted).toEqual([["L1"]]);
    expect(texts).toEqual(["secret"]);
    const echoes = h.take();
    expect(echoes.map((s) => `${s.attrs.from} -> ${s.attrs.to} ${s.attrs.id}`)).toEqual([`${ROOM}/alice -> ${ALICE}/phone r-1`, `${ROOM}/alice -> ${ALICE}/laptop r-1`]);
    expect(qualifiedTree(echoes[0]!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${RETRACT}}retract`,
      "  {urn:xmpp:fallback:0}fallback",
      `  {${SID}}origin-id`,
      `  {${SID}}stanza-id`,
      `  {${OCCUPANT_ID}}occupant-id`,
    ]);
    expect(echoes[0]!.getChild("retract", RETRACT)!.attrs.id).toBe("L1");
    expect(stanzaIdOf(echoes[0]!)).not.toBe("L1");
    expect(stanzaIdOf(echoes[1]!)).toBe(stanzaIdOf(echoes[0]!));
  });

  it("finds its target by origin-id or client id too, and reads the older form (<apply-to><retract xmlns=':0'/>)", async () => {
    const { h, texts, retracted } = await lobby();
    for (const id of ["m-1", "m-2"]) h.route(message(id, `text ${id}`));
    await h.settle();
    h.take();
    h.route(retraction("r-1", "origin-m-1"));
    h.route(message("r-2", undefined, xml("apply-to", { xmlns: FASTEN, id: "m-2" }, xml("retract", { xmlns: RETRACT_0 }))));
    await h.settle();
    expect(retracted).toEqual([["L1"], ["L2"]]);
    expect(texts).toEqual(["text m-1", "text m-2"]);
    expect(h.take().map((s) => s.attrs.id)).toEqual(["r-1", "r-2"]);
  });

  it("without a body is not dropped: onRetract, then the echo", async () => {
    const { h, retracted } = await lobby();
    await sent(h);
    h.route(retraction("r-1", "L1", false));
    await h.settle();
    expect(retracted).toEqual([["L1"]]);
    expect(h.take().map(summary)).toEqual([`message/groupchat ${ROOM}/alice -> ${ALICE}/phone`]);
  });

  it("answers item-not-found for an unknown message and forbidden, saying why, for another participant's, with no callback, no echo and no text", async () => {
    const { h, actor, texts, retracted } = await lobby();
    (await actor.room.getParticipant("bob")).sendText("bob's", { legacyId: "B1" });
    await h.settle();
    h.take();
    // Malformed (no id): refused at once, before the queued ones.
    h.route(message("r-0", "x", xml("retract", { xmlns: RETRACT })));
    h.route(retraction("r-1", "nowhere"));
    h.route(retraction("r-2", "B1"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([
      `message/error ${ROOM} -> ${ALICE}/phone error=bad-request`,
      `message/error ${ROOM} -> ${ALICE}/phone error=item-not-found`,
      `message/error ${ROOM} -> ${ALICE}/phone error=forbidden`,
    ]);
    expect(out.map((s) => s.attrs.id)).toEqual(["r-0", "r-1", "r-2"]);
    expect(qualifiedChild(out[2]!, "{jabber:client}error")!.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toMatch(/not your message/);
    expect([texts, retracted]).toEqual([[], []]);
  });

  it("answers feature-not-implemented when the plugin has no onRetract, and never delivers it to onText", async () => {
    const { h, actor, texts } = await lobby();
    actor.room.onRetract = RoomCallbacks.prototype.onRetract;
    await sent(h);
    h.route(retraction("r-1", "L1"));
    await h.settle();
    expect(h.take().map(summary)).toEqual([`message/error ${ROOM} -> ${ALICE}/phone error=feature-not-implemented`]);
    expect(texts).toEqual(["secret"]);
  });

  it("leaves a tombstone: MAM serves the original's stanza-id with <retracted id stamp/> and no body (nor its corrections'), then the retraction", async () => {
    const { h } = await lobby();
    await sent(h);
    h.route(message("c-1", "secret!", xml("replace", { xmlns: CORRECT, id: "m-1" })));
    await h.settle();
    const correction = h.take()[0]!;
    h.route(retraction("r-1", "L1"));
    await h.settle();
    const echo = h.take()[0]!;
    const results = await mam(h);
    expect(results.map((r) => r.getChild("result", MAM)!.attrs.id)).toEqual(["L1", stanzaIdOf(correction), stanzaIdOf(echo)]);
    for (const tomb of results.slice(0, 2).map(forwarded)) {
      expect(qualifiedTree(tomb)).toEqual(["{jabber:client}message", `  {${SID}}origin-id`, `  {${SID}}stanza-id`, `  {${OCCUPANT_ID}}occupant-id`, `  {${RETRACT}}retracted`]);
      expect(tomb.getChild("retracted", RETRACT)!.attrs).toMatchObject({ id: "r-1", stamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      expect(tomb.attrs.from).toBe(`${ROOM}/alice`);
    }
    expect(forwarded(results[2]!).getChild("retract", RETRACT)!.attrs.id).toBe("L1");
    expect(results.map((r) => qualifiedText(forwarded(r), "{jabber:client}body"))).not.toContain("secret");
  });

  it("hides the body from a resource that joins later: its join history has the tombstone", async () => {
    const { h } = await lobby();
    await sent(h);
    h.route(retraction("r-1", "L1", false));
    await h.settle();
    h.take();
    h.route(joinPresence("lobby", "alice", "laptop", "join-laptop"));
    await h.settle(20);
    const history = h.take().filter((s) => isQualified(s, "{jabber:client}message") && s.attrs.to === `${ALICE}/laptop` && !qualifiedChild(s, "{jabber:client}subject"));
    expect(history.map((s) => s.getChildElements().map((c) => c.name))).toEqual([
      ["origin-id", "stanza-id", "occupant-id", "retracted", "delay"],
      ["retract", "x", "origin-id", "stanza-id", "occupant-id", "delay"],
    ]);
  });
});

describe("a participant's retraction", () => {
  it("fans out <retract id> of the legacy message from its occupant JID, with a store hint, its own stanza-id and occupant-id, archived, and leaves a tombstone", async () => {
    const { h, actor } = await lobby(["phone", "laptop"]);
    const bob = await actor.room.getParticipant("bob");
    bob.sendText("oops", { legacyId: "B1" });
    bob.retract("B1", { legacyId: "B1-gone" });
    await h.settle();
    const out = h.take().filter((s) => s.getChild("retract", RETRACT));
    expect(out.map((s) => `${s.attrs.from} -> ${s.attrs.to} ${s.attrs.id}`)).toEqual([`${ROOM}/bob -> ${ALICE}/phone B1-gone`, `${ROOM}/bob -> ${ALICE}/laptop B1-gone`]);
    expect(qualifiedTree(out[0]!)).toEqual(["{jabber:client}message", `  {${RETRACT}}retract`, "  {urn:xmpp:hints}store", `  {${SID}}stanza-id`, `  {${OCCUPANT_ID}}occupant-id`]);
    expect(out[0]!.getChild("retract", RETRACT)!.attrs.id).toBe("B1");
    const archived = h.store.queryArchive({ user: ALICE, room: ROOM }, { ids: ["B1", "B1-gone"] }).messages;
    expect(archived.map((m) => [m.stanzaId, m.authorJid, m.xml.includes("oops"), m.xml.includes("<retracted")])).toEqual([
      ["B1", `${ROOM}/bob`, false, true],
      ["B1-gone", `${ROOM}/bob`, false, false],
    ]);
  });

  it("on a full disk is still sent, and the tombstone it could not write is a warning, not a throw", async () => {
    const { h, actor } = await lobby();
    const bob = await actor.room.getParticipant("bob");
    bob.sendText("oops", { legacyId: "B1" });
    await h.settle();
    h.take();
    const write = h.store.archive.bind(h.store);
    h.store.archive = (row) => {
      if (row.stanzaId === "B1") throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
      return write(row);
    };
    bob.retract("B1", { legacyId: "B1-gone" });
    await h.settle();
    expect(h.take().filter((s) => s.getChild("retract", RETRACT)).map((s) => s.attrs.id)).toEqual(["B1-gone"]);
    expect(h.warnings.map(([message]) => message).join("\n")).toMatch(/B1/);
  });

  it("without a legacy id gets a new stanza-id, which is also its id", async () => {
    const { h, actor } = await lobby();
    const bob = await actor.room.getParticipant("bob");
    bob.sendText("oops", { legacyId: "B1" });
    bob.retract("B1");
    await h.settle();
    const out = h.take().find((s) => s.getChild("retract", RETRACT))!;
    expect(out.attrs.id).toBe(stanzaIdOf(out));
    expect(stanzaIdOf(out)).not.toBe("B1");
  });
});

class Session extends LegacySession {
  createRoom(id: string) {
    return new LegacyRoom(this, id);
  }
}

class RetractingRoom extends LegacyRoom {
  override async onRetract(): Promise<void> {}
}

class ModeratedRoom extends LegacyRoom {
  override async onModerate(): Promise<void> {}
}

describe("room disco#info", () => {
  it("advertises retractions only when the plugin's room overrides onRetract, moderation only when it overrides onModerate (both namespaces each, sorted as disco#info lists them); tombstones always", async () => {
    const features = async (room: LegacyRoom) =>
      (await roomDiscoInfo(room, true)).getChildren("feature", "http://jabber.org/protocol/disco#info").map((f) => String(f.attrs.var)).filter((f) => f.startsWith("urn:xmpp:message-"));
    // Every room's archive keeps tombstones, and says so (XEP-0424 §5).
    const tombstones = `${RETRACT}#tombstone`;
    expect(await features(new LegacyRoom(new Session(ALICE), "plain"))).toEqual([tombstones]);
    expect(await features(new RetractingRoom(new Session(ALICE), "deletes"))).toEqual([RETRACT_0, RETRACT, tombstones]);
    expect(await features(new ModeratedRoom(new Session(ALICE), "moderated"))).toEqual([MODERATE_0, MODERATE, tombstones]);
  });
});

describe("the fixture network", () => {
  it("logs onRetract with its argument, and a timed retract event sends a participant's retraction", async () => {
    const calls = join(mkdtempSync(join(tmpdir(), "retractions-")), "calls.jsonl");
    const events = [
      { afterMs: 150, message: { from: "carol", body: "oops", id: "C1" } },
      { afterMs: 200, retract: { from: "carol", to: "C1", id: "C1-gone" } },
    ];
    const h = fixtureHarness(lobbyFixture({ events }), { calls });
    h.route(joinPresence("lobby", "alice")); // not joined(): it would throw away what the timed events sent during the join
    await h.until(() => h.sent.some((s) => s.getChild("retract", RETRACT) !== undefined));
    const out = h.take().find((s) => s.getChild("retract", RETRACT))!;
    expect([out.attrs.from, out.attrs.id, out.getChild("retract", RETRACT)!.attrs.id]).toEqual([`${ROOM}/carol`, "C1-gone", "C1"]);
    h.route(message("m-1", "secret"));
    await h.until(() => h.sent.length >= 1);
    const legacyId = stanzaIdOf(h.take()[0]!);
    h.route(retraction("r-1", legacyId));
    await h.until(() => h.sent.length >= 1);
    await h.callLog.flush();
    const log = (await readCallLog(calls)).filter((e) => e.callback === "onText" || e.callback === "onRetract");
    expect(log.map((e) => [e.callback, e.args, e.ok])).toEqual([
      ["onText", ["secret", "m-1"], true],
      ["onRetract", [legacyId], true],
    ]);
    expect(conditionOf(h.sent[0])).toBeUndefined();
  });
});
