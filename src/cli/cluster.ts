/**
 * `mucstate cluster`: a gateway cluster on one machine, for trying scale-out and failover. It starts
 * a throw-away ejabberd (Debian's) on free loopback ports with the component domain balanced
 * `bare_source` over `--processes` slots, a throw-away PostgreSQL (the users' leases: a process
 * serves only the users it holds; and the store of every process: rooms, participants,
 * archives), and the supervisor with that many demo gateway processes plus
 * a warm spare; it registers the demo users and prints how to connect.
 * Ctrl-C stops everything and removes the temp folders.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSupervisor } from "../cluster/supervisor.js";
import { loadFixture } from "../demo/fixture.js";
import { escapeLocalpart } from "../protocol/xep0106.js";
import { startEjabberd } from "../testbed/ejabberd.js";
import { startPostgres } from "../testbed/postgres.js";
import { flagOrEnv, parseFlags } from "./args.js";

const DEFAULT_FIXTURE = fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url));
const DOMAIN = "muc.localhost";
const PASSWORD = "demo-password";
const USERS = ["alice", "romeo", "juliet"];
const FLAGS = ["processes", "fixture", "heartbeat-timeout-ms"];

/** Usage lines of `mucstate cluster`. */
export const CLUSTER_USAGE = `mucstate cluster [--processes N] [--fixture FILE] [--heartbeat-timeout-ms MS]
      start ejabberd (bare_source over N slots) and PostgreSQL on free loopback ports, and N demo
      gateway processes plus a warm spare under a supervisor (default N = 3); prints how to connect`;

const positive = (name: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${name}: expected a positive integer, got "${value}"`);
  return Number(value);
};

/** Runs the cluster until SIGINT or SIGTERM; resolves with the exit code. */
export async function runCluster(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  for (const name of flags.keys()) if (!FLAGS.includes(name)) throw new Error(`unknown flag --${name}`);
  const processes = positive("processes", flagOrEnv(flags, "processes"), 3);
  if (processes < 2) throw new Error("--processes: at least 2 (ejabberd's component_number is 2 to 1000); for one process use `mucstate demo`");
  const heartbeatTimeoutMs = positive("heartbeat-timeout-ms", flagOrEnv(flags, "heartbeat-timeout-ms"), 5_000);
  const fixturePath = flagOrEnv(flags, "fixture") ?? DEFAULT_FIXTURE;
  const fixture = await loadFixture(fixturePath);

  const ejabberd = await startEjabberd({ components: [DOMAIN], balancing: { [DOMAIN]: { type: "bare_source", componentNumber: processes } } });
  console.log(`ejabberd 23.01 up in ${ejabberd.startupMs} ms (${ejabberd.dir}): ${DOMAIN} balanced bare_source over ${processes} slots`);
  const postgres = await startPostgres();
  console.log(`PostgreSQL up: ${postgres.connectionString}`);
  console.log("  (the users' leases, and the store shared by every process: rooms, participants, archives)");
  const storeDir = await mkdtemp(join(tmpdir(), "mucstate-cluster-"));
  const users = [...new Set([...USERS.map((u) => `${u}@localhost`), ...fixture.users])];
  for (const jid of users) {
    const [local, host] = jid.split("@");
    if (host === "localhost" && local) await ejabberd.registerUser(local, PASSWORD);
  }

  const supervisor = startSupervisor({
    active: processes,
    heartbeatTimeoutMs,
    storeDir,
    worker: { domain: DOMAIN, service: ejabberd.services[DOMAIN]!, secret: ejabberd.secret, fixture: fixturePath, users, postgres: postgres.connectionString },
    log: (line) => console.log(`supervisor ${line}`),
  });
  const stopAll = async () => {
    await supervisor.stop();
    await ejabberd.stop();
    await postgres.stop();
    await rm(storeDir, { recursive: true, force: true });
  };
  try {
    await Promise.race([supervisor.slotsHeld(processes, 60_000), supervisor.gaveUp.then((reason) => Promise.reject(new Error(reason)))]);
  } catch (error) {
    await stopAll();
    throw error;
  }

  console.log(`\nmucstate cluster: ${processes} gateway processes online (one per slot) + 1 warm spare; user leases and archives in PostgreSQL (shared)`);
  console.log("\nConnect any XMPP client (plain TCP, no TLS):");
  console.log(`  server: ${ejabberd.host}  port: ${ejabberd.c2sPort}`);
  for (const jid of users) console.log(`  JID: ${jid}  password: ${PASSWORD}`);
  console.log(`\nGateway (component domain): ${DOMAIN}; rooms:`);
  for (const room of fixture.rooms) console.log(`  ${escapeLocalpart(room.id)}@${DOMAIN}  (${room.name})`);
  console.log(`\nA service discovery (disco#info) of ${DOMAIN} names the process serving you ("worker N").`);
  console.log("Try a failover: kill -9 one worker's pid (see the log above); the spare takes its slot.");
  console.log("\nCtrl-C to stop.");

  const reason = await new Promise<string | undefined>((resolve) => {
    process.once("SIGINT", () => resolve(undefined));
    process.once("SIGTERM", () => resolve(undefined));
    void supervisor.gaveUp.then(resolve);
  });
  console.log(reason ? `mucstate cluster: ${reason}` : "mucstate cluster: stopping");
  await stopAll();
  return reason ? 1 : 0;
}
