import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixtureError, loadFixture, parseFixture } from "../../src/demo/fixture.js";
import { defaultErrorType, STANZA_ERROR_CONDITIONS } from "../../src/protocol/conditions.js";

const DEMO = fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url));

/** A minimal valid fixture with `room` merged into its single room. */
function withRoom(room: Record<string, unknown>): unknown {
  return { users: ["alice@localhost"], rooms: [{ id: "r", ...room }] };
}

/** Runs parseFixture and returns the FixtureError it throws. */
function failure(value: unknown, source?: string): FixtureError {
  try {
    parseFixture(value, source);
  } catch (error) {
    expect(error).toBeInstanceOf(FixtureError);
    return error as FixtureError;
  }
  throw new Error("expected parseFixture to throw");
}

describe("parseFixture defaults", () => {
  it("fills every room default", () => {
    const fixture = parseFixture({ users: ["alice@localhost"], rooms: [{ id: "lobby" }] });
    expect(fixture).toEqual({
      users: ["alice@localhost"],
      rooms: [
        {
          id: "lobby",
          name: "lobby",
          description: "",
          subject: "",
          type: "group",
          hasSubject: true,
          hasDescription: true,
          participants: [],
          generatedParticipants: 0,
          history: [],
          generatedHistory: 0,
          delayMs: { updateInfo: 0, fillParticipants: 0, backfill: 0, requests: 0 },
          reject: {},
          events: [],
        },
      ],
    });
    const room = fixture.rooms[0]!;
    expect("userNick" in room).toBe(false);
    expect(room.subjectSetter).toBeUndefined();
    expect(room.subjectDate).toBeUndefined();
  });

  it("defaults rooms to an empty list", () => {
    expect(parseFixture({ users: ["a@b"] }).rooms).toEqual([]);
  });

  it("fills participant and delay defaults and keeps given values", () => {
    const fixture = parseFixture(
      withRoom({
        participants: [{ nick: "bob" }, { nick: "eve", affiliation: "outcast", role: "none", contact: "e1" }],
        delayMs: { backfill: 12.5 },
        history: [{ id: "h1", from: "bob", body: "", at: "2026-11-20T10:01:00Z" }],
        subjectDate: "2026-11-20T10:00:00.250+01:00",
        reject: { setSubject: "forbidden", kick: "not-allowed" },
      }),
    );
    const room = fixture.rooms[0]!;
    expect(room.participants).toEqual([
      { nick: "bob", affiliation: "member", role: "participant" },
      { nick: "eve", affiliation: "outcast", role: "none", contact: "e1" },
    ]);
    expect(room.delayMs).toEqual({ updateInfo: 0, fillParticipants: 0, backfill: 12.5, requests: 0 });
    expect(room.history[0]!.at).toEqual(new Date("2026-11-20T10:01:00Z"));
    expect(room.subjectDate?.toISOString()).toBe("2026-11-20T09:00:00.250Z");
    expect(room.reject).toEqual({ setSubject: "forbidden", kick: "not-allowed" });
  });
});

