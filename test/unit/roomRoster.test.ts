/**
 * RoomRoster: a room's participants by resource, nickname and contact, including the empty
 * roster (its indexes are made on the first participant).
 */
import { describe, expect, it } from "vitest";
import { LegacyParticipant } from "../../src/legacy/LegacyParticipant.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { RoomRoster } from "../../src/legacy/roomRoster.js";

class Session extends LegacySession {
  override createRoom(legacyId: string): LegacyRoom {
    return new LegacyRoom(this, legacyId);
  }
}
const room = new LegacyRoom(new Session("alice@example.org"), "lobby");

/** A participant as the room makes them (the roster reads its resource, nickname and contact). */
const participant = (resource: string, nickname = resource, contact?: string) =>
  new LegacyParticipant({ room, resource, nickname, ...(contact !== undefined && { contact }), occupantId: `id-${resource}` });

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
      p.resource = "dee";
      p.nickname = "dee";
    });
    expect(roster.hasResource("dana")).toBe(false);
    expect(roster.byNickname("dana")).toBeUndefined();
    expect(roster.byNickname("dee")).toBe(p);
    expect(roster.holds(p)).toBe(true);
    expect(roster.byContact("d")).toBe(p);
  });
});
