/**
 * A throw-away ejabberd (Debian's 23.01) on loopback, for the tests and measurements of
 * scale-out: several gateway processes on one component domain (XEP-0114), which ejabberd
 * spreads over their connections as its `domain_balancing` option says.
 *
 * Each instance gets its own temp folder with its config (`ejabberd.yml`), its Mnesia spool and
 * its log, and fresh loopback ports: c2s (plain TCP, PLAIN auth), HTTP for `mod_http_api` (user
 * registration), and one component listener per component domain: a connection that authenticates
 * on a listener serving several domains with one secret takes every one of them (measured). The
 * Erlang VM runs `erl` directly, not through `ejabberdctl`, and without Erlang distribution (node
 * `nonode@nohost`): it starts no epmd, needs no cookie and opens no distribution port, so parallel
 * instances cannot collide on a node name and none can join another's cluster. Needs the Debian
 * package `ejabberd`:
 * `bash scripts/ensure-deps.sh` installs it (and keeps the system service from running).
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOST, accepts, pickPorts } from "./ports.js";
import { findBinary, forgetOnExit, sleep, spawnServer, terminate } from "./processes.js";

/** How ejabberd picks one of several connections of a component domain (its `domain_balancing`). */
export interface EjabberdBalancing {
  /** What ejabberd hashes to pick a connection: `bare_source` pins a user, `bare_destination` a room. */
  type: "random" | "source" | "destination" | "bare_source" | "bare_destination";
  /** Fixed number of slots (ejabberd's `component_number`, 2..1000); omit it to see 23.01 fail. */
  componentNumber?: number;
}

/** Options of {@link startEjabberd}. */
export interface EjabberdOptions {
  /** Component domains (XEP-0114), all with {@link secret}. */
  components: string[];
  /** `domain_balancing` per component domain; a domain without an entry balances at random. */
  balancing?: Record<string, EjabberdBalancing>;
  /** The shared component secret; default: random. */
  secret?: string;
  /** `max_stanza_size` of the c2s and component listeners in bytes; default ejabberd's (infinity). */
  maxStanzaSize?: number;
  /**
   * Serve every component domain on one listener (the first domain's port) instead of one each:
   * then a connection for any of them is routed the stanzas of all of them. Default false.
   */
  sharedListener?: boolean;
  /** More ejabberd modules with their options, e.g. `{ mod_privilege: { roster: { both: "all" } } }`. */
  modules?: Record<string, unknown>;
  /** How long to wait for the listeners, per attempt; default 20 000 ms. */
  startTimeoutMs?: number;
}

/** A running test-bed ejabberd. */
export interface EjabberdHandle {
  /** The only interface ejabberd listens on. */
  host: "127.0.0.1";
  /** The one virtual host, where users live. */
  domain: "localhost";
  /** Client-to-server port (plain TCP; PLAIN auth allowed). */
  c2sPort: number;
  /** XEP-0114 port of the first component domain. */
  componentPort: number;
  /** `xmpp://127.0.0.1:<port>` per component domain: each has its own listener unless `sharedListener`. */
  services: Record<string, string>;
  /** `mod_http_api` port (`http://127.0.0.1:<port>/api/<command>`), open to loopback only. */
  httpPort: number;
  /** The shared component secret. */
  secret: string;
  /** `xmpp://127.0.0.1:<componentPort>`, the `service` option of `@xmpp/component` for the first domain. */
  service: string;
  /** The temp folder: `ejabberd.yml`, `spool/` (Mnesia), `ejabberd.log`. */
  dir: string;
  /** PID of the Erlang VM (also the id of its own process group). */
  pid: number;
  /** Milliseconds from spawning the VM until every listener accepted connections. */
  startupMs: number;
  /** Creates the account `local@localhost` (ejabberd's `register` command over HTTP). */
  registerUser(local: string, password: string): Promise<void>;
  /** Runs an ejabberd API command (`mod_http_api`) and returns its JSON answer. */
  api(command: string, args?: Record<string, unknown>): Promise<unknown>;
  /** SIGTERM, SIGKILL after 3 s; removes the folder. Calling it again is harmless. */
  stop(): Promise<void>;
}

