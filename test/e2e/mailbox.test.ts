/**
 * The mailbox end to end: a real client fires requests through Prosody at the gateway; the
 * call log written by the legacy side shows the order and overlap of callbacks.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { type CallLog, type CallLogEntry, createCallLog, readCallLog } from "../../src/demo/callLog.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import type { Affiliation } from "../../src/protocol/xep0045.js";
import { type ProsodyHandle, startProsody } from "../../src/testbed/prosody.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a callback takes: ms, or until a promise the test settles. */
type Delay = number | Promise<void>;

/** A legacy room whose callbacks take a random 0–15 ms (or what `slow` says), logged. */
class RandomRoom extends LegacyRoom {
  constructor(session: LegacySession, id: string, readonly log: CallLog, readonly slow: { updateInfo?: Delay; config?: Delay }) {
    super(session, id);
  }
  async logged<T>(callback: string, args: unknown[], body: () => T, delay: Delay = Math.random() * 15): Promise<T> {
    const start = new Date();
    try {
      await (typeof delay === "number" ? sleep(delay) : delay);
      return body();
    } finally {
      this.log.record({ room: this.legacyId, callback, args, start, end: new Date(), ok: true });
    }
  }
  override updateInfo() {
    return this.logged("updateInfo", [], () => {
      this.name = this.legacyId;
      this.subject = "start";
    }, this.slow.updateInfo ?? 0);
  }
  override async fillParticipants() {
    await this.getParticipantByContact("carol-id", "carol");
  }
  override onText(text: string) {
    return this.logged("onText", [text], () => undefined);
  }
  override onSetSubject(subject: string) {
    return this.logged("onSetSubject", [subject], () => {
      this.subject = subject;
    });
  }
  override onSetConfig(name: string | null) {
    return this.logged("onSetConfig", [name], () => {}, this.slow.config);
  }
  override onSetAffiliation(contact: string | undefined, affiliation: Affiliation, reason: string | undefined) {
    return this.logged("onSetAffiliation", [reason, contact, affiliation], () => {});
  }
  override onAvatar(data: Uint8Array | null) {
    return this.logged("onAvatar", [data ? Buffer.from(data).toString() : null], () => null);
  }
}

