/**
 * The three defects issue 14 fixed by putting every stage in the room machine, each with a test
 * that fails if it comes back: a removed participant restored by passivation, a mute that
 * outlives its callback, and a plugin broadcast that waited for the request it came from.
 */
import { join } from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { type Element, xml } from "@xmpp/component";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import type { Store } from "../../src/store/types.js";
import { removeTempDirs, tempDir } from "../store/helpers.js";
import { ALICE, DOMAIN, conditionOf, endsJoin, groupchat, iq, joined, joinPresence } from "../helpers/harness.js";
import { type Gate, STAGE, STANZAS_NS, gate, qualified, stageHarness, subjectChange } from "../helpers/stageRoom.js";
import { isQualified, qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const KEY = { user: ALICE, room: STAGE };
const MUC_USER = "http://jabber.org/protocol/muc#user";
const occupants = (out: Element[]) =>
  out.filter((s) => isQualified(s, "{jabber:client}presence") && s.getChild("x", MUC_USER)?.getChildren("status", MUC_USER).length === 0).map((s) => String(s.attrs.from).split("/")[1]);

afterEach(removeTempDirs);

const stores: Array<[string, () => Store]> = [
  ["memory", () => createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY })],
  ["sqlite", () => openSqliteStore(join(tempDir(), "store.db"), { retentionDays: Number.POSITIVE_INFINITY })],
];

/**
 * A stage harness over bob, carol and dave, under `maxRooms: 1` (a stanza to another room
 * passivates the idle stage room), counting `fillParticipants` calls.
 */
