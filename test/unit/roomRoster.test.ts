/**
 * RoomRoster: a room's participants by resource, nickname and contact, including the empty
 * roster (its indexes are made on the first participant).
 */
import { describe, expect, it } from "vitest";
import type { LegacyParticipant } from "../../src/legacy/LegacyParticipant.js";
import { RoomRoster } from "../../src/legacy/roomRoster.js";

/** What the roster reads of a participant. */
const participant = (resource: string, nickname = resource, contact?: string) => ({ resource, nickname, contact }) as unknown as LegacyParticipant;

describe("RoomRoster", () => {
  it("answers for an empty roster: nobody by any key, false, and an empty list", () => {
    const roster = new RoomRoster();
    const bob = participant("bob", "bob", "bob-id");
    expect(roster.byNickname("bob")).toBeUndefined();
    expect(roster.byContact("bob-id")).toBeUndefined();
    expect(roster.hasResource("bob")).toBe(false);
    expect(roster.holds(bob)).toBe(false);
    expect(roster.all()).toEqual([]);
    roster.remove(bob); // nothing stored: nothing happens
    expect(roster.all()).toEqual([]);
  });

  it("finds a participant by nickname, by resource, and by contact; one without a contact by the first two", () => {
    const roster = new RoomRoster();
    const bob = participant("bob-1", "bob", "bob-id");
    const carol = participant("carol", "carol");
    roster.add(bob);
    roster.add(carol);
    expect(roster.byNickname("bob")).toBe(bob);
    expect(roster.byNickname("bob-1")).toBe(bob); // by resource when no nickname matches
    expect(roster.byContact("bob-id")).toBe(bob);
    expect(roster.byNickname("carol")).toBe(carol);
    expect(roster.byContact("carol")).toBeUndefined();
    expect(roster.hasResource("bob-1")).toBe(true);
    expect(roster.holds(bob)).toBe(true);
    expect(roster.holds(participant("bob-1", "bob"))).toBe(false); // another object, same keys
    expect(roster.all()).toEqual([bob, carol]);
  });

  it("keeps the first participant under a shared nickname; removing it forgets only that one", () => {
    const roster = new RoomRoster();
    const first = participant("alex", "alex", "a1");
    const second = participant("alex-2", "alex", "a2");
    roster.add(first);
    roster.add(second);
    expect(roster.byNickname("alex")).toBe(first);
    roster.remove(first);
    expect(roster.holds(first)).toBe(false);
    expect(roster.hasResource("alex")).toBe(false);
    expect(roster.byContact("a1")).toBeUndefined();
    expect(roster.byContact("a2")).toBe(second);
    expect(roster.byNickname("alex-2")).toBe(second);
    expect(roster.all()).toEqual([second]);
  });

  it("moves a participant to its new resource and nickname on reindex", () => {
    const roster = new RoomRoster();
    const p = participant("dana", "dana", "d");
    roster.add(p);
    roster.reindex(p, () => {
      Object.assign(p, { resource: "dee", nickname: "dee" });
    });
    expect(roster.hasResource("dana")).toBe(false);
    expect(roster.byNickname("dana")).toBeUndefined();
    expect(roster.byNickname("dee")).toBe(p);
    expect(roster.holds(p)).toBe(true);
    expect(roster.byContact("d")).toBe(p);
  });
});