describe("parseFixture errors", () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ["not an object", [], "", /^fixture: expected an object, got an array$/],
    ["users missing", { rooms: [] }, "users", /expected a non-empty array, got nothing/],
    ["users empty", { users: [] }, "users", /expected a non-empty array, got an array/],
    ["user not a string", { users: [3] }, "users[0]", /expected a bare JID/],
    ["user with resource", { users: ["a@b/res"] }, "users[0]", /expected a bare JID.*got "a@b\/res"/],
    ["user without domain", { users: ["alice"] }, "users[0]", /expected a bare JID/],
    ["duplicate user", { users: ["a@b", "a@b"] }, "users[1]", /duplicate user "a@b" \(already at users\[0\]\)/],
    ["rooms not an array", { users: ["a@b"], rooms: {} }, "rooms", /expected an array, got an object/],
    ["room not an object", { users: ["a@b"], rooms: ["x"] }, "rooms[0]", /expected an object, got "x"/],
    ["room id missing", { users: ["a@b"], rooms: [{}] }, "rooms[0].id", /expected a non-empty string/],
    ["room id empty", withRoom({ id: "" }), "rooms[0].id", /expected a non-empty string, got ""/],
    [
      "duplicate room id",
      { users: ["a@b"], rooms: [{ id: "x" }, { id: "x" }] },
      "rooms[1].id",
      /duplicate room id "x"/,
    ],
    ["bad type", withRoom({ type: "grp" }), "rooms[0].type", /expected "group" or "channel", got "grp"/],
    ["name not a string", withRoom({ name: 5 }), "rooms[0].name", /expected a string, got 5/],
    ["bad boolean", withRoom({ hasSubject: "yes" }), "rooms[0].hasSubject", /expected true or false/],
    ["empty userNick", withRoom({ userNick: "" }), "rooms[0].userNick", /non-empty string/],
    ["bad subjectDate", withRoom({ subjectDate: "yesterday" }), "rooms[0].subjectDate", /ISO-8601/],
    ["impossible subjectDate", withRoom({ subjectDate: "2026-13-45T99:00:00Z" }), "rooms[0].subjectDate", /ISO-8601/],
    ["subjectDate number", withRoom({ subjectDate: 0 }), "rooms[0].subjectDate", /ISO-8601.*got 0/],
    [
      "negative generatedParticipants",
      withRoom({ generatedParticipants: -1 }),
      "rooms[0].generatedParticipants",
      /expected an integer from 0 to 1000000, got -1/,
    ],
    [
      "too many generatedParticipants",
      withRoom({ generatedParticipants: 1_000_001 }),
      "rooms[0].generatedParticipants",
      /from 0 to 1000000/,
    ],
    ["fractional generatedHistory", withRoom({ generatedHistory: 1.5 }), "rooms[0].generatedHistory", /integer/],
    ["too much generatedHistory", withRoom({ generatedHistory: 10_000_001 }), "rooms[0].generatedHistory", /10000000/],
    ["participants not array", withRoom({ participants: "bob" }), "rooms[0].participants", /expected an array/],
    ["participant nick missing", withRoom({ participants: [{}] }), "rooms[0].participants[0].nick", /non-empty/],
    [
      "bad affiliation",
      withRoom({ participants: [{ nick: "a" }, { nick: "b", affiliation: "boss" }] }),
      "rooms[0].participants[1].affiliation",
      /expected one of "owner", "admin", "member", "outcast", "none", got "boss"/,
    ],
    [
      "bad role",
      withRoom({ participants: [{ nick: "a", role: "god" }] }),
      "rooms[0].participants[0].role",
      /expected one of "moderator", "participant", "visitor", "none", got "god"/,
    ],
    ["empty contact", withRoom({ participants: [{ nick: "a", contact: "" }] }), "rooms[0].participants[0].contact", /non-empty/],
    [
      "duplicate nick",
      withRoom({ participants: [{ nick: "bob" }, { nick: "carol" }, { nick: "bob" }] }),
      "rooms[0].participants[2].nick",
      /duplicate nick "bob" \(already at rooms\[0\]\.participants\[0\]\.nick\)/,
    ],
    [
      "nick clashing with a generated participant",
      withRoom({ generatedParticipants: 5, participants: [{ nick: "p3" }] }),
      "rooms[0].participants[0].nick",
      /duplicate nick "p3"/,
    ],
    ["history entry not object", withRoom({ history: [1] }), "rooms[0].history[0]", /expected an object, got 1/],
    [
      "history date missing",
      withRoom({ history: [{ id: "h", from: "b", body: "x" }] }),
      "rooms[0].history[0].at",
      /ISO-8601.*got nothing/,
    ],
    [
      "history body not a string",
      withRoom({ history: [{ id: "h", from: "b", body: null, at: "2026-01-01" }] }),
      "rooms[0].history[0].body",
      /expected a string, got null/,
    ],
    [
      "duplicate history id",
      withRoom({
        history: [
          { id: "h", from: "b", body: "1", at: "2026-01-01T00:00:00Z" },
          { id: "h", from: "b", body: "2", at: "2026-01-01T00:00:01Z" },
        ],
      }),
      "rooms[0].history[1].id",
      /duplicate history id "h"/,
    ],
    ["delayMs not object", withRoom({ delayMs: 5 }), "rooms[0].delayMs", /expected an object, got 5/],
    ["negative delay", withRoom({ delayMs: { backfill: -1 } }), "rooms[0].delayMs.backfill", /non-negative finite number/],
    ["delay as string", withRoom({ delayMs: { requests: "10" } }), "rooms[0].delayMs.requests", /got "10"/],
    ["infinite delay", withRoom({ delayMs: { updateInfo: Number.POSITIVE_INFINITY } }), "rooms[0].delayMs.updateInfo", /finite/],
    ["reject not object", withRoom({ reject: [] }), "rooms[0].reject", /expected an object, got an array/],
    ["unknown request kind", withRoom({ reject: { fly: "forbidden" } }), "rooms[0].reject.fly", /unknown request kind/],
    [
      "bad condition",
      withRoom({ reject: { setSubject: "nope" } }),
      "rooms[0].reject.setSubject",
      /stanza error condition.*got "nope"/,
    ],
  ];

  it.each(cases)("%s", (_name, value, path, message) => {
    const error = failure(value);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(path === "" ? "fixture: " : `fixture ${path}: `)).toBe(true);
  });

  it("uses the documented message format", () => {
    expect(failure(withRoom({ type: "grp" })).message).toBe(
      'fixture rooms[0].type: expected "group" or "channel", got "grp"',
    );
  });

  it.each([
    ["top level", { users: ["a@b"], extra: 1 }, "extra"],
    ["room level", withRoom({ colour: "red" }), "rooms[0].colour"],
    ["participant level", withRoom({ participants: [{ nick: "a", age: 3 }] }), "rooms[0].participants[0].age"],
    ["history level", withRoom({ history: [{ id: "h", from: "b", body: "", at: "2026-01-01", x: 1 }] }), "rooms[0].history[0].x"],
    ["delayMs level", withRoom({ delayMs: { kick: 3 } }), "rooms[0].delayMs.kick"],
    ["odd key", withRoom({ "my field": 1 }), 'rooms[0]["my field"]'],
  ])("refuses an unknown field at %s", (_level, value, path) => {
    const error = failure(value);
    expect(error.path).toBe(path);
    expect(error.message).toBe(`fixture ${path}: unknown field`);
  });

  it("prefixes the source when given", () => {
    const error = failure(withRoom({ type: "grp" }), "demo.json");
    expect(error.source).toBe("demo.json");
    expect(error.message).toBe('demo.json: fixture rooms[0].type: expected "group" or "channel", got "grp"');
  });

  it("accepts a subjectSetter who is not a participant", () => {
    expect(parseFixture(withRoom({ subjectSetter: "ghost" })).rooms[0]!.subjectSetter).toBe("ghost");
  });
});

