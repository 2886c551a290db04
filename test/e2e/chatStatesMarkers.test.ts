/**
 * Chat states (XEP-0085) and displayed markers (XEP-0333) through a real Prosody, both ways, read
 * as a namespace-aware client reads them: a fixture participant's typing and marker reach the
 * user unarchived; the user's reach onComposing/onDisplayed and the marker is echoed to their
 * other resource.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, joinRoom, startLoggedBed } from "../helpers/e2e.js";
import { qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, archivedMessages, connectUser, reachedGateway, xml } from "../helpers/xmppClient.js";

const CHAT_STATES = "http://jabber.org/protocol/chatstates";
const MARKERS = "urn:xmpp:chat-markers:0";
const SID = "urn:xmpp:sid:0";
const OCCUPANT_ID = "urn:xmpp:occupant-id:0";
const DOMAIN = "cs.localhost";
const ROOM = `signals@${DOMAIN}`;
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "signals",
      userNick: "alice",
      participants: [{ nick: "bob", contact: "bob-id" }, { nick: "carol" }],
      events: [
        { afterMs: 300, message: { from: "carol", body: "hello from carol", id: "C-1" } },
        { afterMs: 400, composing: { from: "bob" } },
        { afterMs: 450, paused: { from: "bob" } },
        { afterMs: 500, displayed: { from: "bob", id: "C-1" } },
      ],
    },
  ],
};

describe("chat states and displayed markers through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startLoggedBed>>;
  let alice: TestUser;
  beforeAll(async () => {
    bed = await startLoggedBed(fixture, { domain: DOMAIN });
    alice = bed.alice;
  });
  afterAll(() => bed?.stop());

  it("a participant's typing, pause, then displayed marker arrive from its occupant JID with occupant-id, no stanza-id, and are not archived", async () => {
    await joinRoom(alice, ROOM);
    const fromBob = (s: ReturnType<typeof xml>) => s.is("message", "jabber:client") && s.attrs.from === `${ROOM}/bob`;
    const [typing, stopped, marker] = await alice.waitFor(fromBob, { count: 3 });
    expect(qualifiedTree(typing!)).toEqual(["{jabber:client}message", `  {${CHAT_STATES}}composing`, `  {${OCCUPANT_ID}}occupant-id`]);
    expect(qualifiedTree(stopped!)).toEqual(["{jabber:client}message", `  {${CHAT_STATES}}paused`, `  {${OCCUPANT_ID}}occupant-id`]);
    expect(qualifiedTree(marker!)).toEqual(["{jabber:client}message", `  {${MARKERS}}displayed`, `  {${OCCUPANT_ID}}occupant-id`]);
    expect([typing!.attrs.type, stopped!.attrs.type, marker!.attrs.type]).toEqual(["groupchat", "groupchat", "groupchat"]);
    expect(marker!.getChild("displayed", MARKERS)!.attrs.id).toBe("C-1");
    const [fromCarol] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/carol` && s.getChildText("body", "jabber:client") === "hello from carol");
    expect(fromCarol!.getChild("stanza-id", SID)!.attrs.id).toBe("C-1");
    expect(typing!.getChild("occupant-id", OCCUPANT_ID)!.attrs.id).toBe(marker!.getChild("occupant-id", OCCUPANT_ID)!.attrs.id);

    const archived = (await archivedMessages(alice, ROOM, "mam-a")).map(([, m]) => m!);
    expect(archived.map((m) => [m.attrs.from, m.getChildText("body", "jabber:client")])).toEqual([[`${ROOM}/carol`, "hello from carol"]]);
    expect(archived.filter((m) => m.getChild("composing", CHAT_STATES) || m.getChild("paused", CHAT_STATES) || m.getChild("displayed", MARKERS))).toEqual([]);
  });

  it("the user's <composing/> and bodiless <displayed/> reach onComposing and onDisplayed(legacy id); the marker is echoed to the other resource only", async () => {
    const laptop = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, "laptop");
    try {
      await joinRoom(laptop, ROOM);
      const [fromCarol] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/carol` && s.getChild("body", "jabber:client") !== undefined);
      const stanzaId = fromCarol!.getChild("stanza-id", SID)!.attrs.id as string;
      alice.clear();
      await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "s-1" }, xml("composing", { xmlns: CHAT_STATES })));
      await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "s-2" }, xml("displayed", { xmlns: MARKERS, id: stanzaId })));
      const [echo] = await laptop.waitFor((s) => s.attrs.id === "s-2");
      expect(qualifiedTree(echo!)).toEqual(["{jabber:client}message", `  {${MARKERS}}displayed`, `  {${OCCUPANT_ID}}occupant-id`]);
      expect(echo!.attrs).toMatchObject({ from: `${ROOM}/alice`, type: "groupchat" });
      expect(echo!.getChild("displayed", MARKERS)!.attrs.id).toBe(stanzaId);
      expect(laptop.received.filter((s) => s.attrs.id === "s-1")).toEqual([]);

      await reachedGateway(alice, DOMAIN);
      expect(alice.received.filter((s) => s.attrs.type === "error" || s.attrs.id === "s-1" || s.attrs.id === "s-2").map(String)).toEqual([]);
      expect(await bed.logged("signals", "onComposing", "onPaused", "onDisplayed")).toEqual([
        ["onComposing", []],
        ["onDisplayed", ["C-1"]],
      ]);
    } finally {
      await laptop.stop();
    }
  });
});
