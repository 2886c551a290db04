/**
 * The `mucstate` command as users run it: the real bin, in its own process.
 * `npm test` builds dist/ first.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readCallLog } from "../../src/demo/callLog.js";
import { isAlive, stopProsodyIn } from "../../src/testbed/processes.js";
import { BANNER_END, killStarted, runCli as run, withServerAndFixture } from "../helpers/cli.js";
import { conditionOf } from "../helpers/stanzas.js";
import { type TestUser, archivedBodies, connectUser, reachedGateway, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";

afterEach(killStarted);

describe("mucstate demo", () => {
  it("starts its own Prosody, prints how to connect, and a client gets bob, itself with 110, then the subject; SIGINT exits 0", async () => {
    const demo = run(["demo", "--dir", join(mkdtempSync(join(tmpdir(), "mucstate-cli-")), "demo")]);
    await demo.waitFor(BANNER_END);
    const port = demo.output().match(/port: (\d+)/)?.[1];
    expect(demo.output()).toMatch(/JID:\s+alice@localhost/);
    expect(demo.output()).toMatch(/password:\s+\S+/);
    expect(demo.output()).toContain("lobby@muc.localhost");
    const password = demo.output().match(/password:\s+(\S+)/)![1]!;
    const alice = await connectUser(Number(port), "alice", password, "e2e");
    await alice.send(xml("presence", { to: "lobby@muc.localhost/alice", id: "j" }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.is("message", "jabber:client") && s.getChild("subject", "jabber:client") !== undefined);
    const seq = alice.received.filter((s) => s.attrs.from?.startsWith("lobby@")).map((s) => `${s.name} ${s.attrs.from}`);
    const self = seq.indexOf("presence lobby@muc.localhost/alice");
    expect(seq[0]).toBe("presence lobby@muc.localhost/bob");
    expect(self).toBeGreaterThan(0);
    expect(seq.at(-1)).toBe("message lobby@muc.localhost/bob");
    // The fixture's history comes between the self-presence and the subject, with its delay.
    const history = alice.received.filter((s) => s.attrs.from?.startsWith("lobby@") && s.getChild("body", "jabber:client"));
    expect(history.map((s) => s.getChildText("body", "jabber:client"))).toEqual(["Hi everyone, welcome to the lobby!", "Hello bob!"]);
    for (const h of history) expect(h.getChild("delay", "urn:xmpp:delay")).toBeDefined();
    await alice.send(xml("message", { to: "lobby@muc.localhost", type: "groupchat", id: "e1" }, xml("body", {}, "echo me")));
    await alice.waitFor((s) => s.getChildText("body", "jabber:client") === "echo me" && s.attrs.id === "e1");
    demo.child.kill("SIGINT");
    await alice.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.type === "unavailable" && s.toString().includes('code="332"'));
    expect(await demo.exited).toBe(0);
    await alice.stop();
  });

  it("keeps its folder between runs: the next run finds the archive (even after a kill -9), a second demo on it is refused, --fresh starts empty", { timeout: 120_000 }, async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "mucstate-cli-")), "demo");
    const start = async (...extra: string[]) => {
      const demo = run(["demo", "--dir", dir, ...extra]);
      const [, port] = await demo.waitFor(/port: (\d+)/);
      const alice = await connectUser(Number(port), "alice", demo.output().match(/password:\s+(\S+)/)![1]!, "e2e");
      return { demo, alice };
    };
    const archived = (alice: TestUser) => archivedBodies(alice, "lobby@muc.localhost");
    try {
      const first = await start();
      expect(first.demo.output()).toContain(`demo folder: ${dir} (new;`);
      await first.alice.send(xml("presence", { to: "lobby@muc.localhost/alice" }, xml("x", { xmlns: MUC })));
      await first.alice.waitFor((s) => s.getChild("subject", "jabber:client") !== undefined);
      await first.alice.send(xml("message", { to: "lobby@muc.localhost", type: "groupchat", id: "k1" }, xml("body", {}, "kept across runs")));
      await first.alice.waitFor((s) => s.attrs.id === "k1" && s.getChildText("body", "jabber:client") === "kept across runs");
      await first.alice.stop();
      const leftProsody = Number(readFileSync(join(dir, "prosody.pid"), "utf8"));
      first.demo.child.kill("SIGKILL"); // its Prosody, in its own process group, keeps running
      await first.demo.exited;
      expect(isAlive(leftProsody)).toBe(true);

      const second = await start();
      expect(second.demo.output()).toContain(`demo folder: ${dir} (reused:`);
      expect(isAlive(leftProsody)).toBe(false);
      expect((await archived(second.alice)).filter((b) => b === "kept across runs")).toHaveLength(1);
      const third = run(["demo", "--dir", dir, "--fresh"]);
      expect(await third.exited).toBe(1);
      expect(third.output()).toContain(`another mucstate demo (pid ${second.demo.child.pid}) uses ${dir}`);
      await second.alice.stop();
      second.demo.child.kill("SIGINT");
      expect(await second.demo.exited).toBe(0);
      expect(existsSync(join(dir, "demo.pid"))).toBe(false);

      const fresh = await start("--fresh");
      expect(fresh.demo.output()).toContain(`demo folder: ${dir} (new;`);
      expect(await archived(fresh.alice)).not.toContain("kept across runs");
      await fresh.alice.stop();
    } finally {
      await killStarted();
      await stopProsodyIn(dir);
    }
  });

  it("connects to an existing server with flags or environment, writes the call log, and shuts down with 332 on SIGTERM", async () => {
    const fixture = { users: ["alice@localhost"], rooms: [{ id: "team", name: "Team", participants: [{ nick: "zed" }] }] };
    await withServerAndFixture("gw.localhost", fixture, async ({ prosody, dir, fixturePath }) => {
      const calls = join(dir, "calls.jsonl");
      // In `dir`: with --service and no --store, the store is mucstate.sqlite in the working directory.
      const gw = run(["demo", "--service", prosody.service, "--domain", "gw.localhost", "--fixture", fixturePath, "--calls", calls], {
        MUCSTATE_SECRET: prosody.secret,
      }, dir);
      await gw.waitFor(BANNER_END);
      expect(gw.output()).toMatch(/online/);
      expect(gw.output()).not.toMatch(/port: /);
      const alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
      await alice.send(xml("presence", { to: "team@gw.localhost/alice" }, xml("x", { xmlns: MUC })));
      await alice.waitFor((s) => s.getChild("subject", "jabber:client") !== undefined);
      gw.child.kill("SIGTERM");
      const [bye] = await alice.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.type === "unavailable");
      const codes = bye!.getChild("x", "http://jabber.org/protocol/muc#user")!.getChildren("status", `${MUC}#user`).map((c: any) => c.attrs.code);
      expect(codes).toEqual(["110", "332"]);
      expect(await gw.exited).toBe(0);
      expect(existsSync(join(dir, "mucstate.sqlite"))).toBe(true);
      const log = await readCallLog(calls);
      expect(log.map((e) => [e.room, e.callback, e.ok])).toEqual([
        ["team", "updateInfo", true],
        ["team", "fillParticipants", true],
        ["team", "backfill", true],
      ]);
      expect(Date.parse(log[0]!.end)).toBeGreaterThanOrEqual(Date.parse(log[0]!.start));
      await alice.stop();
    });
  });

  it("on SIGINT with a callback in flight, answers it and the one queued behind it, says so, and exits 0 without waiting for the callback", async () => {
    const fixture = { users: ["alice@localhost"], rooms: [{ id: "team", delayMs: { requests: 60_000 } }] };
    await withServerAndFixture("gw.localhost", fixture, async ({ prosody, dir, fixturePath }) => {
      const gw = run(["demo", "--service", prosody.service, "--domain", "gw.localhost", "--fixture", fixturePath, "--shutdown-grace-ms", "300"], {
        MUCSTATE_SECRET: prosody.secret,
        MUCSTATE_STORE: join(dir, "store.sqlite"),
      });
      await gw.waitFor(/online/);
      const alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
      await alice.send(xml("presence", { to: "team@gw.localhost/alice" }, xml("x", { xmlns: MUC })));
      await alice.waitFor((s) => s.getChild("subject", "jabber:client") !== undefined);
      for (const id of ["slow", "queued"]) {
        await alice.send(xml("message", { to: "team@gw.localhost", type: "groupchat", id }, xml("body", {}, id)));
      }
      await reachedGateway(alice, "gw.localhost");
      gw.child.kill("SIGINT");
      expect(await gw.exited).toBe(0);
      const answers = await alice.waitFor((s) => s.attrs.type === "error" || (s.is("presence", "jabber:client") && s.attrs.type === "unavailable"), { count: 3 });
      expect(answers.map((s) => `${s.name} ${s.attrs.id ?? ""} ${conditionOf(s) ?? ""}`)).toEqual([
        "message queued service-unavailable",
        "message slow remote-server-timeout",
        "presence  ",
      ]);
      expect(gw.output()).toMatch(/stopped: 1 waiting stanza\(s\) answered service-unavailable, 1 callback\(s\) still running after the grace period/);
      await alice.stop();
    });
  });

  it("refuses a fixture with a bad field, naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mucstate-cli-"));
    const fixture = join(dir, "bad.json");
    writeFileSync(fixture, JSON.stringify({ users: ["alice@localhost"], rooms: [{ id: "x", type: "grp" }] }));
    const gw = run(["demo", "--service", "xmpp://127.0.0.1:1", "--domain", "d", "--secret", "s", "--fixture", fixture]);
    expect(await gw.exited).toBe(1);
    expect(gw.output()).toContain("rooms[0].type");
  });
});
