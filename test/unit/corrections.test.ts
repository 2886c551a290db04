/**
 * Corrections (XEP-0308) both ways: a user's correction is `onCorrect`, echoed and archived, and
 * never a new message; a participant's `correct()` names the message as the user's clients know it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { RoomArchive } from "../../src/actors/roomArchive.js";
import { roomDiscoInfo } from "../../src/actors/roomDisco.js";
import { readCallLog } from "../../src/demo/callLog.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { RoomCallbacks } from "../../src/legacy/RoomCallbacks.js";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, iq, joinPresence, lobbyFixture, summary, textRecordingLobby } from "../helpers/harness.js";
import { MAM_RESULT_HEAD, isQualified, qualifiedChild, qualifiedText, qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const CORRECT = "urn:xmpp:message-correct:0";
const SID = "urn:xmpp:sid:0";
const MAM = "urn:xmpp:mam:2";

/** A groupchat message from alice's phone, with an origin-id, optionally correcting `replaces`. */
function message(body: string, id: string, replaces?: string, resource = "phone"): Element {
  return xml(
    "message",
    { from: `${ALICE}/${resource}`, to: ROOM, type: "groupchat", id },
    xml("body", {}, body),
    replaces !== undefined ? xml("replace", { xmlns: CORRECT, id: replaces }) : null,
    xml("origin-id", { xmlns: SID, id: `origin-${id}` }),
  );
}

const stanzaIdOf = (s: Element) => s.getChild("stanza-id", SID)!.attrs.id as string;

/** A joined lobby whose onText and onCorrect calls are recorded. */
async function lobby(resources = ["phone"]) {
  const { h, actor, texts } = await textRecordingLobby(resources);
  const corrections: unknown[] = [];
  actor.room.onCorrect = async (...args) => void corrections.push(args);
  return { h, actor, texts, corrections };
}


