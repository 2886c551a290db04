/**
 * The demo's folder: its Prosody's data (accounts, bookmarks) and the gateway's archive
 * (`mucstate.sqlite`). One folder serves every run, so the archive grows across runs; `fresh`
 * empties it first. A run holds the folder through `demo.pid`: a second demo on the same folder
 * is refused while the first runs, and a folder left by a demo that died (its Prosody may still
 * run) is taken over.
 */
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isAlive, stopProsodyIn } from "../testbed/processes.js";

/** `<package root>/.testbed/demo`, the folder when none is given. */
export const DEFAULT_DEMO_FOLDER = fileURLToPath(new URL("../../.testbed/demo", import.meta.url));

/** A folder this process holds until {@link DemoFolder.release}. */
export interface DemoFolder {
  /** Absolute path of the folder. */
  dir: string;
  /** Whether it held data from an earlier run (false after `fresh`). */
  reused: boolean;
  /** Gives the folder up (removes `demo.pid`). */
  release(): Promise<void>;
}

/** The pid in `file` when that process is a live `mucstate` command (per `/proc` where it exists). */
async function liveDemo(file: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
  if (!(pid > 0) || pid === process.pid || !isAlive(pid)) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  return cmdline === undefined || cmdline.includes("mucstate") ? pid : undefined;
}

/**
 * Takes the demo folder `dir` (default {@link DEFAULT_DEMO_FOLDER}) for this process: refuses
 * one that a running demo holds, stops a Prosody that a dead run left in it, and with `fresh`
 * empties it.
 */
export async function takeDemoFolder(options: { dir?: string; fresh?: boolean } = {}): Promise<DemoFolder> {
  const dir = resolve(options.dir ?? DEFAULT_DEMO_FOLDER);
  const pidFile = join(dir, "demo.pid");
  const other = await liveDemo(pidFile);
  if (other) {
    throw new Error(`another mucstate demo (pid ${other}) uses ${dir}: stop it first, or give this one another --dir`);
  }
  await stopProsodyIn(dir);
  if (options.fresh) await rm(dir, { recursive: true, force: true });
  const reused = await stat(join(dir, "mucstate.sqlite")).then(
    () => true,
    () => false,
  );
  await mkdir(dir, { recursive: true });
  await writeFile(pidFile, `${process.pid}\n`);
  return {
    dir,
    reused,
    async release() {
      if ((await readFile(pidFile, "utf8").catch(() => "")).trim() === String(process.pid)) await rm(pidFile, { force: true });
    },
  };
}
