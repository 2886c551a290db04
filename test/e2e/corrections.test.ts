/**
 * Corrections (XEP-0308) through a real Prosody, both ways, read as a namespace-aware client
 * reads them: the user's correction reaches `onCorrect` (never `onText`), is echoed and archived;
 * a participant's correction arrives with `<replace/>` naming the legacy message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinRoom, startLoggedBed } from "../helpers/e2e.js";
import { conditionOf, qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, archivedMessages, xml } from "../helpers/xmppClient.js";

const CORRECT = "urn:xmpp:message-correct:0";
const SID = "urn:xmpp:sid:0";
const ROOM = "edits@ed.localhost";
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "edits",
      userNick: "alice",
      participants: [{ nick: "bob", contact: "bob-id" }],
      events: [
        { afterMs: 300, message: { from: "bob", body: "helo from bob", id: "B-1" } },
        { afterMs: 400, correct: { from: "bob", to: "B-1", body: "hello from bob", id: "B-1e" } },
      ],
    },
    { id: "noedit", userNick: "alice", reject: { correct: "feature-not-implemented" } },
  ],
};

/** A groupchat message from alice to `room`, with origin-id = id, optionally correcting `replaces`. */
const groupchat = (room: string, id: string, body: string, replaces?: string) =>
  xml(
    "message",
    { to: room, type: "groupchat", id },
    xml("body", {}, body),
    ...(replaces ? [xml("replace", { xmlns: CORRECT, id: replaces })] : []),
    xml("origin-id", { xmlns: SID, id }),
  );

describe("corrections through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startLoggedBed>>;
  let alice: TestUser;
  beforeAll(async () => {
    bed = await startLoggedBed(fixture, { domain: "ed.localhost", callbackTimeoutMs: 5000 });
    alice = bed.alice;
  });
  afterAll(() => bed?.stop());

  it("a user's correction goes to onCorrect, never onText, is echoed with <replace> and archived; an unknown target is item-not-found", async () => {
    await joinRoom(alice, ROOM);
    await alice.send(groupchat(ROOM, "m-1", "helo"));
    const [original] = await alice.waitFor((s) => s.attrs.id === "m-1");
    await alice.send(groupchat(ROOM, "c-1", "hello", "m-1"));
    await alice.send(groupchat(ROOM, "c-2", "lost", "no-such-message"));
    const [echo] = await alice.waitFor((s) => s.attrs.id === "c-1");
    expect(qualifiedTree(echo!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${CORRECT}}replace`,
      `  {${SID}}origin-id`,
      `  {${SID}}stanza-id`,
      "  {urn:xmpp:occupant-id:0}occupant-id",
    ]);
    expect(echo!.attrs).toMatchObject({ from: `${ROOM}/alice`, type: "groupchat" });
    expect(echo!.getChild("replace", CORRECT)!.attrs.id).toBe("m-1");
    const legacyId = original!.getChild("stanza-id", SID)!.attrs.id;
    const correctionId = echo!.getChild("stanza-id", SID)!.attrs.id;
    expect(correctionId).not.toBe(legacyId);
    const [refused] = await alice.waitFor((s) => s.attrs.id === "c-2");
    expect([refused!.attrs.type, conditionOf(refused)]).toEqual(["error", "item-not-found"]);

    expect(await bed.logged("edits", "onText", "onCorrect")).toEqual([
      ["onText", ["helo", "m-1"]],
      ["onCorrect", [legacyId, "hello", "c-1"]],
    ]);

    const archived = (await archivedMessages(alice, ROOM, "mam")).map(([, m]) => m!);
    const mine = archived.filter((m) => m.attrs.from === `${ROOM}/alice`);
    expect(mine.map((m) => [m.getChildText("body", "jabber:client"), m.getChild("replace", CORRECT)?.attrs.id ?? null])).toEqual([
      ["helo", null],
      ["hello", "m-1"],
    ]);
  });

  it("a participant's correction arrives with <replace> naming the legacy message, its own stanza-id and occupant-id", async () => {
    const [fromBob] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/bob` && s.getChildText("body", "jabber:client") === "helo from bob");
    const [edit] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/bob` && s.getChild("replace", CORRECT) !== undefined);
    expect(qualifiedTree(edit!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${CORRECT}}replace`,
      `  {${SID}}stanza-id`,
      "  {urn:xmpp:occupant-id:0}occupant-id",
      "  {http://jabber.org/protocol/chatstates}active",
      "  {urn:xmpp:chat-markers:0}markable",
    ]);
    expect([edit!.attrs.id, edit!.getChildText("body", "jabber:client"), edit!.getChild("replace", CORRECT)!.attrs.id]).toEqual(["B-1e", "hello from bob", "B-1"]);
    expect(edit!.getChild("stanza-id", SID)!.attrs).toMatchObject({ id: "B-1e", by: ROOM });
    expect(fromBob!.getChild("stanza-id", SID)!.attrs.id).toBe("B-1");
  });

  it("a room whose network refuses corrections answers the refusal and sends no new message", async () => {
    const room = "noedit@ed.localhost";
    await joinRoom(alice, room);
    await alice.send(groupchat(room, "n-1", "helo"));
    await alice.waitFor((s) => s.attrs.id === "n-1");
    await alice.send(groupchat(room, "n-2", "hello", "n-1"));
    const [refused] = await alice.waitFor((s) => s.attrs.id === "n-2");
    expect(conditionOf(refused)).toBe("feature-not-implemented");
    expect(alice.received.filter((s) => s.attrs.id === "n-2")).toHaveLength(1);
  });
});
