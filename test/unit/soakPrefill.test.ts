/**
 * The soak's prefill (bench/soak/prefill.ts): before the gateway starts, the store holds what a
 * gateway that has been running would hold, every soak room and an archive in each, so that
 * SQLite's page cache starts at its bound instead of filling during the measured minutes.
 */
import { describe, expect, it } from "vitest";
import { prefillStore } from "../../bench/soak/prefill.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";

const NOW = Date.UTC(2026, 11, 2, 10);
const PLAN = { users: ["soak0@localhost", "soak1@localhost"], roomsPerUser: 2, domain: "soak.localhost", perRoom: 3, participants: 2 };

describe("soak prefill", () => {
  it("stores every room of every user with its archive: messages from the room's participants in the hour before the start", () => {
    const store = openSqliteStore(":memory:", { retentionDays: 1 });
    expect(prefillStore(store, PLAN, NOW)).toBe(12);
    expect(store.getRoom("soak1@localhost", "r1@soak.localhost")).toMatchObject({ legacyId: "r1", type: "group", userNick: "me", subject: "steady traffic" });
    const page = store.queryArchive({ user: "soak1@localhost", room: "r1@soak.localhost" }, { before: "", max: 50 });
    expect(page.count).toBe(3);
    expect(page.messages.map((m) => [m.authorJid, m.timestamp])).toEqual([
      ["r1@soak.localhost/p0", NOW - 3_600_000],
      ["r1@soak.localhost/p1", NOW - 2_400_000],
      ["r1@soak.localhost/p0", NOW - 1_200_000],
    ]);
    const first = page.messages[0]!;
    expect(first.xml).toContain('<message xmlns="jabber:client" type="groupchat" from="r1@soak.localhost/p0" to="soak1@localhost"');
    expect(first.xml).toContain(`<stanza-id xmlns="urn:xmpp:sid:0" id="${first.stanzaId}" by="r1@soak.localhost"/>`);
    store.close();
  });

  it("--prefill 0 leaves the store empty", () => {
    const store = openSqliteStore(":memory:", { retentionDays: 1 });
    expect(prefillStore(store, { ...PLAN, perRoom: 0 }, NOW)).toBe(0);
    expect(store.getRoom("soak0@localhost", "r0@soak.localhost")).toBeUndefined();
    store.close();
  });
});
