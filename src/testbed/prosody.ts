/**
 * A throw-away Prosody on loopback for end-to-end tests, the demo and benchmarks.
 *
 * Each instance gets its own runtime folder, fresh loopback ports (c2s, component, and HTTP for
 * the websocket endpoint or XEP-0363 file uploads when asked) and
 * the shared config template `testbed/prosody.cfg.lua`, which reads everything from the
 * environment. Prosody accepts one connection per component domain, so give every test its own
 * component domain. Needs the Debian packages `prosody` (0.12) and, for `privileged`,
 * `prosody-modules`: `bash scripts/ensure-deps.sh` installs both.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HOST, pickPorts } from "./ports.js";
import { findBinary, forgetOnExit, isAlive, sleep, spawnServer, stopProsodyIn, terminate } from "./processes.js";

/** Options of {@link startProsody}. */
export interface ProsodyOptions {
  /** Component domains (XEP-0114), e.g. `["t1.localhost"]`; all share {@link secret}. */
  components: string[];
  /** The shared component secret; default: random. */
  secret?: string;
  /** Also serve Prosody's own MUC at `conference.localhost` (room locking off), for baselines. */
  nativeMuc?: boolean;
  /** Load mod_privilege (XEP-0356), mod_pep and mod_bookmarks, and grant every component
   * roster "both", message "outgoing" and IQ "both" for `http://jabber.org/protocol/pubsub`
   * on `localhost` (enough to publish to users' PEP nodes, e.g. XEP-0402 bookmarks). */
  privileged?: boolean;
  /** Also serve XMPP over websocket (RFC 7395, `mod_websocket`) on a third loopback port, for
   * web clients: see {@link ProsodyHandle.websocketUrl}. */
  websocket?: boolean;
  /** Also serve XEP-0363 HTTP file upload (`mod_http_file_share`) at `upload.localhost`, over HTTP
   * on a loopback port (shared with the websocket endpoint): see {@link ProsodyHandle.uploadDomain}.
   * Every component and `localhost`'s users may upload; files up to `maxFileSize` bytes
   * (default 10 MiB, Prosody's default). */
  upload?: boolean | { maxFileSize?: number };
  /**
   * Runtime folder (created if missing; what is in it is kept, so accounts and data survive a
   * restart); default: a fresh `mkdtemp` under `<repo>/.testbed/`. A test-bed Prosody still
   * running in it, left by a process that died without stopping it, is stopped first.
   */
  dir?: string;
  /** How long to wait for both listeners, per attempt; default 10 000 ms. */
  startTimeoutMs?: number;
  /**
   * Prosody's `c2s_stanza_size_limit` in bytes (what a client may send); default Prosody's own
   * (256 KiB in 0.12). The component limit stays Prosody's default (512 KiB in 0.12).
   */
  c2sStanzaSizeLimit?: number;
}

/** A running test-bed Prosody. */
export interface ProsodyHandle {
  /** The only interface Prosody listens on. */
  host: "127.0.0.1";
  /** The one virtual host, where users live. */
  domain: "localhost";
  /** Client-to-server port (plain TCP; PLAIN auth allowed). */
  c2sPort: number;
  /** XEP-0114 component port. */
  componentPort: number;
  /** `ws://127.0.0.1:<port>/xmpp-websocket` with the `websocket` option, else undefined. */
  websocketUrl: string | undefined;
  /** `upload.localhost`, the XEP-0363 service, with the `upload` option, else undefined. Its
   * slots' URLs are `http://127.0.0.1:<port>/file_share/…`. */
  uploadDomain: string | undefined;
  /** The shared component secret. */
  secret: string;
  /** Absolute runtime folder: `data/`, `certs/`, `prosody.pid`, `prosody.log`, `prosody.out`. */
  dir: string;
  /** `xmpp://127.0.0.1:<componentPort>`, the `service` option of `@xmpp/component`. */
  service: string;
  /** PID of the Prosody process (also the id of its own process group). */
  pid: number;
  /** Prosody's log file. */
  logFile: string;
  /**
   * Creates or overwrites the account `local@localhost` by writing its data file, which works
   * while Prosody runs. Prosody stores node names encoded (`%2d` for `-` and so on), which this
   * mirrors, but it cannot mirror nodeprep: use lower-case ASCII names (`[a-z0-9._-]`).
   */
  registerUser(local: string, password: string): Promise<void>;
  /**
   * SIGTERM, then SIGKILL to the process group after 3 s; resolves when the process is gone.
   * Keeps the runtime folder unless `removeDir` is set. Calling it again is harmless.
   */
  stop(options?: { removeDir?: boolean }): Promise<void>;
}

