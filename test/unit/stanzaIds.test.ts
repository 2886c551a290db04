/**
 * Stanza-ids mucstate makes for messages without a legacy id: unique, unguessable, and in time
 * order, so that the archive's id index grows at its end.
 */
import { describe, expect, it } from "vitest";
import { newStanzaId } from "../../src/actors/archive.js";

describe("new stanza-ids", () => {
  it("sort by the time they were made, across a change of the leading digit", () => {
    const times = [0, 1, 35, 36, Date.UTC(2026, 10, 25), Date.UTC(2026, 10, 25) + 1, Date.UTC(2100, 0, 1)];
    const ids = times.map((t) => newStanzaId(t));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{9}[\w-]{14}$/);
  });

  it("differ when made in the same millisecond", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newStanzaId(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
