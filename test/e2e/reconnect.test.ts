/**
 * The component connection dies in the middle of a large fan-out (a proxy between the gateway
 * and Prosody cuts it: an abortive close towards the gateway, whatever it wrote in flight is
 * lost), and the gateway reconnects. Every message reaches each of the user's resources exactly
 * once, or is reported: a duplicate only among the stanzas the outbox reported as re-sent in
 * doubt, a loss only among those it reported dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdgeBed } from "../helpers/edgeBed.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";

const DOMAIN = "cut.localhost";
const MUC = "http://jabber.org/protocol/muc";
const COUNT = 4_000;

/** How often each body `m<i>` from bob reached `user`. */
function arrivals(user: TestUser): Map<string, number> {
  const seen = new Map<string, number>();
  for (const s of user.received) {
    if (!s.is("message", "jabber:client") || s.attrs.from !== `room@${DOMAIN}/bob`) continue;
    const body = s.getChildText("body", "jabber:client");
    if (body) seen.set(body, (seen.get(body) ?? 0) + 1);
  }
  return seen;
}

describe("a connection cut in the middle of a fan-out", () => {
  let bed: Awaited<ReturnType<typeof startEdgeBed>>;
  const phones: TestUser[] = [];

  beforeAll(async () => {
    bed = await startEdgeBed({ domain: DOMAIN, users: ["alice"], proxy: true });
    for (const resource of ["phone", "laptop"]) {
      const user = await connectUser(bed.prosody.c2sPort, "alice", "pw", resource);
      await user.send(xml("presence", { to: `room@${DOMAIN}/alice` }, xml("x", { xmlns: MUC }, xml("history", { maxstanzas: "0" }))));
      await user.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.from === `room@${DOMAIN}/alice`);
      phones.push(user);
    }
  });
  afterAll(async () => {
    for (const user of phones) await user.stop();
    await bed?.stop();
  });

  it("delivers every message to every resource exactly once, or reports it", async () => {
    const room = bed.room("alice@localhost", "room")!;
    const burst = room.burst(COUNT, "m", 100);
    // Cut once a quarter has arrived, while the rest is being written.
    await phones[0]!.waitFor((s) => s.getChildText("body", "jabber:client") === `m${COUNT / 4}`, { timeoutMs: 30_000 });
    bed.proxy!.cut();
    await burst;
    const complete = () => phones.every((p) => arrivals(p).size === COUNT);
    const deadline = Date.now() + 15_000;
    while (!complete() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await bed.gateway.connection.outbox.flushed();
    await new Promise((r) => setTimeout(r, 500)); // late duplicates, if any

    const stats = bed.gateway.connection.outbox.stats;
    const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
    const lost = phones.map((p) => COUNT - arrivals(p).size);
    const duplicates = phones.map((p) => [...arrivals(p).values()].reduce((a, n) => a + n - 1, 0));
    console.log(
      `cut after ${COUNT / 4} of ${COUNT} messages to 2 resources: reconnected ${bed.onlines() - 1}x, re-sent ${stats.resent} (${stats.resentInDoubt} in doubt), ` +
        `lost ${lost.join("/")}, duplicates ${duplicates.join("/")}, dropped ${dropped}, forgotten ${stats.unconfirmedForgotten}`,
    );
    expect(bed.proxy!.connections).toBe(2);
    expect(bed.onlines()).toBe(2);
    expect(stats.resent).toBeGreaterThan(0);
    // Nothing was dropped, so nothing may be missing; a duplicate only among what went again in doubt.
    expect(dropped + stats.unconfirmedForgotten).toBe(0);
    expect(lost).toEqual([0, 0]);
    for (const d of duplicates) expect(d).toBeLessThanOrEqual(stats.resentInDoubt);
    expect(bed.warnings.some((w) => w.startsWith(`re-sending ${stats.resent} stanza(s)`))).toBe(true);
  }, 60_000);
});
