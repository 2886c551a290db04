/**
 * XEP-0421 occupant ids follow the person (§4: the same participant keeps one id, another
 * participant never gets it): what a client that accepts corrections, retractions and moderation
 * only from the same occupant-id sees across a nick change, a newcomer under an old nick and a
 * gateway restart.
 */
import { join } from "node:path";
import type { Element } from "@xmpp/component";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import type { Store } from "../../src/store/types.js";
import { removeTempDirs, tempDir } from "../store/helpers.js";
import { STAGE, type Script, joinWithHistory, qualified, stageHarness } from "../helpers/stageRoom.js";
import { isQualified, qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const MUC_USER = "http://jabber.org/protocol/muc#user";
const OCCUPANT_ID = "urn:xmpp:occupant-id:0";
const MARKABLE = "{http://jabber.org/protocol/chatstates}active {urn:xmpp:chat-markers:0}markable";
const PRESENCE = `{jabber:client}presence phone {${MUC_USER}}x {${OCCUPANT_ID}}occupant-id`;

afterEach(removeTempDirs);

/** `from` and occupant-id of each stanza. */
const ids = (out: Element[]) => out.map((s) => [String(s.attrs.from).slice(STAGE.length + 1), s.getChild("occupant-id", OCCUPANT_ID)?.attrs.id]);

/** A stage room joined by alice's phone (with `maxstanzas` of history), its join stanzas taken. */
async function joinedStage(script: Script, store?: Store, maxstanzas = 0) {
  const h = stageHarness(script, store ? { store } : {});
  h.route(joinWithHistory(STAGE, "phone", maxstanzas));
  await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
  await h.settle();
  return { h, room: h.actor().room, joinStanzas: h.take() };
}

describe("occupant ids follow the person", () => {
  it("a nick-only occupant keeps its occupant-id through a nick change; a newcomer under the old nick gets another", async () => {
    const { h, room } = await joinedStage({});
    const dave = await room.getParticipant("dave");
    await h.settle();
    dave.rename("david");
    await h.settle();
    const newcomer = await room.getParticipant("dave");
    expect(newcomer).not.toBe(dave);
    await h.settle();
    newcomer.sendText("hello", { legacyId: "m-1" });
    dave.sendText("hi", { legacyId: "m-2" });
    await h.settle();
    const out = h.take();
    expect(out.map((s) => `${qualified(s)} ${String(s.attrs.from)}`)).toEqual([
      `${PRESENCE} ${STAGE}/dave`,
      `{jabber:client}presence/unavailable phone {${MUC_USER}}x[303] {${OCCUPANT_ID}}occupant-id ${STAGE}/dave`,
      `${PRESENCE} ${STAGE}/david`,
      `${PRESENCE} ${STAGE}/dave`,
      `{jabber:client}message/groupchat phone {jabber:client}body[hello] {urn:xmpp:sid:0}stanza-id {${OCCUPANT_ID}}occupant-id ${MARKABLE} ${STAGE}/dave`,
      `{jabber:client}message/groupchat phone {jabber:client}body[hi] {urn:xmpp:sid:0}stanza-id {${OCCUPANT_ID}}occupant-id ${MARKABLE} ${STAGE}/david`,
    ]);
    const [first, gone, renamed, other, otherText, renamedText] = ids(out).map(([, id]) => id);
    expect([gone, renamed, renamedText]).toEqual([first, first, first]);
    expect(other).toBeDefined();
    expect(other).not.toBe(first);
    expect(otherText).toBe(other);
    // A third dave after the second one changed nick too: a third id.
    newcomer.rename("davey");
    const third = await room.getParticipant("dave");
    expect(new Set([dave.occupantId, newcomer.occupantId, third.occupantId]).size).toBe(3);
    h.registry.shutdown();
  });

  it("a contact keeps one occupant-id under two nicks, and nobody else gets it", async () => {
    const { h, room } = await joinedStage({});
    const erin = await room.getParticipantByContact("erin-id", "erin");
    await h.settle();
    expect(await room.getParticipant("erin2", { contact: "erin-id" })).toBe(erin);
    await h.settle();
    const nickOnly = await room.getParticipant("erin");
    await h.settle();
    const out = h.take();
    expect(out.map((s) => `${qualified(s)} ${String(s.attrs.from)}`)).toEqual([
      `${PRESENCE} ${STAGE}/erin`,
      `{jabber:client}presence/unavailable phone {${MUC_USER}}x[303] {${OCCUPANT_ID}}occupant-id ${STAGE}/erin`,
      `${PRESENCE} ${STAGE}/erin2`,
      `${PRESENCE} ${STAGE}/erin`,
    ]);
    const [a, b, c, d] = ids(out).map(([, id]) => id);
    expect([b, c]).toEqual([a, a]);
    expect(d).toBe(nickOnly.occupantId);
    expect(d).not.toBe(a);
    h.registry.shutdown();
  });
});

const stores: Array<[string, () => () => Store]> = [
  [
    "memory",
    () => {
      const store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
      return () => store;
    },
  ],
  [
    "sqlite",
    () => {
      const path = join(tempDir(), "store.db");
      return () => openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
    },
  ],
];

describe.each(stores)("occupant ids across a gateway restart (%s store)", (name, storage) => {
  it("the renamed nick-only occupant and the contact keep their ids, a newcomer under the old nick does not get one, archived messages keep theirs", async () => {
    const open = storage();
    let store = open();
    const first = await joinedStage(
      {
        async fillParticipants(room) {
          await room.getParticipant("dave");
          await room.getParticipantByContact("erin-id", "erin");
        },
      },
      store,
    );
    const dave = await first.room.getParticipant("dave");
    dave.sendText("before", { legacyId: "m-1" });
    dave.rename("david");
    await first.room.getParticipant("erin2", { contact: "erin-id" });
    const erinId = (await first.room.getParticipantByContact("erin-id")).occupantId;
    await first.h.settle();
    first.h.registry.shutdown();
    if (name === "sqlite") store.close();

    store = open();
    const second = await joinedStage(
      {
        async fillParticipants(room) {
          await room.getParticipant("david");
          await room.getParticipantByContact("erin-id", "erin3");
        },
      },
      store,
      10,
    );
    const history = second.joinStanzas.filter((s) => qualifiedText(s, "{jabber:client}body") === "before");
    const presences = second.joinStanzas.filter((s) => isQualified(s, "{jabber:client}presence") && s.attrs.from !== `${STAGE}/alice`);
    expect(presences.map(qualified)).toEqual([PRESENCE, PRESENCE]);
    expect(ids(presences)).toEqual([
      ["david", dave.occupantId],
      ["erin3", erinId],
    ]);
    expect(ids(history)).toEqual([["dave", dave.occupantId]]);
    const newcomer = await second.room.getParticipant("dave");
    await second.h.settle();
    const out = second.h.take();
    expect(out.map(qualified)).toEqual([PRESENCE]);
    expect(ids(out)[0]![0]).toBe("dave");
    expect(ids(out)[0]![1]).toBe(newcomer.occupantId);
    expect([dave.occupantId, erinId]).not.toContain(newcomer.occupantId);
    second.h.registry.shutdown();
    if (name === "sqlite") store.close();
  });
});
