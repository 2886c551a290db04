/**
 * A burst end to end: one client pipelines 1,000 groupchat messages to one room of a gateway with
 * its default options (a paste, a bot, a reconnect flush), and gets every one echoed, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinRoom, startBedWithAlice } from "../helpers/e2e.js";
import { xml } from "../helpers/xmppClient.js";

const BURST = 1_000;
const ROOM = "burst@muc.localhost";
// Each onText takes a millisecond or more: the burst waits in the mailbox, not in the socket.
const fixture = { users: ["alice@localhost"], rooms: [{ id: "burst", participants: [{ nick: "bob" }], delayMs: { requests: 1 } }] };

describe("a burst of messages through Prosody, default options", () => {
  let bed: Awaited<ReturnType<typeof startBedWithAlice>>;
  beforeAll(async () => {
    bed = await startBedWithAlice(fixture);
    await joinRoom(bed.alice, ROOM);
  });
  afterAll(async () => {
    await bed?.stop();
  });

  it("echoes all of 1,000 messages one client pipelines to one room, in order, refusing none", async () => {
    const { alice } = bed;
    alice.clear();
    const sent = [];
    for (let i = 0; i < BURST; i++) {
      sent.push(alice.send(xml("message", { to: ROOM, type: "groupchat", id: `burst-${i}` }, xml("body", {}, `burst message ${i}`))));
    }
    await Promise.all(sent);
    const fromRoom = (s: (typeof alice.received)[number]) => s.name === "message" && s.attrs.from?.startsWith(ROOM) === true && s.attrs.id?.startsWith("burst-") === true;
    const answers = await alice.waitFor(fromRoom, { count: BURST, timeoutMs: 120_000 });
    expect(answers.filter((s) => s.attrs.type === "error").map((s) => s.toString()).slice(0, 3)).toEqual([]);
    expect(answers.map((s) => s.attrs.id)).toEqual(Array.from({ length: BURST }, (_, i) => `burst-${i}`));
    for (const [i, echo] of answers.entries()) {
      expect(echo.attrs).toMatchObject({ type: "groupchat", from: `${ROOM}/alice` });
      expect(echo.getChildText("body", "jabber:client")).toBe(`burst message ${i}`);
      expect(echo.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.by).toBe(ROOM);
    }
  }, 180_000);
});
