/**
 * Every participant change the plugin makes reaches the store: a room that passivates and comes
 * back (or a gateway that restarts on the same SQLite file) shows the participants as the plugin
 * left them, not as `fillParticipants` first listed them.
 */
import { join } from "node:path";
import { type Element, xml } from "@xmpp/component";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import type { Store } from "../../src/store/types.js";
import { removeTempDirs, tempDir } from "../store/helpers.js";
import { ALICE, DOMAIN, endsJoin, fixtureHarness, iq, joined, joinPresence, lobbyFixture } from "../helpers/harness.js";

const LOBBY = `lobby@${DOMAIN}`;
const KEY = { user: ALICE, room: LOBBY };
const MUC_USER = "http://jabber.org/protocol/muc#user";
/** The lobby (bob, carol) and a second room, whose traffic makes the lobby passivate under `maxRooms: 1`. */
const FIXTURE = { ...lobbyFixture(), rooms: [...lobbyFixture().rooms, { id: "other" }] };

afterEach(removeTempDirs);

type Harness = ReturnType<typeof fixtureHarness>;

/** The occupants a fresh join shows: `resource affiliation/role`, the user left out. */
async function occupantsOnJoin(h: Harness, id: string): Promise<string[]> {
  h.route(joinPresence("lobby", "alice", "phone", id));
  await h.until(() => h.sent.some(endsJoin(LOBBY, "phone")));
  const presences = h.take().filter((s: Element) => s.is("presence") && s.attrs.from !== `${LOBBY}/alice`);
  return presences.map((s) => {
    const item = s.getChild("x", MUC_USER)!.getChild("item", MUC_USER)!;
    return `${String(s.attrs.from).split("/")[1]} ${item.attrs.affiliation}/${item.attrs.role}`;
  });
}

/** Leaves the lobby and sends a stanza to the other room, which evicts (passivates) the idle lobby. */
async function passivateLobby(h: Harness): Promise<void> {
  h.route(xml("presence", { from: `${ALICE}/phone`, to: `${LOBBY}/alice`, type: "unavailable" }));
  await h.settle();
  h.route(iq("get", `other@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "evict"));
  await h.until(() => h.sent.some((s) => s.attrs.id === "evict"));
  h.take();
  expect(h.registry.peek(ALICE, LOBBY)).toBeUndefined();
}

/** What the plugin does after the list was filled: a kick, a rename, a newcomer, an affiliation and a role change. */
async function changeParticipants(h: Harness): Promise<void> {
  const room = (await joined(h, "lobby")).room;
  (await room.getParticipant("carol")).kick("spam");
  (await room.getParticipant("bob")).rename("robert");
  const dave = await room.getParticipantByContact("dave-id", "dave");
  dave.affiliation = "admin";
  dave.role = "moderator";
  await h.settle();
  h.take();
}

const stores: Array<[string, () => Store]> = [
  ["memory", () => createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY })],
  ["sqlite", () => openSqliteStore(join(tempDir(), "store.db"), { retentionDays: Number.POSITIVE_INFINITY })],
];

describe.each(stores)("participant changes with the %s store", (_name, open) => {
  it("a kicked participant stays gone, a renamed one comes back renamed, a newcomer comes back with its affiliation and role", async () => {
    const store = open();
    const h = fixtureHarness(FIXTURE, { maxRooms: 1, store });
    await changeParticipants(h);
    await passivateLobby(h);
    expect(await occupantsOnJoin(h, "rejoin")).toEqual(["robert owner/moderator", "dave admin/moderator"]);
    expect(store.getParticipants(KEY).map((p) => [p.nickname, p.resource, p.contact])).toEqual([
      ["robert", "robert", "bob-legacy-id"],
      ["dave", "dave", "dave-id"],
    ]);
    h.registry.shutdown();
    store.close();
  });
});

describe("participant changes across a gateway restart (SQLite)", () => {
  it("are in the file; the next run lists what fillParticipants finds, without the earlier run's rows", async () => {
    const path = join(tempDir(), "store.db");
    const options = { retentionDays: Number.POSITIVE_INFINITY };
    let store = openSqliteStore(path, options);
    const first = fixtureHarness(FIXTURE, { maxRooms: 1, store });
    await changeParticipants(first);
    first.registry.shutdown();
    store.close();

    store = openSqliteStore(path, options);
    expect(store.getParticipants(KEY).map((p) => `${p.resource} ${p.affiliation}/${p.role}`)).toEqual([
      "robert owner/moderator",
      "dave admin/moderator",
    ]);
    // The next run: the room activates (updateInfo only), passivates, then a join fills it anew.
    const second = fixtureHarness(FIXTURE, { maxRooms: 1, store });
    second.route(iq("get", LOBBY, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "wake"));
    await second.until(() => second.sent.some((s) => s.attrs.id === "wake"));
    second.route(iq("get", `other@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "evict"));
    await second.until(() => second.sent.some((s) => s.attrs.id === "evict"));
    second.take();
    expect(second.registry.peek(ALICE, LOBBY)).toBeUndefined();
    expect(await occupantsOnJoin(second, "join")).toEqual(["bob owner/moderator", "carol member/participant"]);
    await second.settle(); // the rows are written once the join sequence is out
    expect(store.getParticipants(KEY).map((p) => p.resource)).toEqual(["bob", "carol"]);
    second.registry.shutdown();
    store.close();
  });
});

describe("the participant rows of a first join", () => {
  it("are written after the join sequence went out (the join does not wait for the store), and hold the list the join showed", async () => {
    const store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
    const h = fixtureHarness(FIXTURE, { store });
    const put = store.putParticipants.bind(store);
    /** What the user had received, as `name xmlns`, when the participant list was written. */
    const sentBeforeWrite: string[][] = [];
    store.putParticipants = (key, participants) => {
      sentBeforeWrite.push(h.sent.map((s) => `${s.name} ${s.getChild("subject") ? "subject" : (s.attrs.from as string).split("/")[1]}`));
      return put(key, participants);
    };
    h.route(joinPresence("lobby", "alice", "phone", "first"));
    await h.until(() => h.sent.some(endsJoin(LOBBY, "phone")));
    await h.settle();
    expect(sentBeforeWrite).toEqual([["presence bob", "presence carol", "presence alice", "message subject"]]);
    expect(store.getParticipants(KEY).map((p) => p.resource)).toEqual(["bob", "carol"]);
    h.registry.shutdown();
  });
});
