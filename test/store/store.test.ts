/**
 * Rooms, participants, archive upserts, per-user isolation and retention, on both stores.
 */
import { describe, expect, it } from "vitest";
import { StoreRoomNotFound } from "../../src/store/errors.js";
import type { ParticipantInput, RoomRecord } from "../../src/store/types.js";
import { fillAsync, hour, ASYNC_IMPLEMENTATIONS, ids, KEY, message, ROOM, room, USER, useAsyncStore } from "./helpers.js";

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
  flags: { participantsFilled: true, historyFilled: false, filledInRun: "run-1" },
};

const witch = (nickname: string, overrides: Partial<ParticipantInput> = {}): ParticipantInput => ({
  nickname,
  resource: nickname,
  affiliation: "member",
  role: "participant",
  occupantId: `occ-${nickname}`,
  ...overrides,
});

describe.each(ASYNC_IMPLEMENTATIONS)("the %s store", (_name, open) => {
  const store = useAsyncStore(open);

  describe("rooms", () => {
    it("gives back every field of a stored room", async () => {
      await store().putRoom(FULL_ROOM);
      expect(await store().getRoom(USER, ROOM)).toEqual(FULL_ROOM);
      expect(await store().getRoomByLegacyId(USER, "coven-legacy")).toEqual(FULL_ROOM);
      expect(await store().getRoom(USER, "other@gw.example")).toBeUndefined();
      expect(await store().getRoomByLegacyId("romeo@montague.lit", "coven-legacy")).toBeUndefined();
    });

    it("replaces a room's info but keeps its archive and participants", async () => {
      await store().putRoom(FULL_ROOM);
      await store().putParticipant(KEY, witch("firstwitch"));
      await store().archive(message(1));
      await store().putRoom(room({ name: "Renamed" }));
      expect(await store().getRoom(USER, ROOM)).toEqual(room({ name: "Renamed" }));
      expect(await store().getParticipants(KEY)).toHaveLength(1);
      expect((await store().queryArchive(KEY)).count).toBe(1);
    });

    it("lists a user's rooms by JID, and only theirs", async () => {
      for (const jid of ["b@gw", "a@gw", "c@gw"]) await store().putRoom(room({ room: jid, legacyId: jid }));
      await store().putRoom(room({ user: "romeo@montague.lit", room: "z@gw" }));
      expect((await store().listRooms(USER)).map((r) => r.room)).toEqual(["a@gw", "b@gw", "c@gw"]);
      expect(await store().listRooms("nobody@example.org")).toEqual([]);
    });

    it("deletes a room with its participants and archive", async () => {
      await fillAsync(store());
      await store().putParticipants(KEY, [witch("firstwitch")]);
      expect(await store().deleteRoom(USER, ROOM)).toBe(true);
      expect(await store().deleteRoom(USER, ROOM)).toBe(false);
      expect(await store().getRoom(USER, ROOM)).toBeUndefined();
      await store().putRoom(room());
      expect(await store().getParticipants(KEY)).toEqual([]);
      expect(await store().queryArchive(KEY)).toEqual({ messages: [], complete: true, count: 0 });
    });

    it("refuses writes under a room that was never stored", async () => {
      await expect(store().archive(message(1))).rejects.toThrow(StoreRoomNotFound);
      await expect(store().putParticipants(KEY, [witch("a")])).rejects.toThrow(/call store.putRoom\(\) before/);
      expect(await store().deleteParticipant(KEY, "a")).toBe(false);
    });

    it("rejects malformed records with a TypeError naming the field", async () => {
      await expect(store().putRoom(room({ type: "public" as never }))).rejects.toThrow(/RoomRecord.type/);
      await expect(store().putRoom(room({ room: "coven@gw/nick" }))).rejects.toThrow(/room must be a bare JID/);
      await store().putRoom(room());
      await expect(store().archive(message(1, { timestamp: Number.NaN }))).rejects.toThrow(/timestamp/);
      await expect(store().putParticipant(KEY, witch("a", { role: "king" as never }))).rejects.toThrow(/role/);
    });
  });

  describe("participants", () => {
    it("replaces the whole list, keeping the given order", async () => {
      await store().putRoom(room());
      await store().putParticipants(KEY, [witch("firstwitch", { contact: "first@legacy" }), witch("secondwitch")]);
      await store().putParticipants(KEY, [witch("stan"), witch("firstwitch", { affiliation: "owner", role: "moderator" })]);
      expect(await store().getParticipants(KEY)).toEqual([
        { ...KEY, ...witch("stan") },
        { ...KEY, ...witch("firstwitch", { affiliation: "owner", role: "moderator" }) },
      ]);
    });

    it("updates one participant in place and appends a new one", async () => {
      await store().putRoom(room());
      await store().putParticipants(KEY, [witch("a"), witch("b")]);
      await store().putParticipant(KEY, witch("a", { role: "visitor" }));
      await store().putParticipant(KEY, witch("c"));
      expect((await store().getParticipants(KEY)).map((p) => [p.nickname, p.role])).toEqual([
        ["a", "visitor"],
        ["b", "participant"],
        ["c", "participant"],
      ]);
      expect(await store().deleteParticipant(KEY, "b")).toBe(true);
      expect((await store().getParticipants(KEY)).map((p) => p.nickname)).toEqual(["a", "c"]);
    });

    it("keys participants by resource: two with the same (or an empty) nickname are both kept", async () => {
      await store().putRoom(room());
      await store().putParticipant(KEY, witch("bob", { contact: "bob-id" }));
      await store().putParticipant(KEY, witch("bob", { resource: "bob (other-bob)", contact: "other-bob" }));
      await store().putParticipant(KEY, witch("", { resource: "nick-abcdef" }));
      await store().putParticipant(KEY, witch("robert", { resource: "bob (other-bob)", contact: "other-bob" }));
      expect((await store().getParticipants(KEY)).map((p) => [p.nickname, p.resource, p.contact])).toEqual([
        ["bob", "bob", "bob-id"],
        ["robert", "bob (other-bob)", "other-bob"],
        ["", "nick-abcdef", undefined],
      ]);
      expect(await store().deleteParticipant(KEY, "bob (other-bob)")).toBe(true);
      expect((await store().getParticipants(KEY)).map((p) => p.resource)).toEqual(["bob", "nick-abcdef"]);
      await expect(store().putParticipant(KEY, witch("x", { resource: "" }))).rejects.toThrow(/ParticipantRecord.resource/);
    });
  });

  describe("archive upserts", () => {
    it("replaces a message archived again with the same stanza-id", async () => {
      await store().putRoom(room());
      const first = await store().archive(message(1, { source: "live" }));
      const again = await store().archive(message(1, { xml: "<message><body>edited</body></message>" }));
      expect(again).toMatchObject({ seq: first.seq, stanzaId: "1", source: "backfill", xml: "<message><body>edited</body></message>" });
      expect(await store().queryArchive(KEY)).toMatchObject({ count: 1, messages: [again] });
    });

    it("keeps one row for a legacy message arriving twice with different stanza-ids", async () => {
      await store().putRoom(room());
      const first = await store().archive(message(1, { stanzaId: "live-1", source: "live" }));
      await store().archive(message(2));
      const again = await store().archive(message(1, { stanzaId: "backfill-1" }));
      expect(again).toMatchObject({ seq: first.seq, stanzaId: "live-1", legacyId: "legacy-1" });
      const result = await store().queryArchive(KEY);
      expect(result.count).toBe(2);
      expect(ids(result.messages)).toEqual(["live-1", "2"]);
    });

    it("keeps the legacy id when the same stanza-id comes back without one", async () => {
      await store().putRoom(room());
      await store().archive(message(1));
      expect((await store().archive(message(1, { legacyId: undefined }))).legacyId).toBe("legacy-1");
    });

    it("merges two rows when the stanza-id names one and the legacy id the other", async () => {
      await store().putRoom(room());
      await store().archive(message(1));
      await store().archive(message(2));
      const merged = await store().archive(message(1, { legacyId: "legacy-2" }));
      expect(merged).toMatchObject({ stanzaId: "1", legacyId: "legacy-2" });
      expect(await store().queryArchive(KEY)).toMatchObject({ count: 1, first: "1", last: "1" });
    });

    it("keeps one row when a legacy id archived as its own stanza-id comes back under another stanza-id", async () => {
      await store().putRoom(room());
      const first = await store().archive(message(1, { stanzaId: "legacy-1", source: "live" }));
      const again = await store().archive(message(1, { stanzaId: "backfill-1" }));
      expect(again).toMatchObject({ seq: first.seq, stanzaId: "legacy-1", legacyId: "legacy-1" });
      expect(await store().queryArchive(KEY)).toMatchObject({ count: 1, first: "legacy-1", last: "legacy-1" });
    });

    it("keeps one row when a message archived under its legacy id repeats a legacy id archived under another stanza-id", async () => {
      await store().putRoom(room());
      const first = await store().archive(message(1, { stanzaId: "backfill-1" }));
      const again = await store().archive(message(1, { stanzaId: "legacy-1", source: "live" }));
      expect(again).toMatchObject({ seq: first.seq, stanzaId: "backfill-1", legacyId: "legacy-1" });
      expect(await store().queryArchive(KEY)).toMatchObject({ count: 1, first: "backfill-1", last: "backfill-1" });
    });

    it("moves a message whose timestamp changed to its new place", async () => {
      await fillAsync(store());
      await store().archive(message(2, { timestamp: hour(7) + 1 }));
      expect(ids((await store().queryArchive(KEY)).messages)).toEqual(["0", "1", "3", "4", "5", "6", "7", "2", "8", "9"]);
    });

    it("archives a backfill batch at once, upserting within it, or nothing when one message is refused", async () => {
      await store().putRoom(room());
      const stored = await store().archiveMany([message(1), message(2), message(1, { stanzaId: "again" })]);
      expect(ids(stored)).toEqual(["1", "2", "1"]);
      expect((await store().queryArchive(KEY)).count).toBe(2);
      const nowhere = { ...KEY, room: "nowhere@gw.example" };
      await expect(store().archiveMany([message(3), message(4, nowhere)])).rejects.toThrow(StoreRoomNotFound);
      await expect(store().archiveMany([message(3), message(4, { source: "old" as never })])).rejects.toThrow(TypeError);
      expect((await store().queryArchive(KEY)).count).toBe(2);
    });

    it("assigns strictly increasing sequence numbers", async () => {
      await store().putRoom(room());
      const seqs: number[] = [];
      for (const n of [3, 1, 2]) seqs.push((await store().archive(message(n))).seq);
      expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
      expect(seqs[2]!).toBeGreaterThan(seqs[1]!);
    });
  });

  describe("order and commit", () => {
    it("applies calls in the order they are made: a read sees every write called before it, awaited or not", async () => {
      void store().putRoom(room());
      for (let n = 0; n < 20; n++) void store().archive(message(n));
      void store().putParticipant(KEY, witch("a"));
      void store().deleteParticipant(KEY, "a");
      void store().putParticipant(KEY, witch("b"));
      expect((await store().queryArchive(KEY, { max: 0 })).count).toBe(20);
      expect((await store().getParticipants(KEY)).map((p) => p.resource)).toEqual(["b"]);
    });

    it("tells whoever waits, once the writes called so far are durable, that none was lost", async () => {
      await store().putRoom(room());
      const told: unknown[] = [];
      const archived = store().archive(message(1, { source: "live" }));
      store().afterCommit((lost) => told.push(lost));
      expect(await store().commit()).toEqual([]);
      expect(told).toEqual([[]]);
      expect(store().uncommitted).toBe(false);
      expect(await archived).toMatchObject({ stanzaId: "1", source: "live" });
    });
  });

  describe("isolation between users", () => {
    it("never shows a user another user's archive or participants of the same room JID", async () => {
      const other = { user: "romeo@montague.lit", room: ROOM };
      await fillAsync(store());
      await store().putParticipants(KEY, [witch("firstwitch")]);
      await store().putRoom(room(other));
      expect(await store().queryArchive(other)).toEqual({ messages: [], complete: true, count: 0 });
      expect(await store().archiveMetadata(other)).toEqual({});
      expect(await store().holeBounds(other)).toEqual({});
      expect(await store().getParticipants(other)).toEqual([]);
      await expect(store().queryArchive(other, { ids: ["1"] })).rejects.toThrow(/not in the archive/);
      await store().archive(message(1, { ...other, stanzaId: "1" }));
      expect((await store().queryArchive(other)).count).toBe(1);
      expect((await store().queryArchive(KEY)).count).toBe(10);
      await store().deleteRoom(USER, ROOM);
      expect((await store().queryArchive(other)).count).toBe(1);
    });

    it("archives into a room stored again after it was deleted, with none of the old room's messages", async () => {
      await fillAsync(store());
      await store().archive(message(10));
      await store().deleteRoom(USER, ROOM);
      await expect(store().archive(message(11))).rejects.toThrow(StoreRoomNotFound);
      await store().putRoom(room());
      await store().archive(message(12));
      const again = await store().queryArchive(KEY);
      expect(ids(again.messages)).toEqual(["12"]);
      await expect(store().queryArchive(KEY, { ids: ["10"] })).rejects.toThrow(/not in the archive/);
    });
  });

  describe("retention", () => {
    it("purges messages older than a date in every room and reports how many", async () => {
      const other = { user: USER, room: "other@gw.example" };
      await fillAsync(store());
      await fillAsync(store(), other);
      expect(await store().purgeOlderThan(hour(4))).toBe(8);
      expect(ids((await store().queryArchive(KEY)).messages)).toEqual(["4", "5", "6", "7", "8", "9"]);
      expect((await store().queryArchive(other)).count).toBe(6);
      expect((await store().archiveMetadata(KEY)).start).toEqual({ id: "4", timestamp: hour(4) });
      expect(await store().purgeOlderThan(hour(4))).toBe(0);
    });
  });

  describe("avatars", () => {
    const bytes = (n: number) => ({ hash: `hash-${n}`, mime: "image/png", data: new Uint8Array([0x89, n, n]) });

    it("keeps an avatar's bytes by hash, once, and gives back a copy", async () => {
      await store().putAvatar(bytes(1));
      await store().putAvatar({ ...bytes(1), data: new Uint8Array([0]) }); // same hash: the first bytes stay
      const got = (await store().getAvatar("hash-1"))!;
      expect(got).toEqual(bytes(1));
      got.data[0] = 0;
      expect(await store().getAvatar("hash-1")).toEqual(bytes(1));
      expect(await store().getAvatar("hash-2")).toBeUndefined();
    });

    it("deletes, with the retention purge, the bytes no room names any more", async () => {
      await store().putRoom(room({ avatarId: "a1", avatarHash: "hash-1" }));
      await store().putAvatar(bytes(1));
      await store().putAvatar(bytes(2));
      await store().purgeOlderThan(hour(0));
      expect(await store().getAvatar("hash-1")).toEqual(bytes(1));
      expect(await store().getAvatar("hash-2")).toBeUndefined();
      await store().deleteRoom(USER, ROOM);
      await store().purgeOlderThan(hour(0));
      expect(await store().getAvatar("hash-1")).toBeUndefined();
    });

    it("refuses an avatar without a hash or bytes", async () => {
      await expect(store().putAvatar({ ...bytes(1), hash: "" })).rejects.toThrow(TypeError);
      await expect(store().putAvatar({ ...bytes(1), data: "png" as never })).rejects.toThrow("StoredAvatar.data must be a Uint8Array");
    });
  });
});
