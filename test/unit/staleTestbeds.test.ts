/**
 * Test-bed runtime folders that runs killed midway leave behind are removed by the next test run
 * or demo; folders in use (a Prosody runs there, or they are recent) and other folders stay.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeStaleRuntimeFolders } from "../../src/testbed/processes.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe("stale test-bed folders", () => {
  it("removes old prosody-* folders with no Prosody running, and keeps recent, running and other ones", async () => {
    const base = mkdtempSync(join(tmpdir(), "mucstate-testbeds-"));
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const folder = (name: string, ageMs: number) => {
      const dir = join(base, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "prosody.log"), "");
      const when = new Date(Date.now() - ageMs);
      utimesSync(dir, when, when);
      return dir;
    };
    const hour = 3_600_000;
    folder("prosody-killed", hour);
    folder("prosody-recent", 1000);
    folder("demo", hour);
    // A process that looks like a test-bed Prosody of its folder (pid file and TESTBED_DIR).
    const running = join(base, "prosody-running");
    mkdirSync(running);
    const child = spawn("sleep", ["30"], { env: { ...process.env, TESTBED_DIR: running }, stdio: "ignore" });
    cleanups.push(() => child.kill("SIGKILL"));
    writeFileSync(join(running, "prosody.pid"), `${child.pid}\n`);
    const old = new Date(Date.now() - hour);
    utimesSync(running, old, old);

    expect(await removeStaleRuntimeFolders(base)).toEqual(["prosody-killed"]);
    expect(["prosody-killed", "prosody-recent", "prosody-running", "demo"].map((n) => existsSync(join(base, n)))).toEqual([false, true, true, true]);
    expect(await removeStaleRuntimeFolders(join(base, "missing"))).toEqual([]);
  });
});
