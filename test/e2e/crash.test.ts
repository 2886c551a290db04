/**
 * Crash safety: the demo gateway (a real process, real SQLite) is killed with SIGKILL while it
 * fans out messages, then restarted on the same file. Everything the client received is in MAM,
 * once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startProsody } from "../../src/testbed/prosody.js";
import { connectUser, xml } from "../helpers/xmppClient.js";

const BIN = new URL("../../bin/mucstate.js", import.meta.url).pathname;
const MUC = "http://jabber.org/protocol/muc";
const MAM = "urn:xmpp:mam:2";

describe("crash safety", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  });

  it("keeps every fanned-out message in MAM, with no duplicates, across a SIGKILL", async () => {
    const prosody = await startProsody({ components: ["crash.localhost"] });
    try {
      await prosody.registerUser("alice", "pw");
      const dir = mkdtempSync(join(tmpdir(), "mucstate-crash-"));
      const fixture = join(dir, "fixture.json");
      const store = join(dir, "store.sqlite");
      const events = Array.from({ length: 400 }, (_, i) => ({ afterMs: 50 + i * 3, message: { from: "bob", body: `n${i}`, id: `t${i}` } }));
      writeFileSync(fixture, JSON.stringify({ users: ["alice@localhost"], rooms: [{ id: "busy", participants: [{ nick: "bob" }], events }] }));
      const start = () => {
        const child = spawn(process.execPath, [BIN, "demo", "--service", prosody.service, "--domain", "crash.localhost", "--secret", prosody.secret, "--fixture", fixture, "--store", store], { stdio: ["ignore", "pipe", "pipe"] });
        children.push(child);
        return new Promise<ChildProcess>((resolve, reject) => {
          let out = "";
          child.stdout!.on("data", (d) => {
            out += d;
            if (out.includes("online")) resolve(child);
          });
          child.on("exit", (code) => reject(new Error(`gateway exited ${code}: ${out}`)));
        });
      };
      const gateway = await start();
      const alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
      await alice.send(xml("presence", { to: "busy@crash.localhost/alice", id: "j1" }, xml("x", { xmlns: MUC }, xml("history", { maxstanzas: "0" }))));
      const live = (s: any) => s.attrs.from === "busy@crash.localhost/bob" && s.getChild("body", "jabber:client") && !s.getChild("delay", "urn:xmpp:delay");
      await alice.waitFor(live, { count: 60, timeoutMs: 15_000 });
      gateway.removeAllListeners("exit");
      gateway.kill("SIGKILL");
      await new Promise((r) => gateway.once("exit", r));
      const received = new Set(alice.received.filter(live).map((s) => s.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id));
      expect(received.size).toBeGreaterThanOrEqual(60);

      const restarted = await start();
      // The client's resource is gone after the restart: self-ping says so, and it rejoins.
      await alice.send(xml("iq", { to: "busy@crash.localhost/alice", type: "get", id: "sp" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
      const [ping] = await alice.waitFor((s) => s.attrs.id === "sp");
      expect(ping!.getChild("error", "jabber:client")!.getChild("not-acceptable", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
      await alice.send(xml("iq", { to: "busy@crash.localhost", type: "set", id: "all" }, xml("query", { xmlns: MAM, queryid: "all" }, xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, xml("max", {}, "250")))));
      const [fin] = await alice.waitFor((s) => s.attrs.id === "all", { timeoutMs: 15_000 });
      const archived = alice.received.filter((s) => s.getChild("result", MAM)?.attrs.queryid === "all").map((s) => s.getChild("result", MAM)!.attrs.id);
      expect(new Set(archived).size).toBe(archived.length);
      for (const id of received) expect(archived).toContain(id);
      expect(Number(fin!.getChild("fin", MAM)!.getChild("set", "http://jabber.org/protocol/rsm")!.getChildText("count", "http://jabber.org/protocol/rsm"))).toBe(archived.length);
      restarted.kill("SIGTERM");
      await alice.stop();
    } finally {
      await prosody.stop({ removeDir: true });
    }
  });
});
