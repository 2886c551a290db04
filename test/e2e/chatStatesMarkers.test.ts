/**
 * Chat states (XEP-0085) and displayed markers (XEP-0333) through a real Prosody, both ways, read
 * as a namespace-aware client reads them: a fixture participant's typing and marker reach the
 * user unarchived; the user's reach onComposing/onDisplayed and the marker is echoed to their
 * other resource.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCallLog } from "../../src/demo/callLog.js";
import { PASSWORD, startBedWithAlice } from "../helpers/e2e.js";
import { qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, connectUser, reachedGateway, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const CHAT_STATES = "http://jabber.org/protocol/chatstates";
const MARKERS = "urn:xmpp:chat-markers:0";
const SID = "urn:xmpp:sid:0";
const MAM = "urn:xmpp:mam:2";
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

const join_ = (user: TestUser) => user.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
const subjectOf = (s: ReturnType<typeof xml>) => s.attrs.from === ROOM && s.getChild("subject", "jabber:client") !== undefined;

describe("chat states and displayed markers through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startBedWithAlice>>;
  let alice: TestUser;
  let calls: string;
  beforeAll(async () => {
    calls = join(mkdtempSync(join(tmpdir(), "mucstate-signals-")), "calls.jsonl");
    bed = await startBedWithAlice(fixture, { domain: DOMAIN, calls });
    alice = bed.alice;
  });
  afterAll(() => bed?.stop());

  it("a participant's typing, pause, then displayed marker arrive from its occupant JID with occupant-id, no stanza-id, and are not archived", async () => {
    await join_(alice);
    await alice.waitFor(subjectOf);
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

    await alice.send(xml("iq", { to: ROOM, type: "set", id: "mam-a" }, xml("query", { xmlns: MAM, queryid: "mam-a" })));
    await alice.waitFor((s) => s.is("iq", "jabber:client") && s.attrs.id === "mam-a");
    const archived = alice.received
      .map((s) => s.getChild("result", MAM))
      .filter((r) => r?.attrs.queryid === "mam-a")
      .map((r) => r!.getChild("forwarded", "urn:xmpp:forward:0")!.getChild("message", "jabber:client")!);
    expect(archived.map((m) => [m.attrs.from, m.getChildText("body", "jabber:client")])).toEqual([[`${ROOM}/carol`, "hello from carol"]]);
    expect(archived.filter((m) => m.getChild("composing", CHAT_STATES) || m.getChild("paused", CHAT_STATES) || m.getChild("displayed", MARKERS))).toEqual([]);
  });

  it("the user's <composing/> and bodiless <displayed/> reach onComposing and onDisplayed(legacy id); the marker is echoed to the other resource only", async () => {
    const laptop = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, "laptop");
    try {
      await join_(laptop);
      await laptop.waitFor(subjectOf);
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
      await bed.callLog.flush();
      const log = (await readCallLog(calls)).filter((e) => e.room === "signals" && ["onComposing", "onPaused", "onDisplayed"].includes(e.callback));
      expect(log.map((e) => [e.callback, e.args])).toEqual([
        ["onComposing", []],
        ["onDisplayed", ["C-1"]],
      ]);
    } finally {
      await laptop.stop();
    }
  });
});
