/**
 * A test run that exits without stopping its test-bed servers (a crash, a forgotten `stop()`)
 * does not leave them running: the detached ngircd is killed with the process that started it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);

/** Pids of the processes whose command line mentions `text` (Linux /proc). */
function pidsMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

it("kills a test-bed ngircd when the process that started it exits without stop()", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-leftover-"));
  const script = join(dir, "start.mts");
  const ngircd = resolve("src/testbed/ngircd.ts");
  writeFileSync(script, `import { startNgircd } from ${JSON.stringify(ngircd)};\nconst h = await startNgircd();\nconsole.log(h.dir);\nprocess.exit(0);\n`);
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", script]);
    const ngircdDir = stdout.trim();
    expect(ngircdDir).toMatch(/mucstate-ngircd-/);
    await new Promise((done) => setTimeout(done, 300));
    const left = pidsMentioning(ngircdDir);
    for (const pid of left) process.kill(pid, "SIGKILL");
    rmSync(ngircdDir, { recursive: true, force: true });
    expect(left).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 20_000);