const TEMPLATE = fileURLToPath(new URL("../../testbed/prosody.cfg.lua", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Where test-bed Prosody runtime folders go by default (`<repo>/.testbed`). */
export const TESTBED_BASE = join(REPO_ROOT, ".testbed");
const INSTALL_HINT = "run `bash scripts/ensure-deps.sh` (or `apt-get install prosody prosody-modules`)";
const DOMAIN_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const LOCAL_RE = /^[a-z0-9._-]+$/;
/** The XEP-0363 upload component of the `upload` option. */
const UPLOAD_DOMAIN = "upload.localhost";


const findProsody = () => findBinary("prosody", ["/usr/bin"], `The prosody binary was not found on PATH: ${INSTALL_HINT}.`);

/** Maps every byte of `value` (UTF-8) to itself or to an escape. */
const mapBytes = (value: string, map: (byte: number, char: string) => string) =>
  [...Buffer.from(value, "utf8")].map((byte) => map(byte, String.fromCharCode(byte))).join("");

/** Prosody's datamanager encoding of node and host names: every non-alphanumeric byte as %xx. */
const encodePathPart = (name: string) =>
  mapBytes(name, (byte, c) => (/[A-Za-z0-9]/.test(c) ? c : `%${byte.toString(16).padStart(2, "0")}`));

/** A Lua string literal; bytes outside printable ASCII (and `"`, `\`) as decimal escapes. */
const luaString = (value: string) => {
  const plain = (byte: number, c: string) => byte >= 0x20 && byte < 0x7f && c !== '"' && c !== "\\";
  return `"${mapBytes(value, (byte, c) => (plain(byte, c) ? c : `\\${String(byte).padStart(3, "0")}`))}"`;
};

/** The bytes of `file` from `offset` on, as text ("" if missing). */
const readFrom = async (file: string, offset: number) =>
  (await readFile(file).catch(() => Buffer.alloc(0))).subarray(offset).toString("utf8");
const sizeOf = (file: string) => stat(file).then((s) => s.size, () => 0);

function validate(opts: ProsodyOptions): string[] {
  const reserved = ["localhost", ...(opts.nativeMuc ? ["conference.localhost"] : []), ...(opts.upload ? [UPLOAD_DOMAIN] : [])];
  opts.components.forEach((domain, i) => {
    if (!DOMAIN_RE.test(domain) || reserved.includes(domain) || opts.components.indexOf(domain) !== i) {
      throw new Error(`component domain ${JSON.stringify(domain)}: not a domain, reserved, or listed twice`);
    }
  });
  return opts.components;
}

type Attempt = { ok: true; child: ChildProcess } | { ok: false; portClash: boolean; reason: string };

/** One start: spawn, then watch the log for both listeners, a port failure, an exit or the timeout. */
async function attemptStart(bin: string, dir: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Attempt> {
  // A port Prosody could not bind still gets "Activated service 'c2s' on no ports".
  const activated = (service: string, port: string | undefined) => `Activated service '${service}' on [${HOST}]:${port}`;
  const expected = [activated("c2s", env.TESTBED_C2S_PORT)];
  if (env.TESTBED_COMPONENTS !== "") expected.push(activated("component", env.TESTBED_COMPONENT_PORT));
  if (env.TESTBED_HTTP_PORT) expected.push(activated("http", env.TESTBED_HTTP_PORT));
  const [logFile, outFile] = [join(dir, "prosody.log"), join(dir, "prosody.out")];
  const [logOffset, outOffset] = [await sizeOf(logFile), await sizeOf(outFile)];
  // stdout/stderr go to outFile: config errors show up there
  const server = spawnServer("prosody", bin, ["--config", TEMPLATE, "-F"], outFile, { env });
  const { child } = server;

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await readFrom(logFile, logOffset);
    const failed = log.includes("Failed to open server port");
    const ready = expected.every((line) => log.includes(line));
    if (!failed && ready) return { ok: true, child };
    const exited = server.exited();
    if (failed || exited || Date.now() > deadline) {
      if (child.pid) await stopGroup(child.pid);
      const output = (await readFrom(outFile, outOffset)).trim();
      const why = failed ? "a port was taken" : (exited ?? `not ready after ${timeoutMs} ms`);
      const tail = [log.trim(), output].filter(Boolean).join("\n").split("\n").slice(-15).join("\n");
      return { ok: false, portClash: failed, reason: `${why}; ${dir}:\n${tail}` };
    }
    await sleep(25);
  }
}

async function stopGroup(pid: number): Promise<void> {
  await terminate(pid);
  forgetOnExit(pid);
}

/**
 * Starts Prosody in the foreground (own process group) with the test-bed config, and resolves
 * once its listeners (c2s, component, HTTP with `websocket` or `upload`) are up. Retries once with new ports if a port
 * was taken. Throws if the `prosody` binary is missing, naming the install script.
 */
export async function startProsody(opts: ProsodyOptions): Promise<ProsodyHandle> {
  const components = validate(opts);
  const bin = findProsody();
  const secret = opts.secret ?? randomBytes(16).toString("hex");
  const base = TESTBED_BASE;
  const dir = opts.dir
    ? resolve(opts.dir)
    : await mkdir(base, { recursive: true }).then(() => mkdtemp(join(base, "prosody-")));
  if (opts.dir) await stopProsodyIn(dir);
  await mkdir(join(dir, "certs"), { recursive: true });
  await mkdir(join(dir, "data"), { recursive: true });

  let lastReason = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const http = opts.websocket || opts.upload;
    const ports = await pickPorts(http ? 3 : 2);
    const [c2sPort, componentPort, httpPort] = ports;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TESTBED_DIR: dir,
      TESTBED_C2S_PORT: String(c2sPort),
      TESTBED_COMPONENT_PORT: String(componentPort),
      TESTBED_HTTP_PORT: httpPort ? String(httpPort) : "",
      TESTBED_COMPONENTS: components.join(","),
      TESTBED_SECRET: secret,
      TESTBED_NATIVE_MUC: opts.nativeMuc ? "1" : "0",
      TESTBED_PRIVILEGED: opts.privileged ? "1" : "0",
      TESTBED_WEBSOCKET: opts.websocket ? "1" : "0",
      TESTBED_UPLOAD: opts.upload ? "1" : "0",
      TESTBED_UPLOAD_MAX: String((typeof opts.upload === "object" && opts.upload.maxFileSize) || 10 * 1024 * 1024),
      TESTBED_C2S_STANZA_SIZE_LIMIT: opts.c2sStanzaSizeLimit ? String(opts.c2sStanzaSizeLimit) : "",
    };
    const result = await attemptStart(bin, dir, env, opts.startTimeoutMs ?? 10_000);
    if (result.ok) return makeHandle(result.child, dir, secret, ports, { websocket: opts.websocket === true, upload: Boolean(opts.upload) });
    lastReason = result.reason;
    if (!result.portClash) break;
  }
  throw new Error(`Prosody test bed did not start: ${lastReason}`);
}

