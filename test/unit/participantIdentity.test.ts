/**
 * One occupant per person: what a client sees when a plugin looks the same person up by
 * nickname and by contact, live and while `backfill` runs (slidge's `get_participant` /
 * `get_participant_by_contact`, docs/slidge-muc.md §5).
 */
import type { Element } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import type { LegacyParticipant } from "../../src/legacy/LegacyParticipant.js";
import { ALICE, DOMAIN } from "../helpers/harness.js";
import { STAGE, joinWithHistory, qualified, stageHarness } from "../helpers/stageRoom.js";
import { qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const MUC_USER = "http://jabber.org/protocol/muc#user";
const NICK = "http://jabber.org/protocol/nick";
const OCCUPANT_ID = "urn:xmpp:occupant-id:0";

/** Sender resource, XEP-0172 nick and occupant-id of a stanza from an occupant. */
const occupant = (s: Element) => ({
  resource: String(s.attrs.from).slice(STAGE.length + 1),
  nick: s.getChildText("nick", NICK),
  occupantId: s.getChild("occupant-id", OCCUPANT_ID)?.attrs.id as string | undefined,
});

describe("one occupant per person", () => {
  it("gives a contact whose name a nick-only occupant holds its own occupant, as slidge does, and the same one on every lookup", async () => {
    const h = stageHarness({});
    h.route(joinWithHistory(STAGE, "phone", 0));
    await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
    await h.settle();
    const [bobPresence] = h.take().filter((s) => s.attrs.from === `${STAGE}/bob`);
    const room = h.actor().room;
    const nickOnly = await room.getParticipant("bob");
    const byContact = await room.getParticipantByContact("bob-id", "bob");
    expect(await room.getParticipantByContact("bob-id", "bob")).toBe(byContact);
    expect(await room.getParticipant("bob")).toBe(nickOnly);
    await h.settle();
    const out = h.take();
    expect(out.map(qualified)).toEqual([
      `{jabber:client}presence phone {${MUC_USER}}x {${NICK}}nick {${OCCUPANT_ID}}occupant-id`,
    ]);
    const [presence] = out;
    expect(presence!.attrs.from).toBe(`${STAGE}/bob (bob-id)`);
    expect(presence!.getChild("x", MUC_USER)!.getChild("item", MUC_USER)!.attrs.jid).toBe(`bob-id@${DOMAIN}`);
    expect(occupant(presence!)).toMatchObject({ nick: "bob" });
    expect(occupant(presence!).occupantId).not.toBe(occupant(bobPresence!).occupantId);
    expect(nickOnly.contact).toBeUndefined();
    expect((await room.getParticipants()).map((p) => [p.resource, p.contact])).toEqual([
      ["bob", undefined],
      ["carol", undefined],
      ["bob (bob-id)", "bob-id"],
    ]);
  });

  it("returns the same participant for the same person within one backfill, and two people with one name get two nicks in the history", async () => {
    const seen: LegacyParticipant[] = [];
    const h = stageHarness({
      async backfill(room) {
        const send = async (get: () => Promise<LegacyParticipant>, id: string) => {
          const p = await get();
          seen.push(p);
          p.sendText(id, { legacyId: id, archiveOnly: true });
        };
        await send(() => room.getParticipant("dave"), "h1");
        await send(() => room.getParticipantByContact("erin-id", "erin"), "h2");
        await send(() => room.getParticipant("dave"), "h3");
        await send(() => room.getParticipantByContact("erin-id", "erin"), "h4");
        await send(() => room.getParticipantByContact("other-erin", "erin"), "h5");
        await send(() => room.getParticipantByContact("bob-id", "bob"), "h6");
        await send(() => room.getParticipantByContact("bob-id", "bob"), "h7");
      },
    });
    h.route(joinWithHistory(STAGE, "phone", 10));
    await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
    await h.settle();
    const out = h.take();
    const history = out.filter((s) => qualifiedChild(s, "{jabber:client}body") !== undefined);
    expect(history.map((s) => [qualifiedText(s, "{jabber:client}body"), occupant(s).resource, occupant(s).nick])).toEqual([
      ["h1", "dave", null],
      ["h2", "erin", null],
      ["h3", "dave", null],
      ["h4", "erin", null],
      ["h5", "erin (other-erin)", "erin"],
      ["h6", "bob (bob-id)", "bob"],
      ["h7", "bob (bob-id)", "bob"],
    ]);
    const ids = history.map((s) => occupant(s).occupantId);
    expect(new Set(ids).size).toBe(4);
    expect([ids[0], ids[1], ids[5]]).toEqual([ids[2], ids[3], ids[6]]);
    const [d1, e1, d2, e2, other, b1, b2] = seen;
    expect([d2 === d1, e2 === e1, b2 === b1, other === e1]).toEqual([true, true, true, false]);
    // Backfilled senders are not occupants: the join showed bob, carol and alice only.
    expect(out.filter((s) => s.name === "presence").map((s) => String(s.attrs.from))).toEqual([`${STAGE}/bob`, `${STAGE}/carol`, `${STAGE}/alice`]);
    // After the backfill, dave speaking live is a new, stored occupant with a presence.
    const live = await h.actor().room.getParticipant("dave");
    expect(live).not.toBe(d1);
    await h.settle();
    expect(h.take().map((s) => `${s.name} ${String(s.attrs.from)} -> ${String(s.attrs.to)}`)).toEqual([`presence ${STAGE}/dave -> ${ALICE}/phone`]);
  });

  it("the same contact under a new nick is that occupant changing nick: 303 from the old nick, a presence from the new, one occupant", async () => {
    const h = stageHarness({});
    h.route(joinWithHistory(STAGE, "phone", 0));
    await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
    await h.settle();
    h.take();
    const room = h.actor().room;
    const dan = await room.getParticipantByContact("dan-id", "dan");
    await h.settle();
    h.take();
    expect(await room.getParticipant("daniel", { contact: "dan-id" })).toBe(dan);
    await h.settle();
    const out = h.take();
    expect(out.map((s) => `${qualified(s)} ${String(s.attrs.from)}`)).toEqual([
      `{jabber:client}presence/unavailable phone {${MUC_USER}}x[303] {${OCCUPANT_ID}}occupant-id ${STAGE}/dan`,
      `{jabber:client}presence phone {${MUC_USER}}x {${OCCUPANT_ID}}occupant-id ${STAGE}/daniel`,
    ]);
    expect(out[0]!.getChild("x", MUC_USER)!.getChild("item", MUC_USER)!.attrs.nick).toBe("daniel");
    expect(occupant(out[1]!).occupantId).toBe(occupant(out[0]!).occupantId);
    // The same nick again, or the contact looked up with a raiseIfNotFound, changes nothing.
    expect(await room.getParticipant("daniel", { contact: "dan-id", raiseIfNotFound: true })).toBe(dan);
    // Two people with one name stay two: a contact whose nick another person holds is not them.
    const otherCarol = await room.getParticipant("carol", { contact: "carol-2" });
    const otherDaniel = await room.getParticipant("daniel", { contact: "dan-2" });
    await h.settle();
    expect(h.take().map((s) => `${s.attrs.type ?? "available"} ${String(s.attrs.from)}`)).toEqual([
      `available ${STAGE}/carol (carol-2)`,
      `available ${STAGE}/daniel (dan-2)`,
    ]);
    expect([otherCarol === (await room.getParticipant("carol")), otherDaniel === dan]).toEqual([false, false]);
    expect((await room.getParticipants()).map((p) => [p.resource, p.contact])).toEqual([
      ["bob", undefined],
      ["carol", undefined],
      ["daniel", "dan-id"],
      ["carol (carol-2)", "carol-2"],
      ["daniel (dan-2)", "dan-2"],
    ]);
  });

  it("a renamed backfill sender is found under its new nick only, its old nick is free for someone else, and an occupant under an old name in the history is not renamed", async () => {
    const h = stageHarness({
      async backfill(room) {
        const dave = await room.getParticipant("dave");
        dave.sendText("h1", { legacyId: "h1", archiveOnly: true });
        dave.rename("david");
        (await room.getParticipant("david")).sendText("h2", { legacyId: "h2", archiveOnly: true });
        (await room.getParticipant("dave")).sendText("h3", { legacyId: "h3", archiveOnly: true });
        // A stored occupant's contact under an old name in the history is not renamed.
        (await room.getParticipant("bobby", { contact: "bob-id" })).sendText("h4", { legacyId: "h4", archiveOnly: true });
      },
      async fillParticipants(room) {
        await room.getParticipantByContact("bob-id", "bob");
      },
    });
    h.route(joinWithHistory(STAGE, "phone", 10));
    await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
    await h.settle();
    const out = h.take();
    const history = out.filter((s) => qualifiedChild(s, "{jabber:client}body") !== undefined);
    expect(history.map((s) => [qualifiedText(s, "{jabber:client}body"), occupant(s).resource])).toEqual([
      ["h1", "dave"],
      ["h2", "david"],
      ["h3", "dave"],
      ["h4", "bob"],
    ]);
    const ids = history.map((s) => occupant(s).occupantId);
    expect(ids[1]).toBe(ids[0]);
    expect(out.filter((s) => s.name === "presence").map((s) => String(s.attrs.from))).toEqual([`${STAGE}/bob`, `${STAGE}/alice`]);
  });
});