describe("the mailbox through Prosody", () => {
  let prosody: ProsodyHandle;
  let gateway: Gateway;
  let log: CallLog;
  let logPath: string;
  let alice: TestUser;
  // The slow room's callback ends only when the test says, after the other room's requests were answered.
  let releaseSlowRoom = () => {};
  const slowRoomHeld = new Promise<void>((resolve) => {
    releaseSlowRoom = resolve;
  });
  const slow: Record<string, { updateInfo?: Delay; config?: Delay }> = { slowinfo: { updateInfo: 400 }, slowroom: { config: slowRoomHeld } };

  beforeAll(async () => {
    prosody = await startProsody({ components: ["mb.localhost"] });
    await prosody.registerUser("alice", "pw");
    logPath = join(mkdtempSync(join(tmpdir(), "mucstate-mailbox-")), "calls.jsonl");
    log = createCallLog(logPath);
    class Session extends LegacySession {
      createRoom(id: string) {
        return new RandomRoom(this, id, log, slow[id] ?? {});
      }
    }
    gateway = createGateway({
      domain: "mb.localhost",
      secret: prosody.secret,
      service: prosody.service,
      plugin: { createSession: (user) => new Session(user) },
      mailboxSize: 200,
      store: join(dirname(logPath), "store.sqlite"),
    });
    await gateway.start();
    alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
  });
  afterAll(async () => {
    await alice?.stop();
    await gateway?.stop();
    await log?.close();
    await prosody?.stop({ removeDir: true });
  });

  const entries = async (room: string): Promise<CallLogEntry[]> => {
    await log.flush();
    return (await readCallLog(logPath)).filter((e) => e.room === room);
  };
  const noOverlap = (list: CallLogEntry[]) => list.every((e, i) => i === 0 || Date.parse(e.start) >= Date.parse(list[i - 1]!.end));

  it("runs 100 mixed requests one at a time, in arrival order, and answers all of them", async () => {
    const room = "mixed@mb.localhost";
    await alice.send(xml("presence", { to: `${room}/alice` }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.attrs.from?.startsWith(room) && s.getChild("subject", "jabber:client") !== undefined);
    alice.clear();
    const expected: string[] = [];
    for (let i = 0; i < 100; i++) {
      const tag = `r${i}`;
      switch (i % 5) {
        case 0:
          expected.push(`onText:${tag}`);
          await alice.send(xml("message", { to: room, type: "groupchat", id: tag }, xml("body", {}, tag)));
          break;
        case 1:
          expected.push(`onSetSubject:${tag}`);
          await alice.send(xml("message", { to: room, type: "groupchat", id: tag }, xml("subject", {}, tag)));
          break;
        case 2:
          expected.push(`onSetConfig:${tag}`);
          await alice.send(xml("iq", { to: room, type: "set", id: tag }, xml("query", { xmlns: `${MUC}#owner` }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, tag))))));
          break;
        case 3:
          expected.push(`onSetAffiliation:${tag}`);
          await alice.send(xml("iq", { to: room, type: "set", id: tag }, xml("query", { xmlns: `${MUC}#admin` }, xml("item", { nick: "carol", affiliation: "member" }, xml("reason", {}, tag)))));
          break;
        default:
          expected.push(`onAvatar:${tag}`);
          await alice.send(xml("iq", { to: room, type: "set", id: tag }, xml("vCard", { xmlns: "vcard-temp" }, xml("PHOTO", {}, xml("TYPE", {}, "image/png"), xml("BINVAL", {}, Buffer.from(tag).toString("base64"))))));
      }
    }
    // Every request gets its answer: the echo, the subject broadcast, or the iq result.
    const answered = (s: { attrs: Record<string, string>; getChildText(n: string, ns: string): string | null }) =>
      /^r\d+$/.test(s.attrs.id ?? "") || /^r\d+$/.test(s.getChildText("subject", "jabber:client") ?? "");
    await alice.waitFor(answered, { count: 100, timeoutMs: 20_000 });
    const answers = alice.received.filter(answered);
    expect(answers.filter((s) => s.attrs.type === "error")).toEqual([]);
    const log = await entries("mixed");
    const requests = log.filter((e) => e.callback !== "updateInfo");
    expect(requests.map((e) => `${e.callback}:${e.args[0]}`)).toEqual(expected);
    expect(noOverlap(requests)).toBe(true);
  });

  it("processes requests sent during a slow updateInfo afterwards, in order", async () => {
    const room = "slowinfo@mb.localhost";
    for (let i = 0; i < 5; i++) {
      await alice.send(xml("iq", { to: room, type: "set", id: `s${i}` }, xml("query", { xmlns: `${MUC}#owner` }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, `s${i}`))))));
    }
    await alice.waitFor((s) => s.attrs.id === "s4", { timeoutMs: 10_000 });
    const log = await entries("slowinfo");
    expect(log.map((e) => `${e.callback}:${e.args[0] ?? ""}`)).toEqual(["updateInfo:", "onSetConfig:s0", "onSetConfig:s1", "onSetConfig:s2", "onSetConfig:s3", "onSetConfig:s4"]);
    expect(noOverlap(log)).toBe(true);
    expect(alice.received.filter((s) => /^s\d$/.test(s.attrs.id ?? "")).map((s) => `${s.attrs.id}:${s.attrs.type}`)).toEqual(["s0:result", "s1:result", "s2:result", "s3:result", "s4:result"]);
  });

  it("lets another room's requests run while one room's callback is slow", async () => {
    const form = (room: string, id: string) =>
      xml("iq", { to: room, type: "set", id }, xml("query", { xmlns: `${MUC}#owner` }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, id)))));
    await alice.send(form("slowroom@mb.localhost", "A"));
    for (const id of ["B1", "B2", "B3"]) await alice.send(form("fastroom@mb.localhost", id));
    await alice.waitFor((s) => s.attrs.id === "B3" && s.attrs.type === "result", { timeoutMs: 10_000 });
    expect(alice.received.some((s) => s.attrs.id === "A")).toBe(false);
    releaseSlowRoom();
    await alice.waitFor((s) => s.attrs.id === "A", { timeoutMs: 10_000 });
    const slowCall = (await entries("slowroom")).find((e) => e.callback === "onSetConfig")!;
    const fastCalls = (await entries("fastroom")).filter((e) => e.callback === "onSetConfig");
    expect(fastCalls.map((e) => e.args[0])).toEqual(["B1", "B2", "B3"]);
    for (const e of fastCalls) expect(Date.parse(e.end)).toBeLessThanOrEqual(Date.parse(slowCall.end));
  });
});