function makeHandle(child: ChildProcess, dir: string, secret: string, ports: number[], serves: { websocket: boolean; upload: boolean }): ProsodyHandle {
  const [c2sPort = 0, componentPort = 0, httpPort] = ports;
  const pid = child.pid!;
  const accounts = join(dir, "data", encodePathPart("localhost"), "accounts");
  let stopped = false;
  return {
    host: HOST,
    domain: "localhost",
    c2sPort,
    componentPort,
    websocketUrl: httpPort && serves.websocket ? `ws://${HOST}:${httpPort}/xmpp-websocket` : undefined,
    uploadDomain: serves.upload ? UPLOAD_DOMAIN : undefined,
    secret,
    dir,
    service: `xmpp://${HOST}:${componentPort}`,
    pid,
    logFile: join(dir, "prosody.log"),
    async registerUser(local, password) {
      if (!LOCAL_RE.test(local)) {
        throw new Error(`user name ${JSON.stringify(local)}: use lower-case [a-z0-9._-] only`);
      }
      await mkdir(accounts, { recursive: true });
      const file = join(accounts, `${encodePathPart(local)}.dat`);
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, `return {\n\t["password"] = ${luaString(password)};\n};\n`);
      await rename(temp, file);
    },
    async stop(options) {
      // A pid file left by a killed Prosody may name a recycled pid: trust it only while ours runs.
      if (!stopped && child.exitCode === null && child.signalCode === null) {
        const fromFile = Number.parseInt(await readFile(join(dir, "prosody.pid"), "utf8").catch(() => ""), 10);
        for (const target of new Set([fromFile, pid])) if (target > 0 && isAlive(target)) await stopGroup(target);
      }
      stopped = true;
      forgetOnExit(pid);
      if (options?.removeDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
