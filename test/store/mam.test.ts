/**
 * MAM queries on both stores: slidge's scenarios (tests/test_muc.py, mam_*) with XEP-0059
 * counts (the size of the whole result set, not of the page), XEP-0313 `complete` and
 * flip-page, and the #extended filters.
 */
import { describe, expect, it } from "vitest";
import { StoreItemNotFound } from "../../src/store/errors.js";
import { MAM_MAX_PAGE, type MamQuery } from "../../src/store/mam.js";
import { fillAsync, historyMan, hour, ASYNC_IMPLEMENTATIONS, ids, KEY, message, room, USER, useAsyncStore } from "./helpers.js";

async function notFound(run: () => Promise<unknown>): Promise<StoreItemNotFound> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreItemNotFound);
    return error as StoreItemNotFound;
  }
  throw new Error("expected StoreItemNotFound");
}

describe.each(ASYNC_IMPLEMENTATIONS)("MAM on the %s store", (_name, open) => {
  const store = useAsyncStore(open);
  const query = async (q: MamQuery) => {
    await fillAsync(store());
    return (await store().queryArchive(KEY, q));
  };

  it("returns the whole archive in order, complete, with first, last and count", async () => {
    const result = await query({});
    expect(ids(result.messages)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(result).toMatchObject({ complete: true, first: "0", last: "9", count: 10 });
    expect(result.messages[3]).toMatchObject({ ...KEY, legacyId: "legacy-3", timestamp: hour(3), authorJid: historyMan(3), source: "backfill" });
  });

  it("limits a page with max and counts every match of the filter", async () => {
    const result = await query({ start: hour(3), max: 2 });
    expect(ids(result.messages)).toEqual(["3", "4"]);
    expect(result).toMatchObject({ complete: false, first: "3", last: "4", count: 7 });
  });

  it("pages forward after an id, keeping the total count", async () => {
    const result = await query({ after: "5", max: 2 });
    expect(ids(result.messages)).toEqual(["6", "7"]);
    expect(result).toMatchObject({ complete: false, first: "6", last: "7", count: 10 });
  });

  it("answers an empty complete page after the last id, without first and last", async () => {
    const result = await query({ after: "9", max: 2 });
    expect(result).toEqual({ messages: [], complete: true, count: 10 });
  });

  it("rejects an unknown after id with item-not-found", async () => {
    const error = await notFound(() => query({ after: "12", max: 2 }));
    expect(error).toMatchObject({ condition: "item-not-found", id: "12", text: "Message 12 not found" });
  });

  it("rejects an unknown before id, after-id or before-id", async () => {
    await fillAsync(store());
    expect((await notFound(() => store().queryArchive(KEY, { before: "x" }))).id).toBe("x");
    expect((await notFound(() => store().queryArchive(KEY, { afterId: "y" }))).id).toBe("y");
    expect((await notFound(() => store().queryArchive(KEY, { beforeId: "z" }))).id).toBe("z");
  });

  it("returns the last page for an empty before, oldest first, incomplete while older ones remain", async () => {
    const result = await query({ before: "", max: 3 });
    expect(ids(result.messages)).toEqual(["7", "8", "9"]);
    expect(result).toMatchObject({ complete: false, first: "7", last: "9", count: 10 });
    expect(await store().queryArchive(KEY, { before: "", max: 10 })).toMatchObject({ complete: true, count: 10 });
  });

  it("pages backward before an id until the start of the archive", async () => {
    const page = await query({ before: "7", max: 3 });
    expect(ids(page.messages)).toEqual(["4", "5", "6"]);
    expect(page).toMatchObject({ complete: false, count: 10 });
    const start = await store().queryArchive(KEY, { before: "2", max: 3 });
    expect(ids(start.messages)).toEqual(["0", "1"]);
    expect(start).toMatchObject({ complete: true, first: "0", last: "1", count: 10 });
  });

  it("flips a page without changing which messages are in it", async () => {
    const result = await query({ after: "5", max: 3, flipPage: true });
    expect(ids(result.messages)).toEqual(["8", "7", "6"]);
    expect(result).toMatchObject({ complete: false, first: "6", last: "8", count: 10 });
    const last = await store().queryArchive(KEY, { before: "", max: 3, flipPage: true });
    expect(ids(last.messages)).toEqual(["9", "8", "7"]);
  });

  it("flips the whole archive when there is no max", async () => {
    const result = await query({ flipPage: true });
    expect(ids(result.messages)).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    expect(result).toMatchObject({ complete: true, first: "0", last: "9", count: 10 });
  });

  it("filters by the exact occupant JID of the author", async () => {
    await fillAsync(store());
    for (let n = 0; n < 10; n++) {
      const result = await store().queryArchive(KEY, { with: historyMan(n) });
      expect(ids(result.messages)).toEqual([String(n)]);
      expect(result.count).toBe(1);
    }
    expect((await store().queryArchive(KEY, { with: `${KEY.room}/history-man` })).count).toBe(0);
    expect((await store().queryArchive(KEY, { with: KEY.room })).count).toBe(0);
  });

  it("fetches specific ids, and rejects the query when one is not archived", async () => {
    const result = await query({ ids: ["4", "2"] });
    expect(ids(result.messages)).toEqual(["2", "4"]);
    expect(result).toMatchObject({ complete: true, count: 2 });
    const error = await notFound(() => store().queryArchive(KEY, { ids: ["2", "14"] }));
    expect(error.id).toBe("14");
    expect((await store().queryArchive(KEY, { ids: [] })).count).toBe(10);
  });

  it("counts the messages since a start anywhere in the archive: before it, at each message, between two, after it", async () => {
    await fillAsync(store());
    // hour(n) is message n's time (10 messages, hours 0–9): the older half and the newer half, both ends, and beyond.
    const starts = [hour(0) - 1, hour(0), hour(1), hour(2) + 1, hour(4), hour(5), hour(7) + 1, hour(9), hour(9) + 1];
    const counts = [];
    for (const start of starts) counts.push((await store().queryArchive(KEY, { start, max: 1 })).count);
    expect(counts).toEqual([10, 10, 9, 7, 6, 5, 2, 1, 0]);
    expect((await store().queryArchive({ ...KEY, room: `empty-${KEY.room}` }, { start: hour(3) })).count).toBe(0);
  });

  it("treats start and end as inclusive bounds", async () => {
    const result = await query({ start: hour(3), end: hour(5) });
    expect(ids(result.messages)).toEqual(["3", "4", "5"]);
    expect(result).toMatchObject({ complete: true, count: 3 });
    expect((await store().queryArchive(KEY, { start: hour(9) + 1 })).count).toBe(0);
  });

  it("treats after-id and before-id as strict bounds that the count respects", async () => {
    const result = await query({ afterId: "2", beforeId: "6" });
    expect(ids(result.messages)).toEqual(["3", "4", "5"]);
    expect(result.count).toBe(3);
    const paged = await store().queryArchive(KEY, { afterId: "2", after: "3", max: 1 });
    expect(ids(paged.messages)).toEqual(["4"]);
    expect(paged).toMatchObject({ complete: false, count: 7 });
  });

  it("combines filters with paging", async () => {
    const result = await query({ start: hour(2), end: hour(8), with: historyMan(5), before: "" });
    expect(ids(result.messages)).toEqual(["5"]);
    expect(await store().queryArchive(KEY, { start: hour(2), end: hour(8), before: "6", max: 2 })).toMatchObject({ count: 7, first: "4", last: "5" });
  });

  it("only counts when max is 0", async () => {
    expect(await query({ max: 0 })).toEqual({ messages: [], complete: false, count: 10 });
  });

  it("caps pages at MAM_MAX_PAGE, with or without max", async () => {
    await store().putRoom(room());
    const total = MAM_MAX_PAGE + 20;
    for (let n = 0; n < total; n++) await store().archive(message(n, { timestamp: hour(0) + n }));
    for (const q of [{}, { max: MAM_MAX_PAGE * 4 }]) {
      const result = await store().queryArchive(KEY, q);
      expect(result.messages).toHaveLength(MAM_MAX_PAGE);
      expect(result).toMatchObject({ complete: false, count: total, last: String(MAM_MAX_PAGE - 1) });
    }
  });

  it("pages through the whole archive with after, each message once", async () => {
    await fillAsync(store());
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store().queryArchive(KEY, { max: 3, after });
      seen.push(...ids(page.messages));
      if (page.complete) break;
      after = page.last;
    }
    expect(seen).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  });

  it("orders equal timestamps by arrival and older backfill before newer live messages", async () => {
    await store().putRoom(room());
    for (const id of ["a", "b", "c"]) await store().archive(message(5, { stanzaId: id, legacyId: undefined, source: "live" }));
    await store().archive(message(1, { stanzaId: "old" }));
    expect(ids((await store().queryArchive(KEY)).messages)).toEqual(["old", "a", "b", "c"]);
    expect(ids((await store().queryArchive(KEY, { after: "a" })).messages)).toEqual(["b", "c"]);
    expect(ids((await store().queryArchive(KEY, { beforeId: "c" })).messages)).toEqual(["old", "a", "b"]);
  });

  it("rejects a max that is not a non-negative integer", async () => {
    await fillAsync(store());
    for (const max of [-1, 1.5, Number.NaN]) await expect(store().queryArchive(KEY, { max })).rejects.toThrow(TypeError);
  });

  it("answers a room that was never stored with an empty archive", async () => {
    const other = { user: USER, room: "nowhere@gw.example" };
    expect(await store().queryArchive(other, { before: "" })).toEqual({ messages: [], complete: true, count: 0 });
    expect((await notFound(() => store().queryArchive(other, { after: "1" }))).id).toBe("1");
    expect(await store().archiveMetadata(other)).toEqual({});
  });

  it("gives the first and last message as metadata, and nothing for an empty archive", async () => {
    await store().putRoom(room());
    expect(await store().archiveMetadata(KEY)).toEqual({});
    await fillAsync(store());
    expect(await store().archiveMetadata(KEY)).toEqual({ start: { id: "0", timestamp: hour(0) }, end: { id: "9", timestamp: hour(9) } });
  });
});
