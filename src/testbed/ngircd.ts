/**
 * A throw-away IRC server (Debian's `ngircd`, RFC 2812) on loopback for the IRC example's
 * end-to-end tests.
 *
 * Each instance gets its own temp folder with its config: one free loopback port, no TLS, no
 * PAM, ident or DNS lookups (a client is registered as soon as it sent NICK and USER), no limit
 * on connections per IP. ngircd's defaults make the first user to join a new channel its
 * operator (`@`), which the kick and ban paths need. Needs the Debian package `ngircd`:
 * `bash scripts/ensure-deps.sh` installs it.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOST, accepts, pickPorts } from "./ports.js";
import { findBinary, sleep, spawnServer, terminate } from "./processes.js";

/** A running test-bed ngircd. */
export interface NgircdHandle {
  /** The only interface ngircd listens on. */
  host: "127.0.0.1";
  /** Its plain-text IRC port. */
  port: number;
  /** The server's name (`irc.mucstate.test`), the prefix of its numerics. */
  serverName: string;
  /** The temp folder holding `ngircd.conf` and `ngircd.log` (its stdout and stderr). */
  dir: string;
  /** SIGTERM (SIGKILL after 3 s); removes the folder. Calling it again is harmless. */
  stop(): Promise<void>;
}

const SERVER_NAME = "irc.mucstate.test";

const findNgircd = () =>
  findBinary("ngircd", ["/usr/sbin", "/usr/bin"], "The ngircd binary was not found: run `bash scripts/ensure-deps.sh` (or `apt-get install ngircd`).");

/** ngircd's configuration: loopback only, no lookups, fast registration. */
function config(port: number, dir: string): string {
  return [
    "[Global]",
    `\tName = ${SERVER_NAME}`,
    "\tInfo = mucstate test bed",
    "\tAdminInfo1 = mucstate tests",
    "\tAdminInfo2 = loopback only",
    "\tAdminEMail = nobody@localhost",
    `\tListen = ${HOST}`,
    `\tPorts = ${port}`,
    "\tMotdPhrase = mucstate test bed",
    `\tPidFile = ${join(dir, "ngircd.pid")}`,
    "[Limits]",
    "\tMaxConnectionsIP = 0",
    "\tPingTimeout = 300",
    "\tPongTimeout = 60",
    "[Options]",
    "\tDNS = no",
    "\tIdent = no",
    "\tPAM = no",
    "\tOperCanUseMode = yes",
    "",
  ].join("\n");
}

/** Starts ngircd in the foreground (`-n`) on a free loopback port; resolves once it accepts connections. */
export async function startNgircd(options: { startTimeoutMs?: number } = {}): Promise<NgircdHandle> {
  const binary = findNgircd();
  const dir = await mkdtemp(join(tmpdir(), "mucstate-ngircd-"));
  const [port] = await pickPorts(1);
  const file = join(dir, "ngircd.conf");
  await writeFile(file, config(port!, dir));
  const server = spawnServer("ngircd", binary, ["-n", "-f", file], join(dir, "ngircd.log"));
  const { child } = server;
  const stop = async () => {
    if (!server.exited() && child.pid) await terminate(child.pid);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!(await accepts(port!))) {
    if (server.exited() || Date.now() > deadline) {
      await stop();
      throw new Error(`ngircd did not start on ${HOST}:${port} (see its log in ${dir})`);
    }
    await sleep(25);
  }
  return { host: HOST, port: port!, serverName: SERVER_NAME, dir, stop };
}
