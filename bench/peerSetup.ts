/**
 * The peer side of the peers benchmark: installing biboumi and ngircd, raw IRC clients, their
 * processes and configuration, and biboumi's ad-hoc server configuration.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync, } from "node:fs";
import { type Socket, connect } from "node:net";
import { join } from "node:path";
import { xml as clientXml } from "@xmpp/client";
import { type Client, connectMany, nextStanza, sleep, within } from "./xmpp.js";

/** The IRC port ngircd listens on (on its own loopback address). */
export const IRC_PORT = 6667;

// ---- installing ---------------------------------------------------------------------------------

export function hasBinary(name: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin"])) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** Installs biboumi and ngircd with apt-get if missing; returns why it could not, or undefined. */
export function ensureInstalled(): string | undefined {
  if (hasBinary("biboumi") && hasBinary("ngircd")) return undefined;
  const root = process.getuid?.() === 0;
  const command = root ? "apt-get" : "sudo";
  const args = [...(root ? [] : ["-n", "apt-get"]), "install", "-y", "biboumi", "ngircd"];
  console.error(`bench: peers: installing biboumi and ngircd (${command} ${args.join(" ")})`);
  try {
    execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 300_000 });
  } catch (error) {
    return `apt-get install biboumi ngircd failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim().split("\n").pop()}`;
  }
  return hasBinary("biboumi") && hasBinary("ngircd") ? undefined : "biboumi or ngircd still missing after apt-get";
}

// ---- an IRC client on a raw socket ----------------------------------------------------------------

/** A registered IRC connection that discards what it does not wait for and answers PINGs. */
export class IrcClient {
  readonly nick: string;
  readonly #socket: Socket;
  #carry = "";
  readonly #waiters: Array<{ test: (line: string) => boolean; resolve: () => void }> = [];

  private constructor(socket: Socket, nick: string) {
    this.#socket = socket;
    this.nick = nick;
    socket.setNoDelay(true);
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => this.#onData(chunk.toString("utf8")));
  }

  static async connect(host: string, nick: string): Promise<IrcClient> {
    const socket = connect({ host, port: IRC_PORT });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const client = new IrcClient(socket, nick);
    const welcome = client.waitFor((l) => / 001 /.test(l), `welcome of ${nick}`);
    client.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`);
    await welcome;
    return client;
  }

  #onData(text: string): void {
    const data = this.#carry + text;
    const end = data.lastIndexOf("\n");
    this.#carry = data.slice(end + 1);
    if (this.#waiters.length === 0 && !data.includes("PING ")) return;
    for (const line of data.slice(0, end).split("\r\n")) {
      if (line.startsWith("PING ")) this.send(`PONG ${line.slice(5)}`);
      for (let i = this.#waiters.length - 1; i >= 0; i--) {
        const waiter = this.#waiters[i]!;
        if (waiter.test(line)) {
          this.#waiters.splice(i, 1);
          waiter.resolve();
        }
      }
    }
  }

  waitFor(test: (line: string) => boolean, what: string, ms = 60_000): Promise<void> {
    return within(new Promise<void>((resolve) => this.#waiters.push({ test, resolve })), ms, what);
  }

  /** Writes lines; resolves when the socket can take more. */
  send(...lines: string[]): Promise<void> {
    const more = this.#socket.write(`${lines.join("\r\n")}\r\n`);
    return more ? Promise.resolve() : new Promise((r) => this.#socket.once("drain", r));
  }

  async join(channel: string): Promise<void> {
    const names = this.waitFor((l) => l.includes(` 366 ${this.nick} ${channel} `), `${this.nick} joining ${channel}`);
    await this.send(`JOIN ${channel}`);
    await names;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** The first `n` clients join `channel` (the first one, its operator, first), which then gets a topic. */
export async function fillChannel(irc: IrcClient[], channel: string, n: number): Promise<void> {
  await irc[0]!.join(channel);
  await connectMany(n - 1, 50, (i) => irc[i + 1]!.join(channel));
  const topicSet = irc[0]!.waitFor((l) => l.includes(` TOPIC ${channel} `), "topic");
  await irc[0]!.send(`TOPIC ${channel} :IRC channel of ${n}`);
  await topicSet;
}

// ---- the servers ----------------------------------------------------------------------------------

export function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, "a");
  const child = spawn(command, args, { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  child.on("error", () => {});
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await within(gone, 3000, "exit").catch(() => {
    child.kill("SIGKILL");
    return gone;
  });
}

export async function waitForPort(host: string, port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port}`);
    await sleep(50);
  }
}

