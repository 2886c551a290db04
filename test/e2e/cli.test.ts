/**
 * The `mucstate` command as users run it: the real bin, in its own process.
 * `npm test` builds dist/ first.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readCallLog } from "../../src/demo/callLog.js";
import { startProsody } from "../../src/testbed/prosody.js";
import { conditionOf } from "../helpers/stanzas.js";
import { connectUser, xml } from "../helpers/xmppClient.js";

const BIN = new URL("../../bin/mucstate.js", import.meta.url).pathname;
const MUC = "http://jabber.org/protocol/muc";
const children: ChildProcess[] = [];

function run(args: string[], env: Record<string, string> = {}) {
  if (!existsSync(new URL("../../dist/cli/main.js", import.meta.url))) throw new Error("dist/ is missing: run `npm test` (it builds first)");
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (re: RegExp, ms = 20_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = out.match(re);
        if (m) {
          clearInterval(timer);
          resolve(m);
        }
      }, 20);
      setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`no ${re} in output:\n${out}`));
      }, ms);
    });
  return { child, exited, waitFor, output: () => out };
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("mucstate demo", () => {
  it("starts its own Prosody, prints how to connect, and a client gets bob, itself with 110, then the subject; SIGINT exits 0", async () => {
    const demo = run(["demo"]);
    const [, port] = await demo.waitFor(/port: (\d+)/);
    expect(demo.output()).toMatch(/JID:\s+alice@localhost/);
    expect(demo.output()).toMatch(/password:\s+\S+/);
    expect(demo.output()).toContain("lobby@muc.localhost");
    const password = demo.output().match(/password:\s+(\S+)/)![1]!;
    const alice = await connectUser(Number(port), "alice", password, "e2e");
    await alice.send(xml("presence", { to: "lobby@muc.localhost/alice", id: "j" }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.is("message") && s.getChild("subject") !== undefined);
    const seq = alice.received.filter((s) => s.attrs.from?.startsWith("lobby@")).map((s) => `${s.name} ${s.attrs.from}`);
    const self = seq.indexOf("presence lobby@muc.localhost/alice");
    expect(seq[0]).toBe("presence lobby@muc.localhost/bob");
    expect(self).toBeGreaterThan(0);
    expect(seq.at(-1)).toBe("message lobby@muc.localhost/bob");
    // The fixture's history comes between the self-presence and the subject, with its delay.
    const history = alice.received.filter((s) => s.attrs.from?.startsWith("lobby@") && s.getChild("body"));
    expect(history.map((s) => s.getChildText("body"))).toEqual(["Hi everyone, welcome to the lobby!", "Hello bob!"]);
    for (const h of history) expect(h.getChild("delay", "urn:xmpp:delay")).toBeDefined();
    await alice.send(xml("message", { to: "lobby@muc.localhost", type: "groupchat", id: "e1" }, xml("body", {}, "echo me")));
    await alice.waitFor((s) => s.getChildText("body") === "echo me" && s.attrs.id === "e1");
    demo.child.kill("SIGINT");
    await alice.waitFor((s) => s.is("presence") && s.attrs.type === "unavailable" && s.toString().includes('code="332"'));
    expect(await demo.exited).toBe(0);
    await alice.stop();
  });

  it("connects to an existing server with flags or environment, writes the call log, and shuts down with 332 on SIGTERM", async () => {
    const prosody = await startProsody({ components: ["gw.localhost"] });
    try {
      await prosody.registerUser("alice", "pw");
      const dir = mkdtempSync(join(tmpdir(), "mucstate-cli-"));
      const fixture = join(dir, "fixture.json");
      const calls = join(dir, "calls.jsonl");
      writeFileSync(fixture, JSON.stringify({ users: ["alice@localhost"], rooms: [{ id: "team", name: "Team", participants: [{ nick: "zed" }] }] }));
      const gw = run(["demo", "--service", prosody.service, "--domain", "gw.localhost", "--fixture", fixture, "--calls", calls], {
        MUCSTATE_SECRET: prosody.secret,
      });
      await gw.waitFor(/online/);
      expect(gw.output()).not.toMatch(/port: /);
      const alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
      await alice.send(xml("presence", { to: "team@gw.localhost/alice" }, xml("x", { xmlns: MUC })));
      await alice.waitFor((s) => s.getChild("subject") !== undefined);
      gw.child.kill("SIGTERM");
      const [bye] = await alice.waitFor((s) => s.is("presence") && s.attrs.type === "unavailable");
      const codes = bye!.getChild("x", "http://jabber.org/protocol/muc#user")!.getChildren("status").map((c: any) => c.attrs.code);
      expect(codes).toEqual(["110", "332"]);
      expect(await gw.exited).toBe(0);
      const log = await readCallLog(calls);
      expect(log.map((e) => [e.room, e.callback, e.ok])).toEqual([
        ["team", "updateInfo", true],
        ["team", "fillParticipants", true],
        ["team", "backfill", true],
      ]);
      expect(Date.parse(log[0]!.end)).toBeGreaterThanOrEqual(Date.parse(log[0]!.start));
      await alice.stop();
    } finally {
      await prosody.stop();
    }
  });

  it("on SIGINT with a callback in flight, answers it and the one queued behind it, says so, and exits 0 promptly", async () => {
    const prosody = await startProsody({ components: ["gw.localhost"] });
    try {
      await prosody.registerUser("alice", "pw");
      const dir = mkdtempSync(join(tmpdir(), "mucstate-cli-"));
      const fixture = join(dir, "fixture.json");
      writeFileSync(fixture, JSON.stringify({ users: ["alice@localhost"], rooms: [{ id: "team", delayMs: { requests: 60_000 } }] }));
      const gw = run(["demo", "--service", prosody.service, "--domain", "gw.localhost", "--fixture", fixture, "--shutdown-grace-ms", "300"], {
        MUCSTATE_SECRET: prosody.secret,
        MUCSTATE_STORE: join(dir, "store.sqlite"),
      });
      await gw.waitFor(/online/);
      const alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
      await alice.send(xml("presence", { to: "team@gw.localhost/alice" }, xml("x", { xmlns: MUC })));
      await alice.waitFor((s) => s.getChild("subject") !== undefined);
      for (const id of ["slow", "queued"]) {
        await alice.send(xml("message", { to: "team@gw.localhost", type: "groupchat", id }, xml("body", {}, id)));
      }
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      gw.child.kill("SIGINT");
      expect(await gw.exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5_000);
      const answers = await alice.waitFor((s) => s.attrs.type === "error" || (s.is("presence") && s.attrs.type === "unavailable"), { count: 3 });
      expect(answers.map((s) => `${s.name} ${s.attrs.id ?? ""} ${conditionOf(s) ?? ""}`)).toEqual([
        "message queued service-unavailable",
        "message slow remote-server-timeout",
        "presence  ",
      ]);
      expect(gw.output()).toMatch(/stopped: 1 waiting stanza\(s\) answered service-unavailable, 1 callback\(s\) still running after the grace period/);
      await alice.stop();
    } finally {
      await prosody.stop();
    }
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
