/**
 * Process groups of the test-bed servers: starting them detached (spawnServer), signals, waiting
 * for exit, and finding a Prosody that an earlier run left behind in a runtime folder (Linux
 * `/proc`).
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import { accessSync, closeSync, constants, openSync, readFileSync } from "node:fs";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { delimiter, join } from "node:path";

/** Sends `signal` to the process group `pid` leads, else to the process alone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch {}
  }
}

/**
 * Whether process `pid` runs (also when it belongs to someone else). A zombie, which exited and
 * waits for its parent to reap it (an orphan waits for init), counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc here
  }
}

/**
 * The path of the executable `name` on PATH, else in one of `fallbackDirs` (Debian puts daemons
 * in /usr/sbin, which a user's PATH may lack); throws `notFound` when there is none.
 */
export function findBinary(name: string, fallbackDirs: readonly string[], notFound: string): string {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const file of [...dirs, ...fallbackDirs].map((dir) => join(dir, name))) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  throw new Error(notFound);
}

/** Process groups the test bed started and has not seen exit. */
const running = new Set<number>();
/** Kills what a crashed or forgetful test run left running; installed with the first {@link killOnExit}. */
const killLeftovers = () => {
  for (const pid of running) killGroup(pid, "SIGKILL");
};

/** Kills the process group `pid` leads (SIGKILL) if this process exits before {@link forgetOnExit}. */
export function killOnExit(pid: number): void {
  running.add(pid);
  if (!process.listeners("exit").includes(killLeftovers)) process.on("exit", killLeftovers);
}

/** The process group `pid` leads is gone (or stopped): this process's exit leaves it alone. */
export function forgetOnExit(pid: number): void {
  running.delete(pid);
}

/** A test-bed server started by {@link spawnServer}. */
export interface SpawnedServer {
  /** The detached process (its group leader). */
  child: ChildProcess;
  /** Why it ended (`"prosody exited (code 1)"`, `"spawn failed: …"`), or undefined while it runs. */
  exited(): string | undefined;
}

/**
 * Starts a test-bed server as a detached process group with its stdout and stderr appended to
 * `outFile`, killed if this process exits before {@link forgetOnExit} (a crashed or forgetful
 * test run leaves nothing running), and forgotten once it exits by itself.
 */
export function spawnServer(name: string, bin: string, args: readonly string[], outFile: string, options: Omit<SpawnOptions, "detached" | "stdio"> = {}): SpawnedServer {
  const fd = openSync(outFile, "a");
  const child = spawn(bin, args, { ...options, detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  let why: string | undefined;
  child.once("error", (error) => (why = `spawn failed: ${error.message}`));
  child.once("exit", (code, signal) => {
    why = `${name} exited (${signal ?? `code ${code}`})`;
    if (child.pid) forgetOnExit(child.pid);
  });
  child.unref();
  if (child.pid) killOnExit(child.pid);
  return { child, exited: () => why };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

async function waitGone(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; isAlive(pid); await sleep(20)) if (Date.now() > deadline) return false;
  return true;
}

/** SIGTERM to the group, SIGKILL after 3 s; resolves when the process is gone (or 2 s later). */
export async function terminate(pid: number): Promise<void> {
  killGroup(pid, "SIGTERM");
  if (!(await waitGone(pid, 3000))) {
    killGroup(pid, "SIGKILL");
    await waitGone(pid, 2000);
  }
}

/**
 * The pid in `dir/prosody.pid` when that process still runs and is a test-bed Prosody of `dir`
 * (its environment has `TESTBED_DIR=dir`), else undefined. A pid file left by a killed Prosody
 * may name a recycled pid: the environment check keeps an unrelated process safe.
 */
export async function prosodyRunningIn(dir: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(join(dir, "prosody.pid"), "utf8").catch(() => ""), 10);
  if (!(pid > 0) || !isAlive(pid)) return undefined;
  const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
  return environ.split("\0").includes(`TESTBED_DIR=${dir}`) ? pid : undefined;
}

/** Stops the test-bed Prosody still running in `dir` (see {@link prosodyRunningIn}), if any. */
export async function stopProsodyIn(dir: string): Promise<void> {
  const pid = await prosodyRunningIn(dir);
  if (pid) await terminate(pid);
}

/**
 * Removes the `prosody-*` runtime folders under `base` (each test-bed Prosody started without a
 * `dir` makes one) that are older than `olderThanMs` and have no Prosody running in them: those
 * that test runs killed midway, or demos of earlier versions, left behind. Returns their names.
 */
export async function removeStaleRuntimeFolders(base: string, olderThanMs = 10 * 60_000): Promise<string[]> {
  const names = await readdir(base).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => n.startsWith("prosody-"))) {
    const dir = join(base, name);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory() || Date.now() - info.mtimeMs < olderThanMs || (await prosodyRunningIn(dir))) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
