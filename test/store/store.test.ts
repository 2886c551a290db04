/**
 * Rooms, participants, archive upserts, per-user isolation and retention, on both stores.
 */
import { describe, expect, it } from "vitest";
import { StoreRoomNotFound } from "../../src/store/errors.js";
import type { ParticipantInput, RoomRecord } from "../../src/store/types.js";
import { fillHistory, hour, IMPLEMENTATIONS, ids, KEY, message, ROOM, room, USER, useStore } from "./helpers.js";

const FULL_ROOM: RoomRecord = {
  user: USER,
  room: ROOM,
  legacyId: "coven-legacy",
  name: "The coven",
  description: "Three witches",
  subject: "Private Subject",
  subjectSetter: "firstwitch",
  subjectDate: hour(1),
  type: "channel",
  userNick: "thirdwitch",
  avatarId: "avatar-1",
  avatarHash: "e5fa44f2b31c1fb553b6021e7360d07d5d91ff5e",
  flags: { participantsFilled: true, historyFilled: false },
};

const witch = (nickname: string, overrides: Partial<ParticipantInput> = {}): ParticipantInput => ({
  nickname,
  resource: nickname,
  affiliation: "member",
  role: "participant",
  occupantId: `occ-${nickname}`,
  ...overrides,
});

describe.each(IMPLEMENTATIONS)("the %s store", (_name, open) => {
  const store = useStore(open);

  describe("rooms", () => {
    it("gives back every field of a stored room", () => {
      store().putRoom(FULL_ROOM);
      expect(store().getRoom(USER, ROOM)).toEqual(FULL_ROOM);
      expect(store().getRoomByLegacyId(USER, "coven-legacy")).toEqual(FULL_ROOM);
      expect(store().getRoom(USER, "other@gw.example")).toBeUndefined();
      expect(store().getRoomByLegacyId("romeo@montague.lit", "coven-legacy")).toBeUndefined();
    });

    it("replaces a room's info but keeps its archive and participants", () => {
      store().putRoom(FULL_ROOM);
      store().putParticipant(KEY, witch("firstwitch"));
      store().archive(message(1));
      store().putRoom(room({ name: "Renamed" }));
      expect(store().getRoom(USER, ROOM)).toEqual(room({ name: "Renamed" }));
      expect(store().getParticipants(KEY)).toHaveLength(1);
      expect(store().queryArchive(KEY).count).toBe(1);
    });

    it("lists a user's rooms by JID, and only theirs", () => {
      for (const jid of ["b@gw", "a@gw", "c@gw"]) store().putRoom(room({ room: jid, legacyId: jid }));
      store().putRoom(room({ user: "romeo@montague.lit", room: "z@gw" }));
      expect(store().listRooms(USER).map((r) => r.room)).toEqual(["a@gw", "b@gw", "c@gw"]);
      expect(store().listRooms("nobody@example.org")).toEqual([]);
    });

    it("deletes a room with its participants and archive", () => {
      fillHistory(store());
      store().putParticipants(KEY, [witch("firstwitch")]);
      expect(store().deleteRoom(USER, ROOM)).toBe(true);
      expect(store().deleteRoom(USER, ROOM)).toBe(false);
      expect(store().getRoom(USER, ROOM)).toBeUndefined();
      store().putRoom(room());
      expect(store().getParticipants(KEY)).toEqual([]);
      expect(store().queryArchive(KEY)).toEqual({ messages: [], complete: true, count: 0 });
    });

    it("refuses writes under a room that was never stored", () => {
      expect(() => store().archive(message(1))).toThrow(StoreRoomNotFound);
      expect(() => store().putParticipants(KEY, [witch("a")])).toThrow(/call store.putRoom\(\) before/);
      expect(store().deleteParticipant(KEY, "a")).toBe(false);
    });

    it("rejects malformed records with a TypeError naming the field", () => {
      expect(() => store().putRoom(room({ type: "public" as never }))).toThrow(/RoomRecord.type/);
      expect(() => store().putRoom(room({ room: "coven@gw/nick" }))).toThrow(/room must be a bare JID/);
      store().putRoom(room());
      expect(() => store().archive(message(1, { timestamp: Number.NaN }))).toThrow(/timestamp/);
      expect(() => store().putParticipant(KEY, witch("a", { role: "king" as never }))).toThrow(/role/);
    });
  });

  describe("participants", () => {
    it("replaces the whole list, keeping the given order", () => {
      store().putRoom(room());
      store().putParticipants(KEY, [witch("firstwitch", { contact: "first@legacy" }), witch("secondwitch")]);
      store().putParticipants(KEY, [witch("stan"), witch("firstwitch", { affiliation: "owner", role: "moderator" })]);
      expect(store().getParticipants(KEY)).toEqual([
        { ...KEY, ...witch("stan") },
        { ...KEY, ...witch("firstwitch", { affiliation: "owner", role: "moderator" }) },
      ]);
    });

    it("updates one participant in place and appends a new one", () => {
      store().putRoom(room());
      store().putParticipants(KEY, [witch("a"), witch("b")]);
      store().putParticipant(KEY, witch("a", { role: "visitor" }));
      store().putParticipant(KEY, witch("c"));
      expect(store().getParticipants(KEY).map((p) => [p.nickname, p.role])).toEqual([
        ["a", "visitor"],
        ["b", "participant"],
        ["c", "participant"],
      ]);
      expect(store().deleteParticipant(KEY, "b")).toBe(true);
      expect(store().getParticipants(KEY).map((p) => p.nickname)).toEqual(["a", "c"]);
    });

    it("keys participants by resource: two with the same (or an empty) nickname are both kept", () => {
      store().putRoom(room());
      store().putParticipant(KEY, witch("bob", { contact: "bob-id" }));
      store().putParticipant(KEY, witch("bob", { resource: "bob (other-bob)", contact: "other-bob" }));
      store().putParticipant(KEY, witch("", { resource: "nick-abcdef" }));
      store().putParticipant(KEY, witch("robert", { resource: "bob (other-bob)", contact: "other-bob" }));
      expect(store().getParticipants(KEY).map((p) => [p.nickname, p.resource, p.contact])).toEqual([
        ["bob", "bob", "bob-id"],
        ["robert", "bob (other-bob)", "other-bob"],
        ["", "nick-abcdef", undefined],
      ]);
      expect(store().deleteParticipant(KEY, "bob (other-bob)")).toBe(true);
      expect(store().getParticipants(KEY).map((p) => p.resource)).toEqual(["bob", "nick-abcdef"]);
      expect(() => store().putParticipant(KEY, witch("x", { resource: "" }))).toThrow(/ParticipantRecord.resource/);
    });
  });

  describe("archive upserts", () => {
    it("replaces a message archived again with the same stanza-id", () => {
      store().putRoom(room());
      const first = store().archive(message(1, { source: "live" }));
      const again = store().archive(message(1, { xml: "<message><body>edited</body></message>" }));
      expect(again).toMatchObject({ seq: first.seq, stanzaId: "1", source: "backfill", xml: "<message><body>edited</body></message>" });
      expect(store().queryArchive(KEY)).toMatchObject({ count: 1, messages: [again] });
    });

    it("keeps one row for a legacy message arriving twice with different stanza-ids", () => {
      store().putRoom(room());
      const first = store().archive(message(1, { stanzaId: "live-1", source: "live" }));
      store().archive(message(2));
      const again = store().archive(message(1, { stanzaId: "backfill-1" }));
      expect(again).toMatchObject({ seq: first.seq, stanzaId: "live-1", legacyId: "legacy-1" });
      const result = store().queryArchive(KEY);
      expect(result.count).toBe(2);
      expect(ids(result.messages)).toEqual(["live-1", "2"]);
    });

    it("keeps the legacy id when the same stanza-id comes back without one", () => {
      store().putRoom(room());
      store().archive(message(1));
      expect(store().archive(message(1, { legacyId: undefined })).legacyId).toBe("legacy-1");
    });

    it("merges two rows when the stanza-id names one and the legacy id the other", () => {
      store().putRoom(room());
      store().archive(message(1));
      store().archive(message(2));
      const merged = store().archive(message(1, { legacyId: "legacy-2" }));
      expect(merged).toMatchObject({ stanzaId: "1", legacyId: "legacy-2" });
      expect(store().queryArchive(KEY)).toMatchObject({ count: 1, first: "1", last: "1" });
    });

    it("keeps one row when a legacy id archived as its own stanza-id comes back under another stanza-id", () => {
      store().putRoom(room());
      const first = store().archive(message(1, { stanzaId: "legacy-1", source: "live" }));
      const again = store().archive(message(1, { stanzaId: "backfill-1" }));
      expect(again).toMatchObject({ seq: first.seq, stanzaId: "legacy-1", legacyId: "legacy-1" });
      expect(store().queryArchive(KEY)).toMatchObject({ count: 1, first: "legacy-1", last: "legacy-1" });
    });

    it("keeps one row when a message archived under its legacy id repeats a legacy id archived under another stanza-id", () => {
      store().putRoom(room());
      const first = store().archive(message(1, { stanzaId: "backfill-1" }));
      const again = store().archive(message(1, { stanzaId: "legacy-1", source: "live" }));
      expect(again).toMatchObject({ seq: first.seq, stanzaId: "backfill-1", legacyId: "legacy-1" });
      expect(store().queryArchive(KEY)).toMatchObject({ count: 1, first: "backfill-1", last: "backfill-1" });
    });

    it("moves a message whose timestamp changed to its new place", () => {
      fillHistory(store());
      store().archive(message(2, { timestamp: hour(7) + 1 }));
      expect(ids(store().queryArchive(KEY).messages)).toEqual(["0", "1", "3", "4", "5", "6", "7", "2", "8", "9"]);
    });

    it("archives a backfill batch at once, upserting within it, or nothing when one message is refused", () => {
      store().putRoom(room());
      const stored = store().archiveMany([message(1), message(2), message(1, { stanzaId: "again" })]);
      expect(ids(stored)).toEqual(["1", "2", "1"]);
      expect(store().queryArchive(KEY).count).toBe(2);
      const nowhere = { ...KEY, room: "nowhere@gw.example" };
      expect(() => store().archiveMany([message(3), message(4, nowhere)])).toThrow(StoreRoomNotFound);
      expect(() => store().archiveMany([message(3), message(4, { source: "old" as never })])).toThrow(TypeError);
      expect(store().queryArchive(KEY).count).toBe(2);
    });

    it("assigns strictly increasing sequence numbers", () => {
      store().putRoom(room());
      const seqs = [3, 1, 2].map((n) => store().archive(message(n)).seq);
      expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
      expect(seqs[2]!).toBeGreaterThan(seqs[1]!);
    });
  });

  describe("isolation between users", () => {
    it("never shows a user another user's archive or participants of the same room JID", () => {
      const other = { user: "romeo@montague.lit", room: ROOM };
      fillHistory(store());
      store().putParticipants(KEY, [witch("firstwitch")]);
      store().putRoom(room(other));
      expect(store().queryArchive(other)).toEqual({ messages: [], complete: true, count: 0 });
      expect(store().archiveMetadata(other)).toEqual({});
      expect(store().holeBounds(other)).toEqual({});
      expect(store().getParticipants(other)).toEqual([]);
      expect(() => store().queryArchive(other, { ids: ["1"] })).toThrow(/not in the archive/);
      store().archive(message(1, { ...other, stanzaId: "1" }));
      expect(store().queryArchive(other).count).toBe(1);
      expect(store().queryArchive(KEY).count).toBe(10);
      store().deleteRoom(USER, ROOM);
      expect(store().queryArchive(other).count).toBe(1);
    });
  });

  describe("retention", () => {
    it("purges messages older than a date in every room and reports how many", () => {
      const other = { user: USER, room: "other@gw.example" };
      fillHistory(store());
      fillHistory(store(), other);
      expect(store().purgeOlderThan(hour(4))).toBe(8);
      expect(ids(store().queryArchive(KEY).messages)).toEqual(["4", "5", "6", "7", "8", "9"]);
      expect(store().queryArchive(other).count).toBe(6);
      expect(store().archiveMetadata(KEY).start).toEqual({ id: "4", timestamp: hour(4) });
      expect(store().purgeOlderThan(hour(4))).toBe(0);
    });
  });

  describe("avatars", () => {
    const bytes = (n: number) => ({ hash: `hash-${n}`, mime: "image/png", data: new Uint8Array([0x89, n, n]) });

    it("keeps an avatar's bytes by hash, once, and gives back a copy", () => {
      store().putAvatar(bytes(1));
      store().putAvatar({ ...bytes(1), data: new Uint8Array([0]) }); // same hash: the first bytes stay
      const got = store().getAvatar("hash-1")!;
      expect(got).toEqual(bytes(1));
      got.data[0] = 0;
      expect(store().getAvatar("hash-1")).toEqual(bytes(1));
      expect(store().getAvatar("hash-2")).toBeUndefined();
    });

    it("deletes, with the retention purge, the bytes no room names any more", () => {
      store().putRoom(room({ avatarId: "a1", avatarHash: "hash-1" }));
      store().putAvatar(bytes(1));
      store().putAvatar(bytes(2));
      store().purgeOlderThan(hour(0));
      expect(store().getAvatar("hash-1")).toEqual(bytes(1));
      expect(store().getAvatar("hash-2")).toBeUndefined();
      store().deleteRoom(USER, ROOM);
      store().purgeOlderThan(hour(0));
      expect(store().getAvatar("hash-1")).toBeUndefined();
    });

    it("refuses an avatar without a hash or bytes", () => {
      expect(() => store().putAvatar({ ...bytes(1), hash: "" })).toThrow(TypeError);
      expect(() => store().putAvatar({ ...bytes(1), data: "png" as never })).toThrow("StoredAvatar.data must be a Uint8Array");
    });
  });
});
