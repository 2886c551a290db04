/**
 * The inspector's timeline of legacy callbacks and its events in words, from real room actors
 * followed by the model; the sentences themselves (pure); and the search by JID (the model's
 * comparison and the server's `POST /api/find` with its rate).
 */
import { xml } from "@xmpp/component";
import { afterEach, describe, expect, it } from "vitest";
import { RoomRegistry } from "../../src/actors/registry.js";
import type { RequestHandler } from "../../src/actors/RoomActor.js";
import { CallTimeline } from "../../src/inspect/callTimeline.js";
import { toChartJson } from "../../src/inspect/chart.js";
import { describeEvent } from "../../src/inspect/eventSentences.js";
import { type Inspector, createInspector } from "../../src/inspect/inspector.js";
import { InspectorModel } from "../../src/inspect/inspectorState.js";
import { SearchLimiter, normaliseJid } from "../../src/inspect/jidSearch.js";
import { XMPPError } from "../../src/legacy/errors.js";
import { roomMachine } from "../../src/machines/roomMachine.js";
import { ALICE, DOMAIN, fixtureHarness, iq, joinPresence, lobbyFixture } from "../helpers/harness.js";

const chart = toChartJson(roomMachine);
const LOBBY = `lobby@${DOMAIN}`;
const configSet = (id: string) => iq("set", LOBBY, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }), id);
const settle = (ms = 10) => new Promise((r) => setTimeout(r, ms));

/** Alice's lobby, a real room actor of the fixture network, followed by `model`. */
async function lobbyOf(model: InspectorModel, callbackTimeoutMs = 5000) {
  const h = fixtureHarness(lobbyFixture());
  const registry = new RoomRegistry({ domain: DOMAIN, outbox: { send() {}, sendAll() {} }, mailboxSize: 10, callbackTimeoutMs, maxRooms: 10 });
  model.watch(registry.rooms);
  return registry.get((await h.sessions.get(ALICE))!, "lobby");
}

/** A request handler that resolves (or throws `error`) when told. */
function held(error?: Error): { run: RequestHandler; release: () => void } {
  let release = () => {};
  const done = new Promise<void>((r) => (release = r));
  return {
    run: async () => {
      await done;
      if (error) throw error;
      return () => [];
    },
    release: () => release(),
  };
}

describe("the inspector's timeline of legacy callbacks", () => {
  it("records updateInfo and each request with queued, start and end times: one at a time, queued ones waiting, a failure's condition", async () => {
    let now = 1_000;
    const model = new InspectorModel({ chart, now: () => now });
    const lobby = await lobbyOf(model);
    await lobby.read("info");
    now = 2_000;
    const calls = [held(), held(new XMPPError("item-not-found", "no such thing")), held()];
    for (const [i, call] of calls.entries()) lobby.request(configSet(`c${i}`), i === 0 ? "setSubject" : "setConfig", call.run);
    await settle(); // the requests of a synchronous run reach the machine as one batch, a microtask later
    now = 3_500;
    calls[0]!.release();
    await settle();
    now = 3_800;
    calls[1]!.release();
    await settle();
    now = 4_000;
    calls[2]!.release();
    await settle();
    const [room] = model.rooms();
    const bars = room!.timeline.map(({ id: _id, ...bar }) => bar);
    expect(bars).toEqual([
      { callback: "updateInfo", startedAt: 1_000, endedAt: 1_000, outcome: "ok" },
      { callback: "onSetSubject", kind: "setSubject", queuedAt: 2_000, startedAt: 2_000, endedAt: 3_500, outcome: "ok" },
      { callback: "onSetConfig", kind: "setConfig", queuedAt: 2_000, startedAt: 3_500, endedAt: 3_800, outcome: "failed", condition: "item-not-found" },
      { callback: "onSetConfig", kind: "setConfig", queuedAt: 2_000, startedAt: 3_800, endedAt: 4_000, outcome: "ok" },
    ]);
    const words = room!.events.filter((e) => e.category === "requests" || e.category === "callbacks").map((e) => e.text);
    expect(words).toEqual([
      "updateInfo took 0.0 s",
      "setSubject queued (1 waiting)",
      "setConfig queued (2 waiting)",
      "setConfig queued (3 waiting)",
      "setSubject started",
      "onSetSubject took 1.5 s",
      "setConfig started after waiting 1.5 s",
      "onSetConfig failed: item-not-found after 0.3 s",
      "setConfig started after waiting 1.8 s",
      "onSetConfig took 0.2 s",
    ]);
  });

  it("marks a request that outlived its timeout as timed out, and a passivated room in words", async () => {
    const model = new InspectorModel({ chart });
    const lobby = await lobbyOf(model, 50);
    await lobby.read("info");
    const never = held();
    lobby.request(configSet("slow"), "setSubject", never.run);
    await settle(120);
    lobby.passivate();
    await settle();
    const [room] = model.rooms();
    expect(room!.timeline.at(-1)).toMatchObject({ callback: "onSetSubject", outcome: "timeout", condition: "remote-server-timeout" });
    const texts = room!.events.map((e) => e.text);
    expect(texts).toContainEqual(expect.stringMatching(/^onSetSubject timed out after 0\.\d s$/));
    expect(texts.at(-1)).toBe("room passivated");
    never.release();
  });

  it("keeps the last 200 calls of a room, oldest dropped first", () => {
    const timeline = new CallTimeline();
    for (let i = 0; i < 250; i++) {
      timeline.queued(`q${i}`, "message", i);
      timeline.started(`q${i}`, "message", i);
      timeline.settled(`q${i}`, i + 1, { ok: true });
    }
    const bars = timeline.bars();
    expect(bars).toHaveLength(200);
    expect([bars[0]!.id, bars.at(-1)!.id]).toEqual(["q50", "q249"]);
  });
});

