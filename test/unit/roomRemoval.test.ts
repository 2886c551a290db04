/**
 * A room that ends: destroyed by its owner, or the user taken out of it (by the plugin with
 * `session.removeRoom`, or by the user with an XEP-0077 `<remove/>`). Its rows leave the store,
 * as slidge deletes them, and it comes back only when the legacy network lists it again.
 */
import { join } from "node:path";
import { type Element, xml } from "@xmpp/component";
import { afterEach, describe, expect, it } from "vitest";
import type { FixtureSession } from "../../src/demo/fixtureNetwork.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import type { Store } from "../../src/store/types.js";
import { removeTempDirs, tempDir } from "../store/helpers.js";
import { ALICE, DOMAIN, conditionOf, endsJoin, fixtureHarness, iq, joined, joinPresence, lobbyFixture, summary } from "../helpers/harness.js";

const ROOM = `lobby@${DOMAIN}`;
const KEY = { user: ALICE, room: ROOM };
const MUC_USER = "http://jabber.org/protocol/muc#user";
const REGISTER = "jabber:iq:register";
const NO_RETENTION = { retentionDays: Number.POSITIVE_INFINITY };
const destroyIq = (id: string) => iq("set", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }, xml("destroy", {}, xml("reason", {}, "done"))), id);
const disco = (id: string) => iq("get", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), id);
const rename = (id: string) =>
  iq("set", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, id)))), id);

afterEach(removeTempDirs);

type Harness = ReturnType<typeof fixtureHarness>;

/** Joins the lobby and has bob and the user say something, so that the room has rows of every kind. */
async function busyLobby(h: Harness, resources = ["phone"]) {
  const actor = await joined(h, "lobby", resources);
  (await actor.room.getParticipant("bob")).sendText("hi", { legacyId: "m1" });
  h.route(xml("message", { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id: "u1" }, xml("body", {}, "hello")));
  await h.until(() => h.sent.some((s) => s.attrs.id === "u1"));
  h.take();
  expect(h.store.queryArchive(KEY).count).toBe(2);
  expect(h.store.getParticipants(KEY).length).toBeGreaterThan(0);
  return actor;
}

/** The 307 self-presence as the user sees it: element, namespace, item, reason and status codes. */
function removedShape(s: Element) {
  const x = s.getChild("x", MUC_USER)!;
  const item = x.getChild("item", MUC_USER)!;
  return {
    presence: `${s.name} ${s.attrs.type} ${s.attrs.from} -> ${s.attrs.to}`,
    item: { ...item.attrs },
    reason: item.getChildText("reason"),
    codes: x.getChildren("status").map((c) => c.attrs.code),
  };
}

function expectNoRows(store: Store): void {
  expect(store.getRoom(ALICE, ROOM)).toBeUndefined();
  expect(store.listRooms(ALICE).map((r) => r.room)).not.toContain(ROOM);
  expect(store.getParticipants(KEY)).toEqual([]);
  expect(store.queryArchive(KEY).count).toBe(0);
}

const stores: Array<[string, () => Store]> = [
  ["memory", () => createMemoryStore(NO_RETENTION)],
  ["sqlite", () => openSqliteStore(join(tempDir(), "store.db"), NO_RETENTION)],
];

describe.each(stores)("a room that ends, with the %s store", (_name, open) => {
  it("destroyed: its info, participants and archive are deleted", async () => {
    const store = open();
    const h = fixtureHarness(lobbyFixture(), { store });
    await busyLobby(h);
    h.route(destroyIq("d"));
    await h.settle();
    expect(h.take().map(summary)).toEqual([`presence/unavailable ${ROOM}/alice -> ${ALICE}/phone [110]`, `iq/result ${ROOM} -> ${ALICE}/phone`]);
    expectNoRows(store);
    store.close();
  });

  it("the user removed by the plugin: 307 to every joined resource, the request in flight gets item-not-found, the rows go", async () => {
    const store = open();
    const h = fixtureHarness(lobbyFixture({ delayMs: { requests: 30 } }), { store });
    const actor = await busyLobby(h, ["phone", "laptop"]);
    h.route(rename("in-flight"));
    h.route(rename("queued"));
    await h.settle(5);
    const session = (await h.sessions.get(ALICE)) as FixtureSession;
    await session.removeRoom("lobby", { reason: "Kicked on the legacy network" });
    await h.settle(50);
    const out = h.take();
    expect(out.slice(0, 2).map(removedShape)).toEqual(
      ["phone", "laptop"].map((r) => ({
        presence: `presence unavailable ${ROOM}/alice -> ${ALICE}/${r}`,
        item: { affiliation: "member", role: "none", jid: `${ALICE}/${r}` },
        reason: "Kicked on the legacy network",
        codes: ["100", "110", "307"],
      })),
    );
    expect(out.slice(2).map((s) => `${s.attrs.id} ${conditionOf(s)}`)).toEqual(["in-flight item-not-found", "queued item-not-found"]);
    expectNoRows(store);
    expect(h.registry.peek(ALICE, ROOM)).toBeUndefined();
    // The plugin's old room object is detached: what it still does goes nowhere and stores nothing.
    (await actor.room.getParticipant("bob")).sendText("too late", { legacyId: "m2" });
    actor.room.subject = "too late";
    await h.settle();
    expect(h.take()).toEqual([]);
    expectNoRows(store);
    // The legacy network still lists the room: the next stanza makes it anew, empty.
    h.route(disco("again"));
    await h.settle(20);
    expect(h.take().map((s) => s.attrs.type)).toEqual(["result"]);
    expect(store.queryArchive(KEY).count).toBe(0);
    store.close();
  });
});

