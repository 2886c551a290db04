/**
 * The soak script (`npm run soak`) run small and short against the built package and a real
 * Prosody, so that it cannot silently rot: it must prefill the store, finish, account for every
 * copy, and show rooms passivating and coming back. The full soak (1,000 rooms, 10 minutes) is not part of the suite.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function runSoak(args: string[]): Promise<string> {
  const flags = ["--expose-gc", "--conditions=production", "--import", "tsx", "--import", "./bench/useDist.mjs"];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...flags, "bench/soak/run.ts", ...args], { cwd: ROOT, timeout: 90_000 }, (error, stdout, stderr) => {
      // Exit 1 is a failed verdict (a short run's RSS is not steady yet): the counts are asserted below.
      if (error && error.code !== 1) reject(new Error(`soak exited with ${String(error.code)}: ${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}

describe("npm run soak", () => {
  it("a 10-room run of a few seconds delivers every copy once, with rooms passivated and re-activated", async () => {
    const out = await runSoak(["--minutes", "0.15", "--rooms", "10", "--users", "2", "--joined", "2", "--rate", "10", "--churn", "2", "--idle-ms", "1000"]);
    expect(out).toMatch(/^prefill: 10 rooms stored with 1000 archived messages in \d+\.\d s$/m);
    expect(out).toMatch(
      /^\[ *0\.0 min\] rss \d+\.\d MiB \(after an ordinary full GC \d+\.\d MiB, old space \d+\.\d MiB\), heap \d+\.\d MiB of \d+\.\d MiB .*C heap \d+\.\d MiB, other anon \d+\.\d MiB \(V8 \d+\.\d MiB, old space \d+\.\d MiB\), files \d+\.\d MiB, rooms running \d+, passivated \d+, .*mailbox max \d+ \/ total \d+/m,
    );
    const line = out.split("\n").find((l) => l.startsWith("SOAK_RESULT "));
    const result = JSON.parse(line!.slice("SOAK_RESULT ".length));
    expect(result.report.sent).toBeGreaterThan(40);
    expect(result.report.owed).toBeGreaterThan(0);
    expect(result.report).toMatchObject({ lost: 0, duplicated: 0, stray: 0 });
    expect(result.report.delivered).toBe(result.report.owed);
    expect(result.gateway.activations).toBeGreaterThan(result.gateway.roomsActivated);
    expect(result.gateway).toMatchObject({ errors: 0, drops: 0, mailboxTotal: 0 });
    // The verdict's RSS is read after the low-memory GC, the other after an ordinary one: both are there, and real.
    expect(result.gateway.rssMiB).toBeGreaterThan(10);
    expect(result.gateway.fullGcRssMiB).toBeGreaterThan(10);
    expect(result.gateway.fullGcOldSpaceMiB).toBeGreaterThan(0);
    expect(result.counts.joins).toBeGreaterThan(0);
    expect(result.counts.leaves).toBeGreaterThan(0);
  }, 120_000);
});
