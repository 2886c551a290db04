/**
 * The live inspector: its model following real room actors through the registry's `rooms`
 * (`gateway.rooms`), and its HTTP side (token, Host check, JSON, server-sent events) on a
 * loopback port.
 */
import { request as httpRequest } from "node:http";
import { xml } from "@xmpp/component";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RoomRegistry } from "../../src/actors/registry.js";
import type { RequestHandler } from "../../src/actors/RoomActor.js";
import { toChartJson } from "../../src/inspect/chart.js";
import { type Inspector, createInspector, groupByUser } from "../../src/inspect/inspector.js";
import { InspectorModel, type RoomView } from "../../src/inspect/inspectorState.js";
import { XMPPError } from "../../src/legacy/errors.js";
import { roomMachine } from "../../src/machines/roomMachine.js";
import { ALICE, DOMAIN, fixtureHarness, groupchat, iq, joinPresence, lobbyFixture } from "../helpers/harness.js";

const BOB = "bob@example.org";
const LOBBY = `lobby@${DOMAIN}`;
const chart = toChartJson(roomMachine);
const sink = { send() {}, sendAll() {} };
const configSet = (id: string) => iq("set", LOBBY, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }), id);
type Watcher = { watch(rooms: RoomRegistry["rooms"]): unknown };
const settle = (ms = 10) => new Promise((r) => setTimeout(r, ms));

/** A request handler that resolves when told. */
function deferred(): { run: RequestHandler; resolve: () => void } {
  let resolve = () => {};
  const done = new Promise<void>((r) => (resolve = r));
  const run: RequestHandler = async () => {
    await done;
    return () => [];
  };
  return { run, resolve: () => resolve() };
}

/** Real room actors of the fixture network, followed by `watchers` (inspector models, an inspector). */
function inspectedGateway(watchers: Watcher | Watcher[], fixture: unknown = twoUsers()) {
  const h = fixtureHarness(fixture);
  const registry = new RoomRegistry({ domain: DOMAIN, outbox: sink, mailboxSize: 100, callbackTimeoutMs: 5000, maxRooms: 10 });
  for (const w of [watchers].flat()) w.watch(registry.rooms);
  const room = async (user: string, local: string, r: RoomRegistry = registry) => r.get((await h.sessions.get(user))!, local);
  return { registry, room, sessions: h.sessions };
}

function twoUsers(overrides: Record<string, unknown> = {}) {
  const fixture = lobbyFixture(overrides, [ALICE, BOB]);
  fixture.rooms.push({ ...fixture.rooms[0]!, id: "other", name: "Other" });
  return fixture;
}

const byRoom = (model: InspectorModel, user: string, room: string): RoomView => {
  const view = model.rooms().find((r) => r.user === user && r.room === room);
  if (!view) throw new Error(`no ${user} ${room} in ${JSON.stringify(model.rooms().map((r) => [r.user, r.room]))}`);
  return view;
};

