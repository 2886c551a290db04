/**
 * The benchmarks' components process (bench/joinComponents.ts, bench/roundtripComponents.ts): the
 * gateway and its baselines in a Node process of their own, as a gateway runs in production, so
 * that the measuring client does not share their event loop. The child gets its options as JSON
 * in an environment variable, says `"ready"` over IPC once its components are online, and stops
 * them when the IPC channel closes.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { within } from "./xmpp.js";

/**
 * Forks `module` with this process's flags (and `--cpu-prof` into `profileDir`, if given), its
 * options as JSON in `envName`; resolves once it is ready. A child that is not ready within a
 * minute is killed.
 */
export async function forkComponents(module: URL, envName: string, options: object, profileDir?: string): Promise<ChildProcess> {
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(fileURLToPath(module), [], {
    execArgv: [...process.execArgv, ...profile],
    env: { ...process.env, [envName]: JSON.stringify(options) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    await within(new Promise((resolve, reject) => child.once("message", resolve).once("exit", reject)), 60_000, "the components process");
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return child;
}

/** Stops a components process: it stops its components when the IPC channel closes (killed after 15 s). */
export async function stopComponents(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.disconnect();
  await within(gone, 15_000, "components exit").catch(() => child.kill("SIGKILL"));
}