const INSTALL_HINT = "run `bash scripts/ensure-deps.sh` (or `apt-get install ejabberd`)";
const findErl = () => findBinary("erl", ["/usr/bin"], `Erlang was not found: ${INSTALL_HINT}.`);

/** Where Debian puts ejabberd's Erlang applications: `/usr/lib/<multiarch triplet>` (the VM's ERL_LIBS). */
function findErlLibs(): string {
  for (const name of readdirSync("/usr/lib").filter((n) => n.endsWith("-linux-gnu"))) {
    const dir = join("/usr/lib", name);
    if (readdirSync(dir).some((entry) => entry.startsWith("ejabberd-"))) return dir;
  }
  throw new Error(`ejabberd was not found under /usr/lib/*-linux-gnu: ${INSTALL_HINT}.`);
}

/** The component domains of each component listener. */
const listeners = (opts: EjabberdOptions) => (opts.sharedListener ? [opts.components] : opts.components.map((domain) => [domain]));

/** ejabberd's config; YAML is a superset of JSON, so the file is written as JSON. */
function config(opts: EjabberdOptions, secret: string, ports: number[]): string {
  const [c2s, http, ...components] = ports;
  const stanzaLimit = opts.maxStanzaSize ? { max_stanza_size: opts.maxStanzaSize } : {};
  const balancing = Object.entries(opts.balancing ?? {}).map(([domain, b]) => [
    domain,
    { type: b.type, ...(b.componentNumber === undefined ? {} : { component_number: b.componentNumber }) },
  ]);
  return JSON.stringify(
    {
      hosts: ["localhost"],
      loglevel: "info",
      log_rotate_count: 0,
      auth_method: "internal",
      auth_password_format: "plain",
      certfiles: [],
      listen: [
        { port: c2s, ip: HOST, module: "ejabberd_c2s", starttls: false, ...stanzaLimit },
        { port: http, ip: HOST, module: "ejabberd_http", request_handlers: { "/api": "mod_http_api" } },
        ...listeners(opts).map((domains, i) => ({
          port: components[i],
          ip: HOST,
          module: "ejabberd_service",
          ...stanzaLimit,
          hosts: Object.fromEntries(domains.map((domain) => [domain, { password: secret }])),
        })),
      ],
      ...(balancing.length > 0 ? { domain_balancing: Object.fromEntries(balancing) } : {}),
      api_permissions: { loopback: { from: "mod_http_api", who: { ip: "127.0.0.1/8" }, what: "*" } },
      acl: { local: { user_regexp: "" } },
      access_rules: { local: { allow: "local" }, c2s: { allow: "all" } },
      shaper_rules: { c2s_shaper: "none" },
      modules: { mod_admin_extra: {}, mod_disco: {}, mod_ping: {}, ...opts.modules },
    },
    null,
    2,
  );
}

const everyAccepts = async (ports: number[]) => (await Promise.all(ports.map(accepts))).every(Boolean);

async function callApi(httpPort: number, command: string, args: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(`http://${HOST}:${httpPort}/api/${command}`, { method: "POST", body: JSON.stringify(args) });
  const body = await response.text();
  if (!response.ok) throw new Error(`ejabberd API ${command}: HTTP ${response.status} ${body}`);
  return JSON.parse(body);
}

type Attempt = { ok: true; child: ChildProcess; startupMs: number } | { ok: false; portClash: boolean; reason: string };

