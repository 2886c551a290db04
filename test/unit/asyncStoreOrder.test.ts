/**
 * A room on an asynchronous store (every call answered later, as PostgreSQL does) keeps the
 * order of what it sends: a step that waits for a read or a write holds the steps after it, and
 * what is archived goes out only once it is written. A synchronous store answers at once and
 * nothing waits.
 */
import { describe, expect, it } from "vitest";
import { type AsyncStore, fromSyncStore } from "../../src/store/asyncTypes.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { isStoreFull } from "../../src/store/errors.js";
import { ALICE, DOMAIN, endsJoin, fixtureHarness, groupchat, joinPresence, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const SID = "urn:xmpp:sid:0";
const CORRECT = "urn:xmpp:message-correct:0";

/**
 * A memory store behind promises that settle after `delayMs` (reads twice as slow as writes, so a
 * later write would overtake an earlier read if nothing kept the order); `failArchive` makes the
 * archive write of a message with this body reject as a full disk.
 */
function slowStore(delayMs: number, failArchive?: string, failReads = false): AsyncStore {
  const inner = fromSyncStore(createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY }));
  const later = <T>(ms: number, call: () => Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => call().then(resolve, reject), ms));
  const reads = new Set(["getRoom", "getRoomByLegacyId", "listRooms", "getAvatar", "getParticipants", "queryArchive", "archiveMetadata", "holeBounds"]);
  return new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || ["afterCommit", "commit", "close"].includes(String(name))) return value;
      return (...args: unknown[]) => {
        if (name === "archive" && failArchive !== undefined && String((args[0] as { xml: string }).xml).includes(failArchive)) {
          return later(delayMs, () => Promise.reject(Object.assign(new Error("database or disk is full"), { code: "53100" })));
        }
        if (failReads && name === "queryArchive") return later(delayMs, () => Promise.reject(new Error("connection terminated")));
        return later(reads.has(String(name)) ? 2 * delayMs : delayMs, () => value.apply(target, args));
      };
    },
  });
}

describe("a room on an asynchronous store", () => {
  it("sends a participant's correction whose target it reads from the store before the message sent after it", async () => {
    const h = fixtureHarness(lobbyFixture(), { asyncStore: slowStore(10) });
    const actor = await joined(h, "lobby");
    const bob = actor.room._storedParticipants().find((p) => p.nickname === "bob")!;
    // Not a recent message: the room reads the store for the id its clients know it by.
    bob.correct("older-message", "corrected text", { legacyId: "B-2" });
    bob.sendText("after the correction", { legacyId: "B-3" });
    await h.until(() => h.sent.filter((s) => s.attrs.from === `${ROOM}/bob` && s.name === "message").length >= 2);
    const messages = h.take().filter((s) => s.attrs.from === `${ROOM}/bob` && s.name === "message");
    expect(messages.map((m) => [qualifiedText(m, "{jabber:client}body"), qualifiedChild(m, `{${CORRECT}}replace`)?.attrs.id ?? null])).toEqual([
      ["corrected text", "older-message"],
      ["after the correction", null],
    ]);
    expect(h.errors).toEqual([]);
  });

  it("fans out the participant's messages in the order sent, each with its stanza-id, and echoes the user's message, once archived", async () => {
    const h = fixtureHarness(lobbyFixture(), { asyncStore: slowStore(5) });
    const actor = await joined(h, "lobby");
    const bob = actor.room._storedParticipants().find((p) => p.nickname === "bob")!;
    for (let i = 1; i <= 5; i++) bob.sendText(`message ${i}`, { legacyId: `B-${i}` });
    await h.until(() => h.sent.filter((s) => s.attrs.from === `${ROOM}/bob`).length >= 5);
    const live = h.take().filter((s) => s.attrs.from === `${ROOM}/bob` && s.name === "message");
    expect(live.map((m) => [qualifiedText(m, "{jabber:client}body"), qualifiedChild(m, `{${SID}}stanza-id`)?.attrs.id])).toEqual(
      [1, 2, 3, 4, 5].map((i) => [`message ${i}`, `B-${i}`]),
    );
    h.route(groupchat("lobby", "from alice", "phone", "m-1"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "m-1"));
    const [echo] = h.take().filter((s) => s.attrs.id === "m-1");
    expect(qualifiedChild(echo!, `{${SID}}stanza-id`)).toBeDefined();
  });

  it("reports a message whose archive write the store rejects as lost, naming its stanza-id and the full disk", async () => {
    const h = fixtureHarness(lobbyFixture(), { asyncStore: slowStore(5, "disk is full now") });
    await joined(h, "lobby");
    h.route(groupchat("lobby", "disk is full now", "phone", "m-full"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "m-full"));
    const [echo] = h.take().filter((s) => s.attrs.id === "m-full");
    const stanzaId = qualifiedChild(echo!, `{${SID}}stanza-id`)!.attrs.id as string;
    // The harness has no outbox: the gateway's outbox would send resource-constraint instead (test/e2e/diskFull.test.ts).
    expect(h.warnings.map(([message, error]) => [message.startsWith(`message ${stanzaId} of room ${ROOM} (user ${ALICE}) was not archived`), isStoreFull(error)])).toEqual([[true, true]]);
  });

  it("completes a join without history when the store cannot read the archive, and says why to onError", async () => {
    const h = fixtureHarness(lobbyFixture(), { asyncStore: slowStore(5, undefined, true) });
    h.route(joinPresence("lobby", "alice"));
    await h.until(() => h.sent.some(endsJoin(ROOM, "phone")));
    const joined = h.take();
    expect(joined.filter((s) => s.name === "message" && qualifiedChild(s, "{jabber:client}body") !== undefined)).toEqual([]);
    expect(joined.some((s) => s.name === "presence" && s.attrs.from === `${ROOM}/alice`)).toBe(true);
    expect(h.errors.map((e) => (e as Error).message)).toContain("connection terminated");
  });
});
