import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { readCallLog } from "../../src/demo/callLog.js";
import { XMPPError } from "../../src/legacy/errors.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { isIdle } from "../../src/machines/roomStatus.js";
import { ALICE, DOMAIN, conditionOf, createHarness, endsJoin, fixtureHarness, iq, joinPresence } from "../helpers/harness.js";

const rename = (room: string, name: string, id: string) =>
  iq("set", `${room}@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, name)))), id);

describe("passivation", () => {
  it("keeps 200 rooms working under a bound of 10 active ones: no stanza lost, no callback re-run, order kept", async () => {
    const calls = join(mkdtempSync(join(tmpdir(), "mucstate-pass-")), "calls.jsonl");
    const rooms = Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, participants: [{ nick: "bob" }] }));
    const h = fixtureHarness({ users: [ALICE], rooms }, { maxRooms: 10, calls });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 200; i++) {
        h.route(rename(`r${i}`, `r${i}-a${round}`, `a${round}-${i}`));
        h.route(rename(`r${i}`, `r${i}-b${round}`, `b${round}-${i}`));
      }
      for (let wait = 0; wait < 500 && h.sent.length < 400 * (round + 1); wait++) await h.settle(10);
    }
    const answers = h.take();
    expect(answers.filter((s) => s.attrs.type !== "result").map(conditionOf)).toEqual([]);
    expect(answers).toHaveLength(200 * 2 * 3);
    expect(h.registry.size).toBeLessThanOrEqual(10);
    expect(h.registry.passivatedCount).toBeGreaterThanOrEqual(190);
    await h.callLog.flush();
    const log = await readCallLog(calls);
    const perRoom = new Map<string, string[]>();
    for (const e of log) perRoom.set(e.room, [...(perRoom.get(e.room) ?? []), e.callback === "onSetConfig" ? String(e.args[0]) : e.callback]);
    for (let i = 0; i < 200; i++) {
      expect(perRoom.get(`r${i}`)).toEqual(["updateInfo", ...[0, 1, 2].flatMap((r) => [`r${i}-a${r}`, `r${i}-b${r}`])]);
    }
    // A re-activated room keeps its state: the name set before it passivated.
    h.route(iq("get", `r0@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "disco"));
    await h.settle();
    expect(h.take()[0]!.getChild("query", "http://jabber.org/protocol/disco#info")!.getChild("identity", "http://jabber.org/protocol/disco#info")!.attrs.name).toBe("r0-b2");
  });

  it("never passivates a room with a joined resource; it is parked and keeps its live state", async () => {
    const rooms = Array.from({ length: 5 }, (_, i) => ({ id: `r${i}`, participants: [{ nick: "bob" }] }));
    const h = fixtureHarness({ users: [ALICE], rooms }, { maxRooms: 2 });
    h.route(joinPresence("r0", "alice"));
    await h.until(() => h.sent.some(endsJoin(`r0@${DOMAIN}`, "phone")));
    for (let i = 1; i < 5; i++) h.route(rename(`r${i}`, "x", `x${i}`));
    await h.until(() => h.sent.filter((s) => s.name === "iq").length >= 4);
    const joined = h.registry.peek(ALICE, `r0@${DOMAIN}`)!;
    expect(joined.snapshot.context.resources).toEqual(["phone"]);
    (await joined.room.getParticipant("bob")).sendText("still here", { legacyId: "s1" });
    expect(h.sent.some((s) => s.getChildText("body") === "still here")).toBe(true);
  });

  it("lets a room whose updateInfo failed passivate once nothing waits for it", async () => {
    class Unreachable extends LegacyRoom {
      override async updateInfo(): Promise<void> {
        throw new XMPPError("remote-server-not-found", "The legacy server is down");
      }
    }
    class Session extends LegacySession {
      override createRoom(id: string) {
        return new Unreachable(this, id);
      }
    }
    const h = createHarness({ createSession: (user) => new Session(user) });
    h.route(iq("get", `down@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "disco"));
    await h.settle();
    expect(h.take().map(conditionOf)).toEqual(["remote-server-not-found"]);
    const actor = h.registry.peek(ALICE, `down@${DOMAIN}`)!;
    expect(actor.snapshot.matches({ active: { lifecycle: { uninitialized: "failed" } } })).toBe(true);
    expect(isIdle(actor.snapshot)).toBe(true);
  });

  it("goes on with the room object the plugin kept: what the plugin sends through it after a passivation reaches the next activation", async () => {
    const kept = new Map<string, LegacyRoom>();
    let created = 0;
    class KeptRoom extends LegacyRoom {
      override async fillParticipants() {
        await this.getParticipant("bob");
      }
    }
    class Session extends LegacySession {
      override createRoom(id: string) {
        created++;
        const room = new KeptRoom(this, id);
        kept.set(id, room); // as a bridge does, to deliver legacy events to the room
        return room;
      }
    }
    const h = createHarness({ createSession: (user) => new Session(user) }, { maxRooms: 1 });
    const evict = (id: string) => h.route(iq("get", `other@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), id));
    h.route(joinPresence("lobby", "alice"));
    await h.until(() => h.sent.some(endsJoin(`lobby@${DOMAIN}`, "phone")));
    h.route(xml("presence", { from: `${ALICE}/phone`, to: `lobby@${DOMAIN}/alice`, type: "unavailable" }));
    evict("evict-1");
    await h.until(() => h.sent.some((s) => s.attrs.id === "evict-1"));
    expect(h.registry.peek(ALICE, `lobby@${DOMAIN}`)).toBeUndefined();
    const room = kept.get("lobby")!;
    (await room.getParticipant("bob")).sendText("while you were away", { legacyId: "away-1" });
    h.take();

    h.route(joinPresence("lobby", "alice", "phone", "join-2"));
    await h.until(() => h.sent.some(endsJoin(`lobby@${DOMAIN}`, "phone")));
    expect(h.registry.peek(ALICE, `lobby@${DOMAIN}`)!.room).toBe(room);
    (await room.getParticipant("bob")).sendText("back live", { legacyId: "live-1" });
    const bodies = h.take().filter((s) => s.name === "message").map((s) => s.getChildText("body"));
    expect(bodies).toContain("while you were away"); // join history, from the archive
    expect(bodies.at(-1)).toBe("back live");
    expect(created).toBe(2); // lobby and other, each created once
  });

  it("after shutdown, creates no room and drops what the plugin still does to the old ones", async () => {
    const h = fixtureHarness({ users: [ALICE], rooms: [{ id: "r0", participants: [{ nick: "bob" }] }, { id: "r1" }] });
    h.route(joinPresence("r0", "alice"));
    await h.until(() => h.sent.some(endsJoin(`r0@${DOMAIN}`, "phone")));
    const r0 = h.registry.peek(ALICE, `r0@${DOMAIN}`)!;
    const bob = await r0.room.getParticipant("bob");
    h.take();
    h.registry.shutdown();
    expect(h.take().map((s) => s.getChild("x", "http://jabber.org/protocol/muc#user")?.getChildren("status").map((c) => c.attrs.code))).toEqual([["110", "332"]]);
    bob.sendText("after the end");
    r0.room.subject = "too late";
    h.route(iq("get", `r1@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "late"));
    await h.settle();
    expect(h.take().map((s) => `${s.attrs.id} ${conditionOf(s)}`)).toEqual(["late service-unavailable"]);
    expect(h.registry.size).toBe(0);
    expect(h.store.queryArchive({ user: ALICE, room: `r0@${DOMAIN}` }).messages.map((m) => m.xml)).not.toContainEqual(expect.stringContaining("after the end"));
  });

  it("unmutes a room whose updateInfo timed out: what the plugin pushes meanwhile is kept", async () => {
    class Hanging extends LegacyRoom {
      override updateInfo(): Promise<void> {
        return new Promise(() => {}); // the legacy network never answers
      }
    }
    class Session extends LegacySession {
      override createRoom(id: string) {
        return new Hanging(this, id);
      }
    }
    const h = createHarness({ createSession: (user) => new Session(user) }, { callbackTimeoutMs: 30 });
    h.route(iq("get", `slow@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "disco"));
    for (let i = 0; i < 100 && h.sent.length === 0; i++) await h.settle(10);
    expect(h.take().map(conditionOf)).toEqual(["remote-server-timeout"]);
    const actor = h.registry.peek(ALICE, `slow@${DOMAIN}`)!;
    actor.room.name = "Pushed while the call hangs";
    expect(h.store.getRoom(ALICE, `slow@${DOMAIN}`)?.name).toBe("Pushed while the call hangs");
  });
});
