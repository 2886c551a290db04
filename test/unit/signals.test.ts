/**
 * Chat states (XEP-0085) and displayed markers (XEP-0333) from the user to the legacy network:
 * signals, not requests. They reach `onComposing`, `onPaused` and `onDisplayed` without going
 * through the mailbox, are never archived, and only a displayed marker is echoed, to the user's
 * other resources.
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
import { ALICE, DOMAIN, fixtureHarness, joined, lobbyFixture, summary } from "../helpers/harness.js";
import { qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const CHAT_STATES = "http://jabber.org/protocol/chatstates";
const MARKERS = "urn:xmpp:chat-markers:0";
const SID = "urn:xmpp:sid:0";

/** A bodiless groupchat message from one of alice's resources carrying `payload`. */
function signal(payload: Element, id: string, resource = "phone"): Element {
  return xml("message", { from: `${ALICE}/${resource}`, to: ROOM, type: "groupchat", id }, payload);
}
const composing = (id = "s-1") => signal(xml("composing", { xmlns: CHAT_STATES }), id);
const paused = (id = "s-2") => signal(xml("paused", { xmlns: CHAT_STATES }), id);
const displayed = (target: string, id = "d-1") => signal(xml("displayed", { xmlns: MARKERS, id: target }), id);

/** A joined lobby whose signal callbacks are recorded in `calls`. */
async function lobby(resources = ["phone"]) {
  const h = fixtureHarness(lobbyFixture());
  const actor = await joined(h, "lobby", resources);
  const calls: unknown[][] = [];
  actor.room.onComposing = async () => void calls.push(["onComposing"]);
  actor.room.onPaused = async () => void calls.push(["onPaused"]);
  actor.room.onDisplayed = async (legacyId) => void calls.push(["onDisplayed", legacyId]);
  const archived = () => h.store.queryArchive({ user: ALICE, room: ROOM }, { max: 100 }).messages.length;
  return { h, actor, calls, archived };
}

describe("a user's chat states", () => {
  it("reach onComposing and onPaused, and nothing is sent or archived", async () => {
    const { h, calls, archived } = await lobby(["phone", "laptop"]);
    const before = archived();
    h.route(composing());
    h.route(paused());
    await h.settle();
    expect(calls).toEqual([["onComposing"], ["onPaused"]]);
    expect(h.take()).toEqual([]);
    expect(archived()).toBe(before);
  });

  it("with a body stay a text message: onText only", async () => {
    const { h, actor, calls } = await lobby();
    const texts: string[] = [];
    actor.room.onText = async (text) => void texts.push(text);
    h.route(xml("message", { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id: "m-1" }, xml("body", {}, "hi"), xml("active", { xmlns: CHAT_STATES })));
    h.route(signal(xml("active", { xmlns: CHAT_STATES }), "s-3"));
    await h.settle();
    expect([texts, calls]).toEqual([["hi"], []]);
    expect(h.take().map(summary)).toEqual([`message/groupchat ${ROOM}/alice -> ${ALICE}/phone body=hi`]);
  });
});

describe("a user's displayed marker", () => {
  it("reaches onDisplayed with the legacy id and is echoed to the user's other resource only, not archived, without a stanza-id", async () => {
    const { h, actor, calls, archived } = await lobby(["phone", "laptop"]);
    const bob = await actor.room.getParticipant("bob");
    bob.sendText("hello", { legacyId: "B1" });
    bob.sendText("no legacy id");
    await h.settle();
    const anonymous = h.take()[2]!.getChild("stanza-id", SID)!.attrs.id as string;
    const before = archived();
    h.route(displayed("B1"));
    h.route(displayed(anonymous, "d-2"));
    await h.settle();
    expect(calls).toEqual([
      ["onDisplayed", "B1"],
      ["onDisplayed", anonymous],
    ]);
    const out = h.take();
    expect(out.map(summary)).toEqual([`message/groupchat ${ROOM}/alice -> ${ALICE}/laptop`, `message/groupchat ${ROOM}/alice -> ${ALICE}/laptop`]);
    expect(qualifiedTree(out[0]!)).toEqual(["{jabber:client}message", `  {${MARKERS}}displayed`, "  {urn:xmpp:occupant-id:0}occupant-id"]);
    expect(out.map((s) => [s.attrs.id, s.getChild("displayed", MARKERS)!.attrs.id])).toEqual([
      ["d-1", "B1"],
      ["d-2", anonymous],
    ]);
    expect(out[0]!.getChild("occupant-id", "urn:xmpp:occupant-id:0")!.attrs.id).toBe(actor.room._userParticipant().occupantId);
    expect(archived()).toBe(before);
  });

  it("naming an unknown message calls nothing and sends nothing, not even an error", async () => {
    const { h, calls } = await lobby(["phone", "laptop"]);
    h.route(displayed("nowhere"));
    h.route(composing());
    await h.settle();
    expect([calls, h.take()]).toEqual([[["onComposing"]], []]);
  });

  it("whose onDisplayed fails is not echoed, gets no error reply, and onWarning hears it", async () => {
    const { h, actor } = await lobby(["phone", "laptop"]);
    (await actor.room.getParticipant("bob")).sendText("hello", { legacyId: "B1" });
    await h.settle();
    h.take();
    const fail = async () => {
      throw new Error("network down");
    };
    actor.room.onDisplayed = fail;
    actor.room.onComposing = fail;
    h.route(displayed("B1"));
    h.route(composing());
    await h.settle();
    expect(h.take()).toEqual([]);
    expect(h.warnings.map(([, e]) => (e as Error).message)).toEqual(["network down", "network down"]);
  });
});