describe("removing the user silently", () => {
  it("with kick: false, a joined resource gets no presence, yet the room ends and its rows go", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await busyLobby(h);
    await (await h.sessions.get(ALICE))!.removeRoom(actor.room, { kick: false });
    await h.settle();
    expect(h.take()).toEqual([]);
    expect(actor.snapshot.status).toBe("done");
    expectNoRows(h.store);
  });
});

describe("removing the user from a room that is not running", () => {
  it("a passivated room sends nothing and loses its rows; its next activation runs every callback again", async () => {
    const h = fixtureHarness({ ...lobbyFixture(), rooms: [...lobbyFixture().rooms, { id: "other" }] }, { maxRooms: 1 });
    const held = (await busyLobby(h)).room; // the plugin may keep the room object
    h.route(xml("presence", { from: `${ALICE}/phone`, to: `${ROOM}/alice`, type: "unavailable" }));
    h.route(iq("get", `other@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "evict"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "evict"));
    h.take();
    expect(h.registry.peek(ALICE, ROOM)).toBeUndefined();
    await (await h.sessions.get(ALICE))!.removeRoom("lobby");
    expect(h.take()).toEqual([]);
    expectNoRows(h.store);
    // What the plugin still does with its old object cannot write the rows back.
    held.subject = "after the removal";
    (await held.getParticipant("bob")).sendText("after the removal", { legacyId: "late" });
    expectNoRows(h.store);
    // Not re-activated as the passivated room (whose participants were filled): fillParticipants runs again.
    h.route(joinPresence("lobby", "alice", "phone", "again"));
    await h.until(() => h.sent.some(endsJoin(ROOM, "phone")));
    const occupants = h.take().filter((s) => s.is("presence") && s.attrs.from !== `${ROOM}/alice`).map((s) => s.attrs.from);
    expect(occupants).toEqual([`${ROOM}/bob`, `${ROOM}/carol`]);
  });
});

describe("XEP-0077 <remove/> to a room", () => {
  it("calls onLeaveGroup, answers the iq, then sends 307 with slidge's reason; the room is gone", async () => {
    const h = fixtureHarness(lobbyFixture());
    await busyLobby(h, ["phone", "laptop"]);
    h.route(iq("set", ROOM, xml("query", { xmlns: REGISTER }, xml("remove")), "leave"));
    await h.settle(20);
    const out = h.take();
    expect(out.map(summary)).toEqual([
      `iq/result ${ROOM} -> ${ALICE}/phone`,
      `presence/unavailable ${ROOM}/alice -> ${ALICE}/phone [100,110,307]`,
      `presence/unavailable ${ROOM}/alice -> ${ALICE}/laptop [100,110,307]`,
    ]);
    expect(out[0]!.attrs.id).toBe("leave");
    expect(out.slice(1).map((s) => s.getChild("x", MUC_USER)!.getChild("item", MUC_USER)!.getChildText("reason"))).toEqual([
      "You left this chat from an XMPP client.",
      "You left this chat from an XMPP client.",
    ]);
    expectNoRows(h.store);
    // The fixture network forgets the user in that room: it no longer lists it.
    h.route(joinPresence("lobby", "alice", "phone", "rejoin"));
    await h.settle(20);
    expect(h.take().map((s) => `${s.attrs.id} ${conditionOf(s)}`)).toEqual(["rejoin item-not-found"]);
  });

  it("a get, or a set without <remove/>, is feature-not-implemented; a plugin without onLeaveGroup too, and the room stays", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await busyLobby(h);
    h.route(iq("get", ROOM, xml("query", { xmlns: REGISTER }), "form"));
    h.route(iq("set", ROOM, xml("query", { xmlns: REGISTER }, xml("username", {}, "alice")), "register"));
    const session = (await h.sessions.get(ALICE)) as FixtureSession;
    session.onLeaveGroup = Object.getPrototypeOf(Object.getPrototypeOf(session)).onLeaveGroup;
    h.route(iq("set", ROOM, xml("query", { xmlns: REGISTER }, xml("remove")), "leave"));
    await h.settle(20);
    expect(h.take().map((s) => `${s.attrs.id} ${conditionOf(s)}`)).toEqual([
      "form feature-not-implemented",
      "register feature-not-implemented",
      "leave feature-not-implemented",
    ]);
    expect(actor.snapshot.context.resources).toEqual(["phone"]);
    expect(h.store.getRoom(ALICE, ROOM)).toBeDefined();
  });
});

describe("a destroyed room after a restart (SQLite)", () => {
  async function destroyedInFile(): Promise<string> {
    const path = join(tempDir(), "store.db");
    const store = openSqliteStore(path, NO_RETENTION);
    const h = fixtureHarness(lobbyFixture(), { store });
    await busyLobby(h);
    h.route(destroyIq("d"));
    await h.settle();
    h.registry.shutdown();
    store.close();
    return path;
  }

  it("does not come back when the legacy network no longer lists it", async () => {
    const store = openSqliteStore(await destroyedInFile(), NO_RETENTION);
    const h = fixtureHarness({ ...lobbyFixture(), rooms: [{ id: "other" }] }, { store });
    h.route(disco("after-restart"));
    await h.settle(20);
    expect(h.take().map((s) => `${s.attrs.id} ${conditionOf(s)}`)).toEqual(["after-restart item-not-found"]);
    expectNoRows(store);
    store.close();
  });

  it("comes back empty when the legacy network lists it again: no history, no archive", async () => {
    const store = openSqliteStore(await destroyedInFile(), NO_RETENTION);
    const h = fixtureHarness(lobbyFixture(), { store });
    h.route(joinPresence("lobby", "alice"));
    await h.settle(20);
    expect(h.take().filter((s) => s.getChild("body")).map(summary)).toEqual([]);
    expect(store.queryArchive(KEY).count).toBe(0);
    store.close();
  });
});
