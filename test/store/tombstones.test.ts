/**
 * Tombstones (XEP-0424 §5) on both stores: a retracted message keeps its place, seq, stanza-id
 * and legacy id, and loses its body, and so do its author's corrections of it; across a reopen
 * of the SQLite file too.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RoomArchive } from "../../src/actors/roomArchive.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { retractedElement } from "../../src/protocol/xep0424.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import type { Store } from "../../src/store/types.js";
import { IMPLEMENTATIONS, KEY, ROOM, USER, hour, removeTempDirs, room, tempDir, useStore } from "./helpers.js";

class Session extends LegacySession {
  createRoom(id: string) {
    return new LegacyRoom(this, id);
  }
}

const BOB = `${ROOM}/bob`;
const CAROL = `${ROOM}/carol`;

/** bob's message B1 (client id b-1), his correction of it, his next message, and carol's. */
function fill(store: Store): RoomArchive {
  const legacy = new LegacyRoom(new Session(USER), "coven");
  legacy.jid = ROOM;
  store.putRoom(room());
  const put = (stanzaId: string, at: number, authorJid: string, payload: string) =>
    store.archive({
      ...KEY,
      stanzaId,
      legacyId: `legacy-${stanzaId}`,
      timestamp: hour(at),
      authorJid,
      source: "live",
      xml: `<message xmlns="jabber:client" from="${authorJid}" to="${USER}" type="groupchat" id="${stanzaId === "B1" ? "b-1" : stanzaId}">${payload}<stanza-id xmlns="urn:xmpp:sid:0" id="${stanzaId}" by="${ROOM}"/><occupant-id xmlns="urn:xmpp:occupant-id:0" id="occ-${authorJid}"/></message>`,
    });
  put("B1", 1, BOB, "<body>secret</body>");
  put("C1", 2, CAROL, "<body>carol's</body>");
  put("B2", 3, BOB, `<body>secret!</body><replace xmlns="urn:xmpp:message-correct:0" id="b-1"/>`);
  put("B3", 4, BOB, "<body>next</body>");
  return new RoomArchive(legacy, store);
}

const STAMP = new Date("2026-12-02T08:00:00Z");
const TOMBSTONE = (id: string, from: string, origId: string) =>
  `<message xmlns="jabber:client" from="${from}" to="${USER}" type="groupchat" id="${origId}"><stanza-id xmlns="urn:xmpp:sid:0" id="${id}" by="${ROOM}"/><occupant-id xmlns="urn:xmpp:occupant-id:0" id="occ-${from}"/><retracted xmlns="urn:xmpp:message-retract:1" id="r-1" stamp="2026-12-02T08:00:00.000Z"/></message>`;

describe.each(IMPLEMENTATIONS)("tombstones in the %s store", (_name, open) => {
  const store = useStore(open);

  it("replace the message and its author's corrections of it in place; the rest of the archive is untouched", () => {
    const archive = fill(store());
    const before = store().queryArchive(KEY).messages;
    archive.retract("B1", retractedElement("r-1", STAMP));
    const after = store().queryArchive(KEY);
    expect(after.count).toBe(4);
    expect(after.messages.map((m) => [m.seq, m.stanzaId, m.legacyId, m.timestamp, m.authorJid])).toEqual(before.map((m) => [m.seq, m.stanzaId, m.legacyId, m.timestamp, m.authorJid]));
    expect(after.messages.map((m) => m.xml)).toEqual([TOMBSTONE("B1", BOB, "b-1"), before[1]!.xml, TOMBSTONE("B2", BOB, "B2"), before[3]!.xml]);
    expect(store().archiveMetadata(KEY)).toEqual({ start: { id: "B1", timestamp: hour(1) }, end: { id: "B3", timestamp: hour(4) } });
  });

  it("do nothing for a message the archive does not have", () => {
    const archive = fill(store());
    const before = store().queryArchive(KEY).messages;
    archive.retract("nowhere", retractedElement("r-1", STAMP));
    expect(store().queryArchive(KEY).messages).toEqual(before);
  });
});

describe("tombstones in the SQLite file", () => {
  afterEach(removeTempDirs);

  it("are still there after the store is closed and reopened", () => {
    const file = join(tempDir(), "store.db");
    const first = openSqliteStore(file, { retentionDays: Number.POSITIVE_INFINITY });
    fill(first).retract("B1", retractedElement("r-1", STAMP));
    first.close();
    const reopened = openSqliteStore(file, { retentionDays: Number.POSITIVE_INFINITY });
    try {
      const messages = reopened.queryArchive(KEY, { ids: ["B1", "B2"] }).messages;
      expect(messages.map((m) => m.xml)).toEqual([TOMBSTONE("B1", BOB, "b-1"), TOMBSTONE("B2", BOB, "B2")]);
    } finally {
      reopened.close();
    }
  });
});
