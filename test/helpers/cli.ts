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
  /** Resolves with the exit code once the process exited and all its output was read. */
  exited: Promise<number | null>;
  /** Standard output and error so far, interleaved. */
  output(): string;
  /** Resolves with the first match of `re` in the output; rejects after `ms` or when the output ends first. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** The last line of the demo's banner: everything it prints on start is out once this is. */
export const BANNER_END = /Ctrl-C to stop\./;

/** Starts `mucstate ...args` in `cwd` (this process's by default); `env` adds to this process's environment. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): CliProcess {
  if (!existsSync(new URL("../../dist/cli/main.js", import.meta.url))) throw new Error("dist/ is missing: run `npm test` (it builds first)");
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let out = "";
  let ended = false;
  const readers = new Set<() => void>();
  const read = () => {
    for (const reader of readers) reader();
  };
  const collect = (chunk: Buffer) => {
    out += chunk;
    read();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  // "close", not "exit": the process may have exited before the last of its output was read.
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      ended = true;
      read();
      resolve(code);
    }),
  );
  const waitFor = (re: RegExp, ms = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const settle = (then: () => void) => {
        readers.delete(check);
        clearTimeout(timer);
        then();
      };
      const check = () => {
        const m = out.match(re);
        if (m) settle(() => resolve(m));
        else if (ended) settle(() => reject(new Error(`no ${re} in the output of mucstate ${args.join(" ")}:\n${out}`)));
      };
      const timer = setTimeout(() => settle(() => reject(new Error(`no ${re} after ${ms} ms in the output of mucstate ${args.join(" ")}:\n${out}`))), ms);
      readers.add(check);
      check();
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