describe("the inspector's events in words", () => {
  const user = "#1f2e3d4c@localhost";
  it.each([
    [{ type: "join.ready", dir: "out", who: "#a0b1c2d3" }, "#1f2e3d4c@localhost/#a0b1c2d3 joined", "joins"],
    [{ type: "request", dir: "in", kind: "setSubject", waiting: 2 }, "setSubject queued (2 waiting)", "requests"],
    [{ type: "request.settled", dir: "out", kind: "setSubject", ok: true, callback: "onSetSubject", durationMs: 1234 }, "onSetSubject took 1.2 s", "callbacks"],
    [{ type: "request.settled", dir: "out", kind: "setSubject", ok: false, condition: "item-not-found", callback: "onSetSubject" }, "onSetSubject failed: item-not-found", "callbacks"],
    [{ type: "request.settled", dir: "out", kind: "setConfig", ok: false, condition: "resource-constraint" }, "setConfig refused: resource-constraint", "requests"],
    [{ type: "xstate.after.callbackTimeout.fetching", dir: "in", callback: "updateInfo", timedOut: true, durationMs: 30_000 }, "updateInfo timed out after 30.0 s", "callbacks"],
    [{ type: "request.started", dir: "out", kind: "setConfig", durationMs: 1_840 }, "setConfig started after waiting 1.8 s", "requests"],
    [{ type: "request.started", dir: "out", kind: "setConfig", durationMs: 2 }, "setConfig started", "requests"],
    [{ type: "passivated", dir: "note" }, "room passivated", "lifecycle"],
    [{ type: "requests.settled", dir: "in" }, "the request runner reports the requests that settled", "internal"],
  ] as const)("%o says %s", (facts, text, category) => {
    expect(describeEvent({ at: 0, ...facts }, user)).toEqual({ text, category });
  });

  it("uses hashed names by default: no JID, resource or nick in any sentence; the real ones with detail", async () => {
    const plain = new InspectorModel({ chart });
    const detailed = new InspectorModel({ chart, detail: true });
    const h = fixtureHarness(lobbyFixture());
    const registry = new RoomRegistry({ domain: DOMAIN, outbox: { send() {}, sendAll() {} }, mailboxSize: 10, callbackTimeoutMs: 5000, maxRooms: 10 });
    plain.watch(registry.rooms);
    detailed.watch(registry.rooms);
    const lobby = await registry.get((await h.sessions.get(ALICE))!, "lobby");
    lobby.join(joinPresence("lobby", "alice-nick", "alices-phone"), "alices-phone", "alice-nick");
    await settle(30);
    const [room] = plain.rooms();
    const joined = room!.events.find((e) => e.type === "join.ready")!.text;
    expect(joined).toMatch(new RegExp(`^${room!.user.replace(/[.]/g, "\\.")}/#[0-9a-f]{8} joined$`));
    const texts = room!.events.map((e) => e.text).join("\n");
    for (const secret of ["alice", "lobby", "phone"]) expect(texts).not.toContain(secret);
    expect(detailed.rooms()[0]!.events.find((e) => e.type === "join.ready")!.text).toBe(`${ALICE}/alices-phone joined`);
  });
});

describe("finding a room by JID", () => {
  const open: Inspector[] = [];
  afterEach(async () => {
    for (const i of open.splice(0)) await i.close();
  });

  it("normalises a JID typed in mixed case with a resource to the bare JID in lower case", () => {
    expect(normaliseJid("  Lobby@MUC.Example.org/Alice's Phone ")).toBe(LOBBY);
    expect(normaliseJid("xmpp:ALICE@example.org")).toBe(ALICE);
  });

  it("finds the room by its JID or its user's JID, and answers only room ids over POST /api/find", async () => {
    const inspector = await createInspector();
    open.push(inspector);
    const h = fixtureHarness(lobbyFixture());
    const registry = new RoomRegistry({ domain: DOMAIN, outbox: { send() {}, sendAll() {} }, mailboxSize: 10, callbackTimeoutMs: 5000, maxRooms: 10 });
    inspector.watch(registry.rooms);
    await registry.get((await h.sessions.get(ALICE))!, "lobby");
    const find = (jid: unknown, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
      fetch(`${inspector.url}api/find`, { method: "POST", headers, body: JSON.stringify({ jid }) });
    const byRoom = await find("LOBBY@muc.example.ORG/someone");
    expect(byRoom.status).toBe(200);
    const text = await byRoom.text();
    expect(JSON.parse(text)).toEqual({ found: [{ id: "r1", as: "room" }] });
    expect(text).not.toContain("lobby");
    expect(await (await find("Alice@Example.org/phone")).json()).toEqual({ found: [{ id: "r1", as: "user" }] });
    expect(await (await find("nobody@example.org")).json()).toEqual({ found: [] });
    expect((await find(LOBBY, { "Content-Type": "text/plain" })).status).toBe(415);
    expect((await fetch(`${inspector.url}api/find?jid=${LOBBY}`)).status).toBe(405);
    expect((await find(42)).status).toBe(400);
  });

  it("allows 5 searches at once, then one a second: a script cannot try names quickly", async () => {
    let now = 0;
    const limiter = new SearchLimiter({ now: () => now });
    expect([1, 2, 3, 4, 5, 6].map(() => limiter.take())).toEqual([0, 0, 0, 0, 0, 1000]);
    now = 500;
    expect(limiter.take()).toBe(500);
    now = 1000;
    expect(limiter.take()).toBe(0);
    const inspector = await createInspector();
    open.push(inspector);
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      const response = await fetch(`${inspector.url}api/find`, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"jid":"a@b"}' });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.at(-1)).toBe(429);
  });
});