/** A loopback address of its own (127.77.x.y), so that the IRC port is free whatever else runs. */
export function loopbackAddress(): string {
  return `127.77.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
}

export function ngircdConfig(dir: string, host: string): string {
  return [
    "[Global]",
    "Name = irc.bench.local",
    "Info = mucstate bench",
    "AdminInfo1 = bench",
    "AdminInfo2 = bench",
    "AdminEMail = bench@localhost",
    `Listen = ${host}`,
    `Ports = ${IRC_PORT}`,
    `PidFile = ${dir}/ngircd.pid`,
    'MotdPhrase = "bench"',
    "[Limits]",
    "MaxConnections = 0",
    "MaxConnectionsIP = 0",
    "MaxJoins = 0",
    "MaxPenaltyTime = 0",
    "MaxNickLength = 30",
    "PingTimeout = 600",
    "PongTimeout = 600",
    "[Options]",
    "DNS = no",
    "Ident = no",
    "PAM = no",
    `IncludeDir = ${dir}/ngircd.conf.d`,
    "",
  ].join("\n");
}

/** biboumi's configuration: component `biboumi.localhost` on Prosody, its log and SQLite database (archive) in `dir`. */
export function biboumiConfig(dir: string, secret: string, componentPort: number): string {
  return [
    "hostname=biboumi.localhost",
    `password=${secret}`,
    "xmpp_server_ip=127.0.0.1",
    `port=${componentPort}`,
    "identd_port=0",
    "log_level=2",
    `log_file=${dir}/biboumi.log`,
    `db_name=${dir}/biboumi.sqlite`,
    `policy_directory=${dir}`,
    "realname_customization=false",
    "",
  ].join("\n");
}

/** Resolves once the component answers a disco#info (biboumi connects to Prosody after it starts). */
export async function waitForComponent(xmpp: Client, domain: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let n = 0; ; n++) {
    const id = `up${n}`;
    const answer = nextStanza(xmpp, (s) => s.is("iq") && s.attrs.id === id, 2_000, `disco#info of ${domain}`);
    await xmpp.send(clientXml("iq", { type: "get", to: domain, id }, clientXml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    if ((await answer.catch(() => undefined))?.attrs.type === "result") return;
    if (Date.now() > deadline) throw new Error(`${domain} did not come online (see its log)`);
    await sleep(100);
  }
}

/**
 * Sets the user's options for the IRC server through biboumi's ad-hoc `configure` command:
 * plain port only, and no throttling of the user's IRC commands (by default biboumi sends at
 * most one command per second after a burst of 10, which would dominate repeated joins).
 */
export async function configureServer(xmpp: Client, server: string): Promise<void> {
  const NS = "http://jabber.org/protocol/commands";
  const form = nextStanza(xmpp, (s) => s.is("iq") && s.attrs.id === "cfg1", 10_000, "biboumi configure form");
  await xmpp.send(clientXml("iq", { type: "set", to: server, id: "cfg1" }, clientXml("command", { xmlns: NS, node: "configure", action: "execute" })));
  const sessionid = (await form).getChild("command", NS)?.attrs.sessionid;
  if (!sessionid) throw new Error("biboumi: no ad-hoc session for configure");
  const field = (name: string, ...values: string[]) => clientXml("field", { var: name }, ...values.map((v) => clientXml("value", {}, v)));
  const done = nextStanza(xmpp, (s) => s.is("iq") && s.attrs.id === "cfg2", 10_000, "biboumi configure result");
  await xmpp.send(
    clientXml(
      "iq",
      { type: "set", to: server, id: "cfg2" },
      clientXml(
        "command",
        { xmlns: NS, node: "configure", sessionid, action: "complete" },
        clientXml("x", { xmlns: "jabber:x:data", type: "submit" }, field("ports", String(IRC_PORT)), field("tls_ports"), field("throttle_limit", "-1")),
      ),
    ),
  );
  const result = await done;
  if (result.attrs.type !== "result") throw new Error(`biboumi configure failed: ${result.toString()}`);
}

// ---- the benchmark --------------------------------------------------------------------------------
