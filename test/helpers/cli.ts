/**
 * The `mucstate` command as users run it: the real bin (`npm test` builds dist/ first) in its own
 * process, with its output collected and waited on.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ProsodyHandle, startProsody } from "../../src/testbed/prosody.js";

const BIN = new URL("../../bin/mucstate.js", import.meta.url).pathname;
const started: ChildProcess[] = [];

/** A running `mucstate` process. */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Standard output and error so far, interleaved. */
  output(): string;
  /** Resolves with the first match of `re` in the output; rejects after `ms` or when the process exits first. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** Starts `mucstate ...args`; `env` adds to this process's environment. */
export function runCli(args: string[], env: Record<string, string> = {}): CliProcess {
  if (!existsSync(new URL("../../dist/cli/main.js", import.meta.url))) throw new Error("dist/ is missing: run `npm test` (it builds first)");
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (re: RegExp, ms = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const deadline = Date.now() + ms;
      const timer = setInterval(() => {
        const m = out.match(re);
        if (m) resolve(m);
        else if (Date.now() > deadline || child.exitCode !== null) reject(new Error(`no ${re} in the output of mucstate ${args.join(" ")}:\n${out}`));
        else return;
        clearInterval(timer);
      }, 20);
    });
  return { child, exited, waitFor, output: () => out };
}

/**
 * Stops every process {@link runCli} started that still runs (for afterEach): SIGTERM, so that a
 * demo stops the Prosody it started, then SIGKILL after 10 s.
 */
export async function killStarted(): Promise<void> {
  await Promise.all(
    started.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/**
 * Runs `body` with a Prosody serving `domain` (alice@localhost registered, password "pw") and a
 * new folder `dir` holding `fixture` as the file `fixturePath`; stops Prosody afterwards.
 */
export async function withServerAndFixture(
  domain: string,
  fixture: unknown,
  body: (bed: { prosody: ProsodyHandle; dir: string; fixturePath: string }) => Promise<void>,
): Promise<void> {
  const prosody = await startProsody({ components: [domain] });
  try {
    await prosody.registerUser("alice", "pw");
    const dir = mkdtempSync(join(tmpdir(), "mucstate-cli-"));
    const fixturePath = join(dir, "fixture.json");
    writeFileSync(fixturePath, JSON.stringify(fixture));
    await body({ prosody, dir, fixturePath });
  } finally {
    await prosody.stop({ removeDir: true });
  }
}