/** One start: spawn the VM, then wait until the API answers and c2s and component ports accept. */
async function attemptStart(dir: string, ports: number[], timeoutMs: number): Promise<Attempt> {
  const logFile = join(dir, "ejabberd.log");
  await rm(logFile, { force: true }); // an earlier attempt's port clash must not be read again
  const args = ["-noinput", "-noshell", "+K", "true", "-mnesia", "dir", `"${join(dir, "spool")}"`, "-s", "ejabberd"];
  const env = { ...process.env, HOME: dir, ERL_LIBS: findErlLibs(), EJABBERD_CONFIG_PATH: join(dir, "ejabberd.yml"), EJABBERD_LOG_PATH: logFile, EJABBERD_PID_PATH: join(dir, "ejabberd.pid") };
  const started = performance.now();
  const server = spawnServer("erl", findErl(), args, join(dir, "erl.out"), { env });
  const { child } = server;
  const [c2s = 0, http = 0, ...components] = ports;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await callApi(http, "status", {}).then(() => true, () => false);
    if (up && (await accepts(c2s)) && (await everyAccepts(components))) return { ok: true, child, startupMs: Math.round(performance.now() - started) };
    const log = await readFile(logFile, "utf8").catch(() => "");
    const portClash = log.includes("eaddrinuse");
    const exited = server.exited();
    if (portClash || exited || Date.now() > deadline) {
      if (child.pid) await terminate(child.pid);
      const why = portClash ? "a port was taken" : (exited ?? `not ready after ${timeoutMs} ms`);
      return { ok: false, portClash, reason: `${why}; ${dir}:\n${log.trim().split("\n").slice(-15).join("\n")}` };
    }
    await sleep(25);
  }
}

function validate(opts: EjabberdOptions): void {
  if (opts.components.length === 0 || new Set(opts.components).size !== opts.components.length) {
    throw new TypeError("components: one or more distinct component domains");
  }
  for (const [domain, { componentNumber }] of Object.entries(opts.balancing ?? {})) {
    if (!opts.components.includes(domain)) throw new TypeError(`balancing: ${domain} is not among the components`);
    if (componentNumber !== undefined && !(Number.isInteger(componentNumber) && componentNumber >= 2 && componentNumber <= 1000)) {
      throw new TypeError(`balancing.${domain}.componentNumber: an integer from 2 to 1000 (ejabberd's range)`);
    }
  }
}

/**
 * Starts ejabberd in its own temp folder and resolves once c2s, component and HTTP listeners are
 * up (about 1.5 s on an idle machine). Retries once with new ports if a port was taken.
 */
export async function startEjabberd(opts: EjabberdOptions): Promise<EjabberdHandle> {
  validate(opts);
  const secret = opts.secret ?? randomBytes(16).toString("hex");
  const dir = await mkdtemp(join(tmpdir(), "mucstate-ejabberd-"));
  await mkdir(join(dir, "spool"));
  let lastReason = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const ports = await pickPorts(2 + listeners(opts).length);
    await writeFile(join(dir, "ejabberd.yml"), config(opts, secret, ports));
    const result = await attemptStart(dir, ports, opts.startTimeoutMs ?? 20_000);
    if (result.ok) return makeHandle(result.child, result.startupMs, dir, secret, ports, opts.components);
    lastReason = result.reason;
    if (!result.portClash) break;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`ejabberd test bed did not start: ${lastReason}`);
}

function makeHandle(child: ChildProcess, startupMs: number, dir: string, secret: string, ports: number[], domains: string[]): EjabberdHandle {
  const [c2sPort = 0, httpPort = 0, ...componentPorts] = ports;
  const componentPort = componentPorts[0] ?? 0;
  const pid = child.pid!;
  const api = (command: string, args: Record<string, unknown> = {}) => callApi(httpPort, command, args);
  return {
    host: HOST,
    domain: "localhost",
    c2sPort,
    componentPort,
    httpPort,
    secret,
    service: `xmpp://${HOST}:${componentPort}`,
    services: Object.fromEntries(domains.map((domain, i) => [domain, `xmpp://${HOST}:${componentPorts[i] ?? componentPort}`])),
    dir,
    pid,
    startupMs,
    api,
    async registerUser(local, password) {
      await api("register", { user: local, host: "localhost", password });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) await terminate(pid);
      forgetOnExit(pid);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
