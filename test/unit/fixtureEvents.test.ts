import { describe, expect, it } from "vitest";
import { FixtureError, parseFixture } from "../../src/demo/fixture.js";

const withEvents = (events: unknown) => ({ users: ["a@b"], rooms: [{ id: "r", events }] });

describe("fixture timed events", () => {
  it("parses every kind of event with defaults", () => {
    const events = parseFixture(
      withEvents([
        { afterMs: 5, rename: { from: "bob", to: "robert" } },
        { presence: { nick: "carol", idleSince: "2026-11-20T10:00:00Z" } },
        { afterMs: 1, join: { nick: "dave" } },
        { afterMs: 2, leave: { nick: "dave", kick: true } },
        { afterMs: 3, message: { from: "bob", body: "" } },
        { afterMs: 4, affiliation: { nick: "bob", affiliation: "admin" } },
        { afterMs: 4, role: { nick: "bob", role: "visitor" } },
        { afterMs: 6, subject: { text: "t" } },
        { afterMs: 7, correct: { from: "bob", to: "L1", body: "fixed" } },
        { afterMs: 8, correct: { from: "bob", to: "L1", body: "again", id: "L1-e" } },
        { afterMs: 9, composing: { from: "bob" } },
        { paused: { from: "bob" } },
        { afterMs: 10, displayed: { from: "bob", id: "L1" } },
        { afterMs: 11, retract: { from: "bob", to: "L1", id: "L1-r" } },
        { afterMs: 12, moderate: { to: "L2" } },
        { afterMs: 13, moderate: { by: "bob", to: "L2", reason: "spam", id: "M1" } },
      ]),
    ).rooms[0]!.events;
    expect(events).toEqual([
      { afterMs: 5, rename: { from: "bob", to: "robert" } },
      { afterMs: 0, presence: { nick: "carol", show: "available", idleSince: new Date("2026-11-20T10:00:00Z") } },
      { afterMs: 1, join: { nick: "dave", affiliation: "member", role: "participant" } },
      { afterMs: 2, leave: { nick: "dave", kick: true, ban: false } },
      { afterMs: 3, message: { from: "bob", body: "" } },
      { afterMs: 4, affiliation: { nick: "bob", affiliation: "admin" } },
      { afterMs: 4, role: { nick: "bob", role: "visitor" } },
      { afterMs: 6, subject: { text: "t" } },
      { afterMs: 7, correct: { from: "bob", to: "L1", body: "fixed" } },
      { afterMs: 8, correct: { from: "bob", to: "L1", body: "again", id: "L1-e" } },
      { afterMs: 9, composing: { from: "bob" } },
      { afterMs: 0, paused: { from: "bob" } },
      { afterMs: 10, displayed: { from: "bob", id: "L1" } },
      { afterMs: 11, retract: { from: "bob", to: "L1", id: "L1-r" } },
      { afterMs: 12, moderate: { to: "L2" } },
      { afterMs: 13, moderate: { by: "bob", to: "L2", reason: "spam", id: "M1" } },
    ]);
  });

  it.each([
    [[{ afterMs: 1 }], "rooms[0].events[0]: expected exactly one action"],
    [[{ rename: { from: "a", to: "b" }, join: { nick: "c" } }], "rooms[0].events[0]: expected exactly one action"],
    [[{ dance: {} }], "rooms[0].events[0].dance: unknown field"],
    [[{ afterMs: -1, join: { nick: "x" } }], "rooms[0].events[0].afterMs"],
    [[{ join: { nick: "x", colour: "red" } }], "rooms[0].events[0].join.colour: unknown field"],
    [[{ leave: { nick: "x", kick: true, ban: true } }], "rooms[0].events[0].leave.ban"],
    [[{ presence: { nick: "x", show: "sleepy" } }], "rooms[0].events[0].presence.show"],
    [[{ rename: { from: "x" } }], "rooms[0].events[0].rename.to"],
    [[{ correct: { from: "x", to: "L1" } }], "rooms[0].events[0].correct.body"],
    [[{ correct: { from: "x", body: "b" } }], "rooms[0].events[0].correct.to"],
    [[{ composing: {} }], "rooms[0].events[0].composing.from"],
    [[{ composing: { from: "x", id: "L1" } }], "rooms[0].events[0].composing.id: unknown field"],
    [[{ paused: { from: 3 } }], "rooms[0].events[0].paused.from"],
    [[{ displayed: { from: "x" } }], "rooms[0].events[0].displayed.id"],
    [[{ displayed: { from: "x", id: "" } }], "rooms[0].events[0].displayed.id"],
    [[{ displayed: { id: "L1" } }], "rooms[0].events[0].displayed.from"],
    [[{ displayed: { from: "x", id: "L1", body: "b" } }], "rooms[0].events[0].displayed.body: unknown field"],
    [[{ retract: { from: "x" } }], "rooms[0].events[0].retract.to"],
    [[{ retract: { to: "L1", body: "b" } }], "rooms[0].events[0].retract.body: unknown field"],
    [[{ moderate: { by: "x" } }], "rooms[0].events[0].moderate.to"],
    [[{ moderate: { to: "L1", by: "" } }], "rooms[0].events[0].moderate.by"],
    ["soon", "rooms[0].events"],
  ])("refuses %j naming the field", (events, path) => {
    expect(() => parseFixture(withEvents(events))).toThrow(FixtureError);
    expect(() => parseFixture(withEvents(events))).toThrow(path);
  });
});
