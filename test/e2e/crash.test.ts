/**
 * Crash safety: the demo gateway (a real process, real SQLite) is killed with SIGKILL while it
 * fans out messages, then restarted on the same file. Everything the client received is in MAM,
 * once.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killStarted, runCli, withServerAndFixture } from "../helpers/cli.js";
import { allArchivedIds, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";

describe("crash safety", () => {
  afterAll(killStarted);

  it("keeps every fanned-out message in MAM, with no duplicates, across a SIGKILL", async () => {
    const events = Array.from({ length: 400 }, (_, i) => ({ afterMs: 50 + i * 3, message: { from: "bob", body: `n${i}`, id: `t${i}` } }));
    const fixture = { users: ["alice@localhost"], rooms: [{ id: "busy", participants: [{ nick: "bob" }], events }] };
    await withServerAndFixture("crash.localhost", fixture, async ({ prosody, dir, fixturePath }) => {
      const store = join(dir, "store.sqlite");
      const start = async () => {
        const gw = runCli(["demo", "--service", prosody.service, "--domain", "crash.localhost", "--secret", prosody.secret, "--fixture", fixturePath, "--store", store]);
        await gw.waitFor(/online/);
        return gw;
      };
      const gateway = await start();
      const alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
      await alice.send(xml("presence", { to: "busy@crash.localhost/alice", id: "j1" }, xml("x", { xmlns: MUC }, xml("history", { maxstanzas: "0" }))));
      const live = (s: any) => s.attrs.from === "busy@crash.localhost/bob" && s.getChild("body", "jabber:client") && !s.getChild("delay", "urn:xmpp:delay");
      // 300 received: more than one MAM page (250), so the check below reads every page.
      await alice.waitFor(live, { count: 300, timeoutMs: 15_000 });
      gateway.child.kill("SIGKILL");
      await gateway.exited;
      const received = new Set(alice.received.filter(live).map((s) => s.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id));
      expect(received.size).toBeGreaterThanOrEqual(300);

      const restarted = await start();
      // The client's resource is gone after the restart: self-ping says so, and it rejoins.
      await alice.send(xml("iq", { to: "busy@crash.localhost/alice", type: "get", id: "sp" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
      const [ping] = await alice.waitFor((s) => s.attrs.id === "sp");
      expect(ping!.getChild("error", "jabber:client")!.getChild("not-acceptable", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
      const archived = await allArchivedIds(alice, "busy@crash.localhost");
      expect(new Set(archived.ids).size).toBe(archived.ids.length);
      for (const id of received) expect(archived.ids).toContain(id);
      expect(archived.count).toBe(archived.ids.length);
      restarted.child.kill("SIGTERM");
      await alice.stop();
    });
  });
});
