/**
 * A test run that exits without stopping its test-bed servers (a crash, a forgotten `stop()`)
 * does not leave them running: the detached ngircd and ejabberd are killed with the process that
 * started them.
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

it.each([
  { server: "ngircd", file: "ngircd.ts", start: "startNgircd()", dirPrefix: "mucstate-ngircd-" },
  { server: "ejabberd", file: "ejabberd.ts", start: 'startEjabberd({ components: ["c.localhost"] })', dirPrefix: "mucstate-ejabberd-" },
])("kills a test-bed $server when the process that started it exits without stop()", async ({ file, start, dirPrefix }) => {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-leftover-"));
  const script = join(dir, "start.mts");
  const module = resolve("src/testbed", file);
  const name = start.slice(0, start.indexOf("("));
  writeFileSync(script, `import { ${name} } from ${JSON.stringify(module)};\nconst h = await ${start};\nconsole.log(h.dir);\nprocess.exit(0);\n`);
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", script]);
    const serverDir = stdout.trim();
    expect(serverDir).toContain(dirPrefix);
    await new Promise((done) => setTimeout(done, 300));
    const left = pidsMentioning(serverDir);
    for (const pid of left) process.kill(pid, "SIGKILL");
    rmSync(serverDir, { recursive: true, force: true });
    expect(left).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