/** The user sends "helo" (id m-1), then corrects it to "hello" (id c-1). */
async function sendAndCorrect(h: Awaited<ReturnType<typeof lobby>>["h"]): Promise<void> {
  h.route(message("helo", "m-1"));
  await h.settle();
  h.route(message("hello", "c-1", "m-1"));
  await h.settle();
}
describe("a user's correction", () => {
  it("calls onCorrect(legacy id, text) and echoes it to every joined resource with <replace>, a new stanza-id and the user's occupant-id", async () => {
    const { h, texts, corrections } = await lobby(["phone", "laptop"]);
    h.route(message("helo", "m-1"));
    await h.settle();
    const original = h.take()[0]!;
    h.route(message("hello", "c-1", "m-1"));
    await h.settle();
    expect(corrections).toEqual([["L1", "hello", { xmppId: "c-1" }]]);
    expect(texts).toEqual(["helo"]);
    const echoes = h.take();
    expect(echoes.map(summary)).toEqual([
      `message/groupchat ${ROOM}/alice -> ${ALICE}/phone body=hello`,
      `message/groupchat ${ROOM}/alice -> ${ALICE}/laptop body=hello`,
    ]);
    for (const echo of echoes) {
      expect(qualifiedTree(echo)).toEqual([
        "{jabber:client}message",
        "  {jabber:client}body",
        `  {${CORRECT}}replace`,
        `  {${SID}}origin-id`,
        `  {${SID}}stanza-id`,
        "  {urn:xmpp:occupant-id:0}occupant-id",
      ]);
      expect(echo.attrs.id).toBe("c-1");
      expect(echo.getChild("replace", CORRECT)!.attrs.id).toBe("m-1");
      expect(echo.getChild("stanza-id", SID)!.attrs.by).toBe(ROOM);
      expect(echo.getChild("occupant-id", "urn:xmpp:occupant-id:0")!.attrs.id).toBe(original.getChild("occupant-id", "urn:xmpp:occupant-id:0")!.attrs.id);
    }
    expect(stanzaIdOf(echoes[0]!)).not.toBe(stanzaIdOf(original));
    expect(stanzaIdOf(echoes[1]!)).toBe(stanzaIdOf(echoes[0]!));
  });

  it("finds its target by origin-id or stanza-id too, and a correction of a correction corrects the original", async () => {
    const { h, corrections } = await lobby();
    h.route(message("one", "m-1"));
    h.route(message("two", "m-2"));
    await h.settle();
    const [, second] = h.take();
    h.route(message("one!", "c-1", "origin-m-1"));
    h.route(message("two!", "c-2", stanzaIdOf(second!)));
    h.route(message("one!!", "c-3", "c-1"));
    await h.settle();
    expect(corrections.map((c) => (c as unknown[]).slice(0, 2))).toEqual([
      ["L1", "one!"],
      ["L2", "two!"],
      ["L1", "one!!"],
    ]);
    expect(h.take().map((s) => conditionOf(s) ?? s.getChild("replace", CORRECT)!.attrs.id)).toEqual(["origin-m-1", stanzaIdOf(second!), "c-1"]);
  });

  it("answers item-not-found for an unknown target or another participant's message, with no callback, no echo and no new message", async () => {
    const { h, actor, texts, corrections } = await lobby();
    (await actor.room.getParticipant("bob")).sendText("bob's", { legacyId: "B1" });
    await h.settle();
    h.take();
    h.route(message("x", "c-1", "nowhere"));
    h.route(message("y", "c-2", "B1"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([`message/error ${ROOM} -> ${ALICE}/phone error=item-not-found`, `message/error ${ROOM} -> ${ALICE}/phone error=item-not-found`]);
    expect(out.map((s) => s.attrs.id)).toEqual(["c-1", "c-2"]);
    expect(qualifiedChild(out[0]!, "{jabber:client}error")!.attrs.type).toBe("cancel");
    expect([texts, corrections]).toEqual([[], []]);
  });

  it("answers feature-not-implemented when the plugin has no onCorrect, and never delivers it to onText", async () => {
    const { h, actor, texts } = await lobby();
    actor.room.onCorrect = RoomCallbacks.prototype.onCorrect;
    h.route(message("helo", "m-1"));
    await h.settle();
    h.take();
    h.route(message("hello", "c-1", "m-1"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([`message/error ${ROOM} -> ${ALICE}/phone error=feature-not-implemented`]);
    expect(qualifiedChild(out[0]!, "{jabber:client}error")!.attrs.type).toBe("cancel");
    expect(texts).toEqual(["helo"]);
  });

  it("is archived: MAM returns the message, then the correction with its <replace>", async () => {
    const { h, texts } = await lobby();
    await sendAndCorrect(h);
    const [, correctionEcho] = h.take();
    h.route(iq("set", ROOM, xml("query", { xmlns: MAM, queryid: "q1" }), "mam"));
    await h.settle();
    const [first, second, fin] = h.take();
    expect(fin!.attrs).toMatchObject({ id: "mam", type: "result" });
    const forwarded = (r: Element) => r.getChild("result", MAM)!.getChild("forwarded", "urn:xmpp:forward:0")!.getChild("message", "jabber:client")!;
    expect([first, second].map((r) => qualifiedText(forwarded(r!), "{jabber:client}body"))).toEqual(["helo", "hello"]);
    expect(second!.getChild("result", MAM)!.attrs.id).toBe(stanzaIdOf(correctionEcho!));
    expect(qualifiedTree(second!).slice(0, 7)).toEqual([...MAM_RESULT_HEAD, `        {${CORRECT}}replace`]);
    expect(forwarded(second!).getChild("replace", CORRECT)!.attrs.id).toBe("m-1");
    // Archived as the correction it is, not as a new message of the legacy network.
    expect(texts).toEqual(["helo"]);
  });

  it("finds an older message of the user in the archive once the recent ones are forgotten (passivation, restart)", async () => {
    const { h, actor } = await lobby();
    await sendAndCorrect(h);
    const restored = new RoomArchive(actor.room, h.store);
    expect(restored.ownMessage("m-1")).toEqual({ stanzaId: "L1", legacyId: "L1", xmppId: "m-1" });
    expect((await restored.ownMessage("origin-m-1"))?.stanzaId).toBe("L1");
    expect((await restored.ownMessage("c-1"))?.stanzaId).toBe("L1");
    expect(restored.ownMessage("nowhere")).toBeUndefined();
  });
});

describe("a participant's correction", () => {
  it("fans out <replace id> of the legacy message, with its own stanza-id (the edit's legacy id, which is also its id) and occupant-id, archived", async () => {
    const { h, actor } = await lobby(["phone", "laptop"]);
    const bob = await actor.room.getParticipant("bob");
    bob.sendText("helo", { legacyId: "B1" });
    bob.correct("B1", "hello", { legacyId: "B1-edit" });
    bob.correct("B1", "hello!");
    await h.settle();
    const out = h.take().filter((s) => isQualified(s, "{jabber:client}message") && s.getChild("replace", CORRECT));
    expect(out.map(summary)).toEqual([
      `message/groupchat ${ROOM}/bob -> ${ALICE}/phone body=hello`,
      `message/groupchat ${ROOM}/bob -> ${ALICE}/laptop body=hello`,
      `message/groupchat ${ROOM}/bob -> ${ALICE}/phone body=hello!`,
      `message/groupchat ${ROOM}/bob -> ${ALICE}/laptop body=hello!`,
    ]);
    expect(qualifiedTree(out[0]!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${CORRECT}}replace`,
      `  {${SID}}stanza-id`,
      "  {urn:xmpp:occupant-id:0}occupant-id",
      "  {http://jabber.org/protocol/chatstates}active",
      "  {urn:xmpp:chat-markers:0}markable",
    ]);
    expect(out.map((s) => s.getChild("replace", CORRECT)!.attrs.id)).toEqual(["B1", "B1", "B1", "B1"]);
    expect(out.map((s) => s.attrs.id)).toEqual(["B1-edit", "B1-edit", undefined, undefined]);
    expect(stanzaIdOf(out[0]!)).toBe("B1-edit");
    const generated = stanzaIdOf(out[2]!);
    expect(generated).not.toBe("B1");
    expect(stanzaIdOf(out[3]!)).toBe(generated);
    const archived = h.store.queryArchive({ user: ALICE, room: ROOM }, { ids: ["B1-edit", generated] }).messages;
    expect(archived.map((m) => [m.authorJid, m.xml.includes(`<replace xmlns="${CORRECT}" id="B1"/>`)])).toEqual([
      [`${ROOM}/bob`, true],
      [`${ROOM}/bob`, true],
    ]);
  });

  it("from the user's participant (an edit made on the legacy network) names the user's message by the id their client gave it", async () => {
    const { h, actor, corrections } = await lobby();
    h.route(message("helo", "m-1"));
    await h.settle();
    h.take();
    actor.room._userParticipant().correct("L1", "hello");
    await h.settle();
    const [edit] = h.take();
    expect(edit!.attrs.from).toBe(`${ROOM}/alice`);
    expect(edit!.getChild("replace", CORRECT)!.attrs.id).toBe("m-1");
    // Still the original for a later correction from XMPP that names this edit's stanza-id.
    h.route(message("hello!", "c-2", stanzaIdOf(edit!)));
    await h.settle();
    expect(corrections).toEqual([["L1", "hello!", { xmppId: "c-2" }]]);
  });
});

class Session extends LegacySession {
  createRoom(id: string) {
    return new LegacyRoom(this, id);
  }
}

class CorrectingRoom extends LegacyRoom {
  override async onCorrect(): Promise<void> {}
}

describe("room disco#info", () => {
  it("advertises corrections only when the plugin's room overrides onCorrect", async () => {
    const features = async (room: LegacyRoom) => (await roomDiscoInfo(room, true)).getChildren("feature", "http://jabber.org/protocol/disco#info").map((f) => f.attrs.var);
    expect(await features(new LegacyRoom(new Session(ALICE), "plain"))).not.toContain(CORRECT);
    expect(await features(new CorrectingRoom(new Session(ALICE), "edits"))).toContain(CORRECT);
  });
});

describe("the fixture network", () => {
  it("logs onCorrect with its arguments, and a timed correct event sends a participant's correction", async () => {
    const calls = join(mkdtempSync(join(tmpdir(), "corrections-")), "calls.jsonl");
    const events = [
      { afterMs: 150, message: { from: "carol", body: "helo", id: "C1" } },
      { afterMs: 200, correct: { from: "carol", to: "C1", body: "hello", id: "C1-edit" } },
    ];
    const h = fixtureHarness(lobbyFixture({ events }), { calls });
    h.route(joinPresence("lobby", "alice")); // not joined(): it would throw away what the timed events sent during the join
    await h.until(() => h.sent.some((s) => s.getChild("replace", CORRECT) !== undefined));
    const edit = h.take().find((s) => s.getChild("replace", CORRECT))!;
    expect([edit.attrs.from, edit.attrs.id, edit.getChild("replace", CORRECT)!.attrs.id, qualifiedText(edit, "{jabber:client}body")]).toEqual([`${ROOM}/carol`, "C1-edit", "C1", "hello"]);
    h.route(message("helo", "m-1"));
    await h.settle(20);
    h.route(message("hello", "c-1", "m-1"));
    await h.until(() => h.sent.length >= 2);
    await h.callLog.flush();
    const log = (await readCallLog(calls)).filter((e) => e.callback === "onText" || e.callback === "onCorrect");
    const legacyId = h.sent[0]!.getChild("stanza-id", SID)!.attrs.id;
    expect(log.map((e) => [e.callback, e.args, e.ok])).toEqual([
      ["onText", ["helo", "m-1"], true],
      ["onCorrect", [legacyId, "hello", "c-1"], true],
    ]);
  });
});
