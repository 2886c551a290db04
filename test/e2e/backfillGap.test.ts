/**
 * A restart with a gap, end to end: history missed while the gateway was down reaches the user,
 * because `backfill` gets the bounds of the hole (after the last message the first run archived,
 * before the first one the second run received live).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { LegacyRoom, type BackfillBounds } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import type { ProsodyHandle } from "../../src/testbed/prosody.js";
import { prosodyWithAlice } from "../helpers/e2e.js";
import { type TestUser, archivedBodies, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const DOMAIN = "gap.localhost";
const ROOM = `gap@${DOMAIN}`;

/** The legacy network: one group's messages, in order, each with an id and a date. */
const network: Array<{ id: string; text: string; date: Date }> = [];
const post = (id: string, minutesAgo: number) => network.push({ id, text: id, date: new Date(Date.now() - minutesAgo * 60_000) });
/** What each backfill call received, in order. */
const backfills: BackfillBounds[] = [];
/** The room instance of the running gateway. */
let current: GapRoom | undefined;

class GapRoom extends LegacyRoom {
  override async updateInfo() {
    this.name = "Gap";
    this.subject = "mind the gap";
    current = this;
  }
  override async fillParticipants() {
    await this.getParticipant("bob");
  }
  /** Fetches what lies strictly between the bounds, as a network API with ids would. */
  override async backfill(bounds: BackfillBounds) {
    backfills.push(bounds);
    const index = (id: string) => network.findIndex((m) => m.id === id);
    const from = bounds.after ? index(bounds.after.id) + 1 : 0;
    const to = bounds.before ? index(bounds.before.id) : network.length;
    const bob = await this.getParticipant("bob");
    for (const m of network.slice(from, to)) bob.sendText(m.text, { legacyId: m.id, when: m.date, archiveOnly: true });
  }
  /** A message arrives live from the network. */
  async live(id: string) {
    post(id, 0);
    const when = network.at(-1)!.date;
    (await this.getParticipant("bob")).sendText(id, { legacyId: id, when });
  }
}

class GapSession extends LegacySession {
  createRoom(id: string) {
    return new GapRoom(this, id);
  }
}

describe("a restart with a gap", () => {
  let prosody: ProsodyHandle;
  let gateway: Gateway | undefined;
  let alice: TestUser;
  const start = async () => {
    gateway = createGateway({
      domain: DOMAIN,
      secret: prosody.secret,
      service: prosody.service,
      store: join(prosody.dir, "gap.sqlite"),
      plugin: { createSession: (user) => new GapSession(user) },
    });
    await gateway.start();
  };

  let bed: Awaited<ReturnType<typeof prosodyWithAlice>>;
  beforeAll(async () => {
    bed = await prosodyWithAlice(DOMAIN);
    ({ prosody, alice } = bed);
  });
  afterAll(() => bed?.stop(gateway));

  /** Joins with the default history; resolves with the bodies of the history messages. */
  async function join_(): Promise<string[]> {
    alice.clear();
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.attrs.from === ROOM && s.getChild("subject", "jabber:client") !== undefined);
    return alice.received.filter((s) => s.is("message", "jabber:client") && s.getChild("delay", "urn:xmpp:delay") && s.getChild("body", "jabber:client")).map((s) => s.getChildText("body", "jabber:client") as string);
  }

  async function mamBodies(): Promise<string[]> {
    return (await archivedBodies(alice, ROOM, `q${Date.now()}`)) as string[];
  }

  it("fetches what was sent while the gateway was down, between the last archived and the first live message", async () => {
    post("m1", 60);
    post("m2", 50);
    await start();
    // First run: an empty archive, so the whole history; then a live message.
    expect(await join_()).toEqual(["m1", "m2"]);
    await current!.live("m3");
    await alice.waitFor((s) => s.getChildText("body", "jabber:client") === "m3");
    await gateway!.stop();
    await alice.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.type === "unavailable" && s.attrs.from === `${ROOM}/alice`);

    // Down: the network goes on without the gateway.
    post("m4", 0);
    post("m5", 0);

    // Second run: the room activates (disco#info), a message arrives live before anyone joins.
    await start();
    await alice.send(xml("iq", { to: ROOM, type: "get", id: "info" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    await alice.waitFor((s) => s.attrs.id === "info");
    await current!.live("m6");

    expect(await join_()).toEqual(["m1", "m2", "m3", "m4", "m5", "m6"]);
    expect(await mamBodies()).toEqual(["m1", "m2", "m3", "m4", "m5", "m6"]);
    const dateOf = (id: string) => network.find((m) => m.id === id)!.date;
    expect(backfills).toEqual([{}, { after: { id: "m3", date: dateOf("m3") }, before: { id: "m6", date: dateOf("m6") } }]);
  });
});