function passivatingHarness(store: Store) {
  const counts = { fills: 0 };
  const h = stageHarness(
    {
      async fillParticipants(room) {
        counts.fills++;
        for (const nick of ["bob", "carol", "dave"]) await room.getParticipant(nick);
      },
    },
    { maxRooms: 1, store },
  );
  const passivate = async (id: string) => {
    h.route(xml("presence", { from: `${ALICE}/phone`, to: `${STAGE}/alice`, type: "unavailable" }));
    h.route(iq("get", `other@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), id));
    await h.until(() => h.sent.some((s) => s.attrs.id === id));
    h.take();
    expect(h.registry.peek(ALICE, STAGE)).toBeUndefined();
  };
  const rejoin = async () => {
    h.route(joinPresence("stage", "alice", "phone", "rejoin"));
    await h.until(() => h.sent.some(endsJoin(STAGE, "phone")));
    return occupants(h.take());
  };
  return { h, counts, passivate, rejoin };
}

/** Collects garbage now (the flag set at run time: vitest's workers do not start with it). */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

describe.each(stores)("a removed participant is not restored by passivation (%s store)", (_name, open) => {
  it("one kicked while joined: the room re-activated from the store (the plugin kept no room object) does not list them", async () => {
    const store = open();
    const { h, counts, passivate, rejoin } = passivatingHarness(store);
    const first = new WeakRef((await joined(h, "stage")).room);
    (await first.deref()!.getParticipant("carol")).kick("spam");
    await passivate("evict");
    expect(store.getParticipants(KEY).map((p) => p.resource)).toEqual(["bob", "dave"]);
    await h.settle();
    collectGarbage();
    expect(first.deref()).toBeUndefined();

    expect(await rejoin()).toEqual(["bob", "dave"]);
    expect(counts.fills).toBe(1); // resumed: the list came from the store
    expect(store.getParticipants(KEY).map((p) => p.resource)).toEqual(["bob", "dave"]);
    h.registry.shutdown();
    store.close();
  });

  it("one removed through the room object the plugin kept while the room was passivated", async () => {
    const store = open();
    const { h, counts, passivate, rejoin } = passivatingHarness(store);
    const room = (await joined(h, "stage")).room;
    await passivate("evict");
    // The legacy network says bob left: the plugin tells the room object it kept, which wakes the room.
    (await room.getParticipant("bob")).leave();
    expect(store.getParticipants(KEY).map((p) => p.resource)).toEqual(["carol", "dave"]);
    expect(h.actor().room).toBe(room);

    expect(await rejoin()).toEqual(["carol", "dave"]);
    expect(counts.fills).toBe(1);
    h.registry.shutdown();
    store.close();
  });
});

describe("a mute ends with its callback's timeout (fillParticipants)", () => {
  it("fillParticipants timed out: not muted, later traffic saved; a retry is muted until it ends, whatever the hung call does", async () => {
    const fills: Gate[] = [gate(), gate()];
    let late = false;
    const h = stageHarness(
      {
        async fillParticipants(room) {
          const mine = fills.find((g) => !g.reached)!;
          await room.getParticipant("bob");
          await mine.wait();
          if (mine === fills[0]) late = true;
        },
      },
      { callbackTimeoutMs: 300 },
    );
    h.route(joinPresence("stage", "alice", "phone", "join-1"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "join-1"));
    const refused = h.take();
    expect(refused.map((s) => `${s.name}/${s.attrs.type} ${conditionOf(s)}`)).toEqual(["presence/error remote-server-timeout"]);
    expect(qualifiedChild(refused[0]!, "{jabber:client}error")!.getChild("remote-server-timeout", STANZAS_NS)).toBeDefined();
    const actor = h.actor();
    expect(actor.snapshot.hasTag("muted")).toBe(false);
    expect(h.view()).toMatchObject({ state: "infoFetched.idle", calls: [] });
    actor.room.subject = "After the timeout";
    expect(h.store.getRoom(ALICE, STAGE)?.subject).toBe("After the timeout");

    h.route(joinPresence("stage", "alice", "phone", "join-2"));
    await h.until(() => fills[1]!.reached);
    expect(actor.snapshot.hasTag("muted")).toBe(true);
    fills[0]!.open(); // the hung call ends now, during the retry: it neither unmutes nor saves
    await h.until(() => late);
    expect(actor.snapshot.hasTag("muted")).toBe(true);
    expect(h.store.getParticipants(KEY)).toEqual([]);
    actor.room.subject = "Set during the retry";
    expect(h.store.getRoom(ALICE, STAGE)?.subject).toBe("After the timeout");

    fills[1]!.open();
    await h.until(() => h.sent.some(endsJoin(STAGE, "phone")));
    const out = h.take();
    expect(out.map((s) => qualifiedText(s, "{jabber:client}subject") ?? null).filter((t) => t !== null)).toEqual(["Set during the retry"]);
    expect(occupants(out)).toEqual(["bob"]);
    expect(actor.snapshot.hasTag("muted")).toBe(false);
    actor.room.subject = "Live";
    expect(h.take().map(qualified)).toEqual([`{jabber:client}message/groupchat phone {jabber:client}subject[Live]`]);
  });
});

describe("a mute ends with its callback's timeout (updateInfo)", () => {
  it("updateInfo timed out: not muted, a name set then is saved; a retry is muted until it ends, and the hung call ending changes nothing", async () => {
    const fetches: Gate[] = [gate(), gate()];
    let late = false;
    const h = stageHarness(
      {
        async updateInfo() {
          const mine = fetches.find((g) => !g.reached)!;
          await mine.wait();
          if (mine === fetches[0]) late = true;
        },
      },
      { callbackTimeoutMs: 300 },
    );
    const disco = (id: string) => iq("get", STAGE, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), id);
    h.route(disco("d-1"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "d-1"));
    expect(h.take().map((s) => `${s.attrs.id} ${conditionOf(s)}`)).toEqual(["d-1 remote-server-timeout"]);
    const actor = h.actor();
    expect(actor.snapshot.hasTag("muted")).toBe(false);
    expect(h.view()).toMatchObject({ state: "uninitialized.failed", calls: [] });
    actor.room.name = "After the timeout";
    expect(h.store.getRoom(ALICE, STAGE)?.name).toBe("After the timeout");

    h.route(disco("d-2"));
    await h.until(() => fetches[1]!.reached);
    expect(h.view().calls).toEqual([{ callback: "updateInfo", elapsedMs: expect.any(Number) }]);
    actor.room.name = "Set during the retry";
    fetches[0]!.open(); // the hung call ends now, during the retry: it neither unmutes nor saves
    await h.until(() => late);
    expect(actor.snapshot.hasTag("muted")).toBe(true);
    expect(h.store.getRoom(ALICE, STAGE)?.name).toBe("After the timeout");

    fetches[1]!.open();
    await h.until(() => h.sent.some((s) => s.attrs.id === "d-2"));
    const info = h.take()[0]!.getChild("query", "http://jabber.org/protocol/disco#info")!;
    expect(info.getChild("identity", "http://jabber.org/protocol/disco#info")?.attrs.name).toBe("Set during the retry");
    expect(h.store.getRoom(ALICE, STAGE)?.name).toBe("Set during the retry");
    expect(actor.snapshot.hasTag("muted")).toBe(false);
  });
});

describe("the plugin's traffic inside a request goes out before the request settles", () => {
  const configure = (name: string, id: string) =>
    iq(
      "set",
      STAGE,
      xml(
        "query",
        { xmlns: "http://jabber.org/protocol/muc#owner" },
        xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, name))),
      ),
      id,
    );

  it("a name set inside onSetConfig: the 104 message to every joined resource, then the iq result", async () => {
    const h = stageHarness({});
    await joined(h, "stage", ["phone", "laptop"]);
    h.route(configure("Renamed", "cfg-1"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "cfg-1"));
    expect(h.take().map(qualified)).toEqual([
      `{jabber:client}message/groupchat phone {${MUC_USER}}x[104]`,
      `{jabber:client}message/groupchat laptop {${MUC_USER}}x[104]`,
      "{jabber:client}iq/result phone",
    ]);
  });

  it("a subject set inside onSetSubject reaches every joined resource before the next request's echo", async () => {
    const h = stageHarness({ onText: async () => "legacy-1" });
    await joined(h, "stage", ["phone", "laptop"]);
    h.route(subjectChange(STAGE, "New topic", "phone", "s-1"));
    h.route(groupchat("stage", "after the topic", "laptop", "m-1"));
    await h.until(() => h.sent.filter((s) => s.attrs.id === "m-1").length === 2);
    expect(h.take().map((s) => `${qualified(s).split(" {urn")[0]}`)).toEqual([
      "{jabber:client}message/groupchat phone {jabber:client}subject[New topic]",
      "{jabber:client}message/groupchat laptop {jabber:client}subject[New topic]",
      "{jabber:client}message/groupchat phone {jabber:client}body[after the topic]",
      "{jabber:client}message/groupchat laptop {jabber:client}body[after the topic]",
    ]);
  });

  it("a participant's message sent inside onText goes out before that message's echo", async () => {
    const h = stageHarness({
      async onText(room, text) {
        (await room.getParticipant("bob")).sendText(`bob saw: ${text}`, { legacyId: "bob-1" });
        return "alice-1";
      },
    });
    await joined(h, "stage", ["phone", "laptop"]);
    h.route(groupchat("stage", "hi bob", "phone", "m-1"));
    await h.until(() => h.sent.filter((s) => s.attrs.id === "m-1").length === 2);
    const out = h.take();
    expect(out.map((s) => `${s.attrs.from} ${qualified(s).split(" {urn")[0]}`)).toEqual([
      `${STAGE}/bob {jabber:client}message/groupchat phone {jabber:client}body[bob saw: hi bob]`,
      `${STAGE}/bob {jabber:client}message/groupchat laptop {jabber:client}body[bob saw: hi bob]`,
      `${STAGE}/alice {jabber:client}message/groupchat phone {jabber:client}body[hi bob]`,
      `${STAGE}/alice {jabber:client}message/groupchat laptop {jabber:client}body[hi bob]`,
    ]);
    expect(out.map((s) => s.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id)).toEqual(["bob-1", "bob-1", "alice-1", "alice-1"]);
  });
});