describe("the inspector's model of the room actors", () => {
  it("lists every room actor grouped by user, with its lifecycle state and active states", async () => {
    const model = new InspectorModel({ chart, detail: true });
    const gw = inspectedGateway(model);
    const lobby = await gw.room(ALICE, "lobby");
    await gw.room(ALICE, "other");
    await gw.room(BOB, "lobby");
    lobby.join(joinPresence("lobby", "alice"), "phone", "alice");
    await settle();
    const groups = groupByUser(model.rooms());
    expect(groups.map((g) => [g.user, g.rooms.map((r) => r.room)])).toEqual([
      [ALICE, [LOBBY, `other@${DOMAIN}`]],
      [BOB, [LOBBY]],
    ]);
    const joined = byRoom(model, ALICE, LOBBY);
    expect(joined).toMatchObject({ status: "active", state: "joined.live", resources: 1, mailbox: 0, mailboxSize: 100, calls: [] });
    expect(joined.activeStates).toEqual(expect.arrayContaining(["room", "room.active", "joined", "room.active.lifecycle.joined.live", "room.active.mailbox.waiting"]));
    expect(byRoom(model, BOB, LOBBY).state).toBe("infoFetched.idle");
    expect(joined.events.map((e) => `${e.dir} ${e.type}`)).toEqual(expect.arrayContaining(["in xstate.init", "in join", "out join.ready"]));
  });

  it("shows the callback in flight with its elapsed time, and the mailbox depth while a slow request runs", async () => {
    let now = 1_000;
    const model = new InspectorModel({ chart, now: () => now });
    const gw = inspectedGateway(model, twoUsers({ delayMs: { updateInfo: 30 } }));
    const actor = await gw.room(ALICE, "lobby");
    const [fetching] = model.rooms();
    expect(fetching).toMatchObject({ state: "uninitialized.fetching", calls: [{ callback: "updateInfo", elapsedMs: 0 }] });
    now += 25;
    expect(model.rooms()[0]!.calls[0]!.elapsedMs).toBe(25);
    await actor.read("info");

    const slow = [deferred(), deferred(), deferred()];
    for (const [i, d] of slow.entries()) actor.request(configSet(`c${i}`), "setConfig", d.run);
    // Requests after the first of a synchronous run reach the machine at its end, as one event.
    await Promise.resolve();
    const running = model.rooms()[0]!;
    expect(running.mailbox).toBe(2);
    expect(running.calls).toEqual([{ callback: "runRequest", kind: "setConfig", requestId: expect.any(String), elapsedMs: 0 }]);
    now += 1500;
    expect(model.rooms()[0]!.calls[0]!.elapsedMs).toBe(1500);
    slow[0]!.resolve();
    await settle();
    const next = model.rooms()[0]!;
    expect(next.mailbox).toBe(1);
    expect(next.calls[0]!.requestId).not.toBe(running.calls[0]!.requestId);
    expect(next.calls[0]!.elapsedMs).toBe(0);
    slow[1]!.resolve();
    slow[2]!.resolve();
    await settle();
    expect(model.rooms()[0]).toMatchObject({ mailbox: 0, calls: [] });
    const settled = model.rooms()[0]!.events.filter((e) => e.type === "request.settled");
    expect(settled.map((e) => [e.dir, e.ok])).toEqual([["out", true], ["out", true], ["out", true]]);
  });

  it("keeps only the last 50 events of a room (or maxEvents)", async () => {
    const model = new InspectorModel({ chart });
    const small = new InspectorModel({ chart, maxEvents: 5 });
    const gw = inspectedGateway([model, small]);
    const actor = await gw.room(ALICE, "lobby");
    await actor.read("info");
    for (let i = 0; i < 30; i++) actor.request(configSet(`c${i}`), "setConfig", async () => () => []);
    await Promise.resolve();
    const lastId = (actor.snapshot.context.mailbox.at(-1) ?? actor.snapshot.context.current)?.id;
    const settledLast = () => model.rooms()[0]!.events.some((e) => e.type === "request.settled" && e.id === lastId);
    await vi.waitFor(() => expect(settledLast()).toBe(true), { timeout: 10_000 });
    const events = model.rooms()[0]!.events;
    expect(events).toHaveLength(50);
    expect(events.at(-1)).toMatchObject({ dir: "out", type: "request.settled", ok: true });
    expect(small.rooms()[0]!.events).toHaveLength(5);
  });

  it("shows passivated and destroyed rooms as such, a re-activated room as active again, and a shutdown as stopped", async () => {
    const model = new InspectorModel({ chart, detail: true });
    const gw = inspectedGateway(model);
    const lobby = await gw.room(ALICE, "lobby");
    await lobby.read("info");
    lobby.passivate();
    await settle();
    const passivated = byRoom(model, ALICE, LOBBY);
    expect(passivated).toMatchObject({ status: "passivated", state: "infoFetched.idle", calls: [] });
    const again = new RoomRegistry({ domain: DOMAIN, outbox: sink, mailboxSize: 10, callbackTimeoutMs: 5000, maxRooms: 10 });
    model.watch(again.rooms);
    await gw.room(ALICE, "lobby", again);
    await settle();
    expect(byRoom(model, ALICE, LOBBY)).toMatchObject({ id: passivated.id, status: "active" });
    const other = await gw.room(ALICE, "other", again);
    other.request(configSet("d"), "destroy", async () => () => []);
    await settle();
    expect(byRoom(model, ALICE, `other@${DOMAIN}`)).toMatchObject({ status: "destroyed", state: "destroyed", activeStates: ["room", "room.destroyed"] });
    model.markShutdown();
    again.shutdown();
    await settle();
    expect(byRoom(model, ALICE, LOBBY).status).toBe("stopped");
    expect(model.rooms()).toHaveLength(2);
  });

  it("shows a destroyed room and a room the user was removed from with 0 joined resources", async () => {
    const model = new InspectorModel({ chart, detail: true });
    const gw = inspectedGateway(model);
    const resources = ["phone", "laptop"];
    const lobby = await gw.room(ALICE, "lobby");
    const other = await gw.room(ALICE, "other");
    for (const room of [lobby, other]) for (const r of resources) room.join(joinPresence(room.room.legacyId, "alice", r, `join-${r}`), r, "alice");
    await settle(20);
    expect([LOBBY, `other@${DOMAIN}`].map((room) => byRoom(model, ALICE, room).resources)).toEqual([2, 2]);
    lobby.request(configSet("d"), "destroy", async () => () => []);
    other.removeUser({ reason: "kicked" });
    await settle();
    expect(byRoom(model, ALICE, LOBBY)).toMatchObject({ status: "destroyed", state: "destroyed", resources: 0 });
    expect(byRoom(model, ALICE, `other@${DOMAIN}`)).toMatchObject({ status: "removed", state: "removed", resources: 0 });
    const json = JSON.parse(JSON.stringify(groupByUser(model.rooms())));
    expect(json.flatMap((g: { rooms: RoomView[] }) => g.rooms.map((r) => `${r.status} ${r.resources}`))).toEqual(["destroyed 0", "removed 0"]);
  });

  it("shows no JID, resource, message body or error text by default, and all but bodies (which never reach the machine) with detail", async () => {
    const plain = new InspectorModel({ chart });
    const detailed = new InspectorModel({ chart, detail: true });
    const gw = inspectedGateway([plain, detailed]);
    const actor = await gw.room(ALICE, "lobby");
    actor.join(joinPresence("lobby", "alice", "alices-phone"), "alices-phone", "alice");
    actor.request(groupchat("lobby", "my secret body"), "message", async (room) => {
      await room.onText("my secret body", {});
      return () => [];
    });
    actor.request(configSet("x"), "setConfig", async () => {
      throw new XMPPError("not-allowed", "only carol-legacy-id may rename");
    });
    await settle(30);
    const shown = JSON.stringify(plain.rooms());
    for (const secret of [ALICE, "alice@", "lobby@", "alices-phone", "carol", "my secret body"]) expect(shown).not.toContain(secret);
    const [room] = plain.rooms();
    expect(room!.user).toMatch(/^#[0-9a-f]{8}@example\.org$/);
    expect(room!.room).toMatch(/^#[0-9a-f]{8}@muc\.example\.org$/);
    expect(room!.events.find((e) => e.type === "request.settled" && !e.ok)).toMatchObject({ condition: "not-allowed" });
    expect(room!.context).toBeUndefined();
    const full = JSON.stringify(detailed.rooms());
    for (const shownWithDetail of [ALICE, LOBBY, "alices-phone", "only carol-legacy-id may rename"]) expect(full).toContain(shownWithDetail);
    expect(full).not.toContain("my secret body");
  });

  it("follows only root room actors, never the invoked callbacks, and ignores other root actors", async () => {
    const model = new InspectorModel({ chart });
    const gw = inspectedGateway(model);
    const actor = await gw.room(ALICE, "lobby");
    await actor.read("info");
    const { createActor, fromPromise } = await import("xstate");
    createActor(fromPromise(async () => 1), { inspect: (e) => model.observe(e) }).start();
    await settle();
    expect(model.rooms()).toHaveLength(1);
  });
});

describe("the inspector's server", () => {
  const open: Inspector[] = [];
  afterEach(async () => {
    for (const i of open.splice(0)) await i.close();
  });
  const start = async (options: Parameters<typeof createInspector>[0] = {}) => {
    const inspector = await createInspector(options);
    open.push(inspector);
    return inspector;
  };

  it("refuses to listen beyond loopback without a token, naming the option", async () => {
    await expect(createInspector({ host: "0.0.0.0" })).rejects.toThrow(TypeError);
    await expect(createInspector({ host: "192.0.2.1" })).rejects.toThrow(/token option is required/);
    await expect(createInspector({ port: 70_000 })).rejects.toThrow(/port option/);
    await expect(createInspector({ maxEvents: 0 })).rejects.toThrow(/maxEvents option/);
  });

  it("answers 401 without the token, and serves with it as a query or a Bearer header", async () => {
    const inspector = await start({ token: "s3cret" });
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=s3cret$/);
    const base = inspector.url.replace(/\?.*$/, "");
    expect((await fetch(`${base}api/rooms`)).status).toBe(401);
    expect((await fetch(`${base}api/rooms?token=wrong`)).status).toBe(401);
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(`${base}api/rooms?token=s3cret`)).status).toBe(200);
    expect((await fetch(`${base}api/chart`, { headers: { Authorization: "Bearer s3cret" } })).status).toBe(200);
  });

  it("refuses a foreign Host header without a token (DNS rebinding)", async () => {
    const inspector = await start();
    const { port } = new URL(inspector.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/api/rooms", headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
    expect((await fetch(`${inspector.url}api/rooms`)).status).toBe(200);
  });

  it("serves the page, the chart, the rooms grouped by user, and pushes changes as server-sent events", async () => {
    const inspector = await start();
    const gw = inspectedGateway(inspector);
    const page = await fetch(inspector.url);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'nonce-/);
    const html = await page.text();
    expect(html).toContain('data-testid="room-list"');
    expect(html).not.toMatch(/https?:\/\//);
    const svg = await (await fetch(`${inspector.url}chart.svg`)).text();
    expect(svg).toContain("<title>participantsFilled</title>");
    expect(await (await fetch(`${inspector.url}api/chart`)).json()).toMatchObject({ machine: "room" });

    const events = await fetch(`${inspector.url}events`);
    const reader = events.body!.getReader();
    const received: string[] = [];
    const next = async (type: string, match: (data: any) => boolean) => {
      const decoder = new TextDecoder();
      for (;;) {
        const blocks = received.join("").split("\n\n");
        blocks.pop(); // an event still arriving, or ""
        for (const block of blocks) {
          const [head, data] = block.split("\n").filter((l) => !l.startsWith("retry"));
          if (head === `event: ${type}` && data && match(JSON.parse(data.slice(6)))) return JSON.parse(data.slice(6));
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        received.push(decoder.decode(value, { stream: true }));
      }
    };
    expect(await next("snapshot", (d) => d.users.length === 0)).toMatchObject({ detail: false });
    const actor = await gw.room(ALICE, "lobby");
    actor.join(joinPresence("lobby", "alice"), "phone", "alice");
    await next("rooms", (d) => d.rooms.some((r: RoomView) => r.state === "joined.live"));
    await gw.room(BOB, "lobby");
    await vi.waitFor(
      async () => {
        const listed = (await (await fetch(`${inspector.url}api/rooms`)).json()) as { users: Array<{ rooms: RoomView[] }> };
        expect(listed.users).toHaveLength(2);
        expect(listed.users.flatMap((g) => g.rooms.map((r) => r.state)).sort()).toEqual(["infoFetched.idle", "joined.live"]);
      },
      { timeout: 10_000, interval: 20 },
    );
    await reader.cancel();
  });
});
