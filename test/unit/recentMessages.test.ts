import { describe, expect, it } from "vitest";
import { RECENT_MESSAGES, RecentMessages } from "../../src/actors/recentMessages.js";

describe("a room's recent messages", () => {
  it("finds a message by stanza-id with its legacy id, or null when it has none", () => {
    const recent = new RecentMessages();
    recent.record("s1", "legacy-1");
    recent.record("s2", undefined);
    expect(recent.find("s1")).toEqual({ legacyId: "legacy-1" });
    expect(recent.find("s2")).toEqual({ legacyId: null });
    expect(recent.find("s3")).toBeUndefined();
  });

  it(`keeps the last ${RECENT_MESSAGES}, forgetting the oldest recorded first`, () => {
    const recent = new RecentMessages();
    for (let i = 0; i <= RECENT_MESSAGES; i++) recent.record(`s${i}`, `l${i}`);
    expect(recent.find("s0")).toBeUndefined();
    expect(recent.find("s1")).toEqual({ legacyId: "l1" });
    // Recorded again (a legacy edit of the same message): it becomes the newest.
    recent.record("s1", "l1-edited");
    recent.record("new", undefined);
    expect(recent.find("s1")).toEqual({ legacyId: "l1-edited" });
    expect(recent.find("s2")).toBeUndefined();
    expect(recent.find(`s${RECENT_MESSAGES}`)).toEqual({ legacyId: `l${RECENT_MESSAGES}` });
  });

  it("finds the user's messages by each id their clients know them by, and forgets the oldest ids first", () => {
    const recent = new RecentMessages();
    const first = { stanzaId: "s0", legacyId: "l0", xmppId: "c0" };
    recent.recordOwn(first, ["c0", "o0", "s0", undefined]);
    expect([recent.findOwn("c0"), recent.findOwn("o0"), recent.findOwn("s0"), recent.findOwn("l0")]).toEqual([first, first, first, undefined]);
    for (let i = 1; i <= RECENT_MESSAGES; i++) recent.recordOwn({ stanzaId: `s${i}`, legacyId: null, xmppId: `c${i}` }, [`c${i}`, `o${i}`, `s${i}`]);
    expect(recent.findOwn("c0")).toBeUndefined();
    expect(recent.findOwn("o0")).toBeUndefined();
    expect(recent.findOwn("s0")).toBeUndefined();
    expect(recent.findOwn("c1")?.stanzaId).toBe("s1");
  });

  it("records an id given twice once, in the order first given", () => {
    const recent = new RecentMessages();
    const first = { stanzaId: "s0", legacyId: null, xmppId: "c0" };
    recent.recordOwn(first, ["c0", "c0", "s0"]);
    // 3 × RECENT_MESSAGES - 1 newer ids: one too many, so the oldest id ("c0") goes, "s0" stays.
    for (let i = 1; i < 3 * RECENT_MESSAGES; i++) recent.recordOwn({ stanzaId: `n${i}`, legacyId: null, xmppId: undefined }, [`n${i}`]);
    expect([recent.findOwn("c0"), recent.findOwn("s0")]).toEqual([undefined, first]);
  });
});

describe("mentions found in a text without references", () => {
  it("finds none when the text contains no participant's name, and every one when it does", async () => {
    const { findMentions } = await import("../../src/legacy/replies.js");
    const bob = { nickname: "bob", resource: "bob" } as never;
    const ann = { nickname: "Ann", resource: "ann" } as never;
    expect(findMentions("o0 message number 5", [bob, ann])).toEqual([]);
    expect(findMentions("hi bob, ann!", [bob, ann])).toEqual([
      { participant: bob, start: 3, end: 6 },
      { participant: ann, start: 8, end: 11 },
    ]);
  });
});