describe("loadFixture", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mucstate-fixture-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("turns a JSON syntax error into a FixtureError naming the file", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, '{ "users": [');
    const error = await loadFixture(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixtureError);
    expect((error as FixtureError).message).toContain(file);
    expect((error as FixtureError).message).toMatch(/invalid JSON/);
  });

  it("names the file for validation errors and unreadable files", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify(withRoom({ colour: "red" })));
    await expect(loadFixture(file)).rejects.toThrow(`${file}: fixture rooms[0].colour: unknown field`);
    await expect(loadFixture(join(dir, "missing.json"))).rejects.toThrow(/missing\.json: fixture: cannot read file/);
  });

  it("parses the shipped fixtures/demo.json", async () => {
    const fixture = await loadFixture(DEMO);
    expect(fixture.users).toEqual(["alice@localhost"]);
    expect(fixture.rooms.map((r) => r.id)).toEqual(["lobby", "news", "big"]);
    const [lobby, news, big] = fixture.rooms;
    expect(lobby).toMatchObject({
      name: "The Lobby",
      description: "Where it starts",
      subject: "Welcome",
      subjectSetter: "bob",
      subjectDate: new Date("2026-11-20T10:00:00Z"),
      type: "group",
      userNick: "alice",
      participants: [
        { nick: "bob", affiliation: "owner", role: "moderator", contact: "bob-legacy-id" },
        { nick: "carol", affiliation: "member", role: "participant", contact: "carol-legacy-id" },
      ],
    });
    expect(lobby!.history).toHaveLength(2);
    expect(news).toMatchObject({ name: "News Channel", type: "channel", hasDescription: false });
    expect(news!.participants.map((p) => p.nick)).toEqual(["dave"]);
    expect(big!.generatedParticipants).toBe(1000);
  });
});

describe("stanza error conditions", () => {
  it("lists the 22 RFC 6120 conditions with their usual types", () => {
    expect(STANZA_ERROR_CONDITIONS).toHaveLength(22);
    expect(defaultErrorType("forbidden")).toBe("auth");
    expect(defaultErrorType("item-not-found")).toBe("cancel");
    expect(defaultErrorType("bad-request")).toBe("modify");
    expect(defaultErrorType("remote-server-timeout")).toBe("wait");
    for (const condition of STANZA_ERROR_CONDITIONS) {
      expect(["auth", "cancel", "continue", "modify", "wait"]).toContain(defaultErrorType(condition));
    }
  });
});