describe("signals and the mailbox", () => {
  it("are handled while a slow request holds the mailbox: onComposing and the marker's echo come before the request ends", async () => {
    const { h, actor, calls } = await lobby(["phone", "laptop"]);
    (await actor.room.getParticipant("bob")).sendText("hello", { legacyId: "B1" });
    await h.settle();
    h.take();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    actor.room.HAS_SUBJECT = true;
    actor.room.onSetSubject = async (subject) => {
      calls.push(["onSetSubject", subject]);
      await gate;
      calls.push(["onSetSubject done"]);
    };
    h.route(xml("message", { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id: "subj" }, xml("subject", {}, "new")));
    await h.settle();
    h.route(composing());
    h.route(displayed("B1"));
    await h.settle();
    expect(calls).toEqual([["onSetSubject", "new"], ["onComposing"], ["onDisplayed", "B1"]]);
    expect(h.take().map(summary)).toEqual([`message/groupchat ${ROOM}/alice -> ${ALICE}/laptop`]);
    open();
    await h.settle();
    expect(calls.at(-1)).toEqual(["onSetSubject done"]);
  });
});

class Session extends LegacySession {
  createRoom(id: string) {
    return new LegacyRoom(this, id);
  }
}
class TypingRoom extends LegacyRoom {
  override async onPaused(): Promise<void> {}
}
class MarkingRoom extends LegacyRoom {
  override async onDisplayed(): Promise<void> {}
}

describe("room disco#info", () => {
  it("advertises chat states when the room overrides onComposing or onPaused, and displayed markers when it overrides onDisplayed", async () => {
    const features = async (room: LegacyRoom) =>
      (await roomDiscoInfo(room, true))
        .getChildren("feature", "http://jabber.org/protocol/disco#info")
        .map((f) => f.attrs.var as string)
        .filter((f) => f === CHAT_STATES || f === MARKERS);
    const session = new Session(ALICE);
    expect(await features(new LegacyRoom(session, "plain"))).toEqual([]);
    expect(await features(new TypingRoom(session, "typing"))).toEqual([CHAT_STATES]);
    expect(await features(new MarkingRoom(session, "marking"))).toEqual([MARKERS]);
  });
});

describe("the fixture network", () => {
  it("logs onComposing, onPaused and onDisplayed with their arguments", async () => {
    const calls = join(mkdtempSync(join(tmpdir(), "signals-")), "calls.jsonl");
    const h = fixtureHarness(lobbyFixture(), { calls });
    const actor = await joined(h, "lobby");
    (await actor.room.getParticipant("bob")).sendText("hello", { legacyId: "B1" });
    h.route(composing());
    h.route(paused());
    h.route(displayed("B1"));
    await h.settle(20);
    await h.callLog.flush();
    const log = (await readCallLog(calls)).filter((e) => ["onComposing", "onPaused", "onDisplayed"].includes(e.callback));
    // Chat states and markers run in lanes of their own (README), so only each lane's order holds.
    expect(log.map((e) => [e.callback, e.args, e.ok]).sort()).toEqual([
      ["onComposing", [], true],
      ["onDisplayed", ["B1"], true],
      ["onPaused", [], true],
    ]);
    expect(log.map((e) => e.callback).filter((c) => c !== "onDisplayed")).toEqual(["onComposing", "onPaused"]);
  });
});
