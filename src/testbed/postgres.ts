/**
 * A throw-away PostgreSQL on loopback for tests and benchmarks of the PostgreSQL store.
 *
 * Each instance gets a fresh data folder under the system temp folder (`initdb`, trust
 * authentication, `fsync` off: a crash loses the data, which a test never keeps), a free
 * loopback TCP port and its Unix socket in that folder. Needs Debian's `postgresql` package
 * (`initdb` and `postgres` in `/usr/lib/postgresql/<version>/bin`): `bash scripts/ensure-deps.sh`
 * installs it.
 *
 * PostgreSQL refuses to run as root. When this process is root, `initdb` and `postgres` run as
 * the `postgres` system user that the Debian package creates (Node's `spawn` drops to its uid and
 * gid, and to no supplementary group), and the data folder is handed to that user; otherwise they
 * run as the current user.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import { HOST, pickPorts } from "./ports.js";
import { type SpawnedServer, findBinary, forgetOnExit, isAlive, killGroup, sleep, spawnServer } from "./processes.js";

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** The system user PostgreSQL runs as when this process is root; default `postgres`. */
  systemUser?: string;
  /** How long to wait for the server to accept connections; default 20 000 ms. */
  startTimeoutMs?: number;
}

/** A running test-bed PostgreSQL. */
export interface PostgresHandle {
  /** The only interface it listens on. */
  host: "127.0.0.1";
  /** Its TCP port. */
  port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`: the superuser, no password (trust). */
  connectionString: string;
  /** Its temp folder: `data/`, `postgres.log`, and the Unix socket. */
  dir: string;
  /** PID of the postmaster (also the id of its process group). */
  pid: number;
  /** Fast shutdown (SIGINT), SIGKILL after 5 s; removes the folder. Calling it again is harmless. */
  stop(): Promise<void>;
}

const INSTALL_HINT = "run `bash scripts/ensure-deps.sh` (or `apt-get install postgresql`)";

/** Debian's server folders, newest version first. */
function debianBinDirs(): string[] {
  const base = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = readdirSync(base).filter((v) => /^\d+$/.test(v));
  } catch {}
  return versions.sort((a, b) => Number(b) - Number(a)).map((v) => join(base, v, "bin"));
}

/** `initdb` and the `postgres` of the same installation. */
function findServer(): { initdb: string; postgres: string } {
  const initdb = findBinary("initdb", debianBinDirs(), `PostgreSQL's initdb was not found: ${INSTALL_HINT}.`);
  return { initdb, postgres: join(dirname(initdb), "postgres") };
}

/** The uid and gid to run as: none unless root, else those of `name` from /etc/passwd. */
function runAs(name: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`PostgreSQL refuses to run as root and there is no "${name}" user to run it as: ${INSTALL_HINT} (the package creates it).`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a command to its end; rejects with its output when it fails. */
function run(bin: string, args: string[], user: { uid: number; gid: number } | undefined, log: string): Promise<void> {
  return new Promise((done, fail) => {
    const fd = openSync(log, "a");
    const child = spawn(bin, args, { stdio: ["ignore", fd, fd], ...user });
    closeSync(fd);
    child.once("error", fail);
    child.once("exit", async (code) => {
      if (code === 0) return done();
      fail(new Error(`${bin} failed (code ${code}):\n${await readFile(log, "utf8").catch(() => "")}`));
    });
  });
}

/** Resolves once a client can connect, or rejects when the server exits or the time is up. */
async function waitReady(server: SpawnedServer, connectionString: string, timeoutMs: number, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1_000 });
    const ok = await client.connect().then(
      () => true,
      () => false,
    );
    await client.end().catch(() => {});
    if (ok) return;
    const exited = server.exited();
    if (exited || Date.now() > deadline) {
      const tail = (await readFile(log, "utf8").catch(() => "")).trim().split("\n").slice(-15).join("\n");
      throw new Error(`PostgreSQL test bed did not start (${exited ?? `not ready after ${timeoutMs} ms`}):\n${tail}`);
    }
    await sleep(50);
  }
}

/**
 * Creates a cluster in a fresh temp folder and starts PostgreSQL on a free loopback port; resolves
 * once it accepts connections. The server is killed if this process exits without
 * {@link PostgresHandle.stop}. Retries once with a new port if the first did not start.
 *
 * @example
 * ```ts
 * const pgsql = await startPostgres();
 * const store = await createPostgresStore({ connectionString: pgsql.connectionString });
 * // …
 * await store.close();
 * await pgsql.stop();
 * ```
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  const bins = findServer();
  const user = runAs(options.systemUser ?? "postgres");
  const dir = await mkdtemp(join(tmpdir(), "mucstate-pg-"));
  if (user) await chown(dir, user.uid, user.gid);
  const data = join(dir, "data");
  const log = join(dir, "postgres.log");
  try {
    await run(bins.initdb, ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], user, log);
    let failure: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      const [port = 0] = await pickPorts(1);
      const settings = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=100"];
      const args = ["-D", data, "-h", HOST, "-p", String(port), "-k", dir, ...settings.flatMap((s) => ["-c", s])];
      const server = spawnServer("postgres", bins.postgres, args, log, { ...user });
      const { child } = server;
      const connectionString = `postgresql://postgres@${HOST}:${port}/postgres`;
      try {
        await waitReady(server, connectionString, options.startTimeoutMs ?? 20_000, log);
        return handle(child, dir, port, connectionString);
      } catch (error) {
        failure = error;
        if (child.pid) await stopServer(child);
      }
    }
    throw failure;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** SIGINT (PostgreSQL's fast shutdown) to the postmaster, SIGKILL to its group after 5 s. */
async function stopServer(child: ChildProcess): Promise<void> {
  const pid = child.pid!;
  if (child.exitCode === null && child.signalCode === null) {
    process.kill(pid, "SIGINT");
    for (const deadline = Date.now() + 5_000; isAlive(pid) && Date.now() < deadline; ) await sleep(20);
    if (isAlive(pid)) killGroup(pid, "SIGKILL");
  }
  forgetOnExit(pid);
}

function handle(child: ChildProcess, dir: string, port: number, connectionString: string): PostgresHandle {
  let stopped = false;
  return {
    host: HOST,
    port,
    connectionString,
    dir,
    pid: child.pid!,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
