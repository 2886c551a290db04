/**
 * peers (opt-in: `npm run bench -- --peers`): the join and fanout rows against biboumi 9.0, the
 * IRC gateway in Debian, on the same Prosody, with ngircd as the IRC server. Installs both with
 * apt-get when they are missing (as root, or through sudo); when that fails it prints why and
 * reports a "skipped" row.
 *
 * - join: the IRC channel holds N real IRC connections (raw sockets, one per occupant; the first
 *   one set the topic); the measuring client's join presence → subject, through biboumi, against
 *   mucstate's join of a fixture room of N generated participants and the bare push component.
 *   The measuring user stays in a second channel from another resource, so biboumi keeps its
 *   IRC connection between joins (its warm join, as mucstate's).
 * - fanout: an IRC user's PRIVMSGs → biboumi (archiving them in its SQLite database) → the
 *   user's joined resources, at most {@link WINDOW} messages in flight end to end (so that
 *   ngircd's send queue towards biboumi never overflows); against mucstate's fanout row.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { accessSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { type Socket, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml as clientXml } from "@xmpp/client";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { startProsody } from "../src/testbed/prosody.js";
import { bareRound, counter, joinRoom, oursRound } from "./fanout.js";
import { joiner, startPushComponent } from "./join.js";
import { type Row, median, row } from "./stats.js";
import { type Client, PASSWORD, connectClient, connectMany, log, nextStanza, sleep, startFixtureGateway, stopClients, stopComponent, stopGateway, within } from "./xmpp.js";

const SIZES = [10, 100, 1000];
const JOINS = 10;
const ROUNDS = 5;
const FANOUT_MESSAGES = 5_000;
const WINDOW = 100;
const IRC_PORT = 6667;

// ---- installing ---------------------------------------------------------------------------------

function hasBinary(name: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin"])) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** Installs biboumi and ngircd with apt-get if missing; returns why it could not, or undefined. */
function ensureInstalled(): string | undefined {
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
class IrcClient {
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

// ---- the servers ----------------------------------------------------------------------------------

function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, "a");
  const child = spawn(command, args, { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  child.on("error", () => {});
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await within(gone, 3000, "exit").catch(() => {
    child.kill("SIGKILL");
    return gone;
  });
}

async function waitForPort(host: string, port: number, ms = 10_000): Promise<void> {
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
function loopbackAddress(): string {
  return `127.77.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
}

function ngircdConfig(dir: string, host: string): string {
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

/** Resolves once the component answers a disco#info (biboumi connects to Prosody after it starts). */
async function waitForComponent(xmpp: Client, domain: string, ms = 15_000): Promise<void> {
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
async function configureServer(xmpp: Client, server: string): Promise<void> {
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

/** Runs the peers benchmark. */
export async function peersBench(): Promise<Row[]> {
  const missing = ensureInstalled();
  if (missing) {
    console.error(`bench: peers skipped: ${missing}`);
    return [row("peers", "biboumi 9.0 + ngircd: skipped", Number.NaN, "", undefined, missing)];
  }
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-peers-"));
  mkdirSync(join(dir, "ngircd.conf.d"));
  const host = loopbackAddress();
  writeFileSync(join(dir, "ngircd.conf"), ngircdConfig(dir, host));
  const ngircd = spawnLogged("ngircd", ["-n", "-f", join(dir, "ngircd.conf")], join(dir, "ngircd.log"));
  const prosody = await startProsody({ components: ["muc.localhost", "biboumi.localhost", "push.localhost"] });
  const store = openSqliteStore(join(dir, "mucstate.sqlite"), { retentionDays: Number.POSITIVE_INFINITY });
  writeFileSync(
    join(dir, "biboumi.cfg"),
    [
      "hostname=biboumi.localhost",
      `password=${prosody.secret}`,
      "xmpp_server_ip=127.0.0.1",
      `port=${prosody.componentPort}`,
      "identd_port=0",
      "log_level=2",
      `log_file=${dir}/biboumi.log`,
      `db_name=${dir}/biboumi.sqlite`,
      `policy_directory=${dir}`,
      "realname_customization=false",
      "",
    ].join("\n"),
  );
  const biboumi = spawnLogged("biboumi", [join(dir, "biboumi.cfg")], join(dir, "biboumi.out"));
  const irc: IrcClient[] = [];
  const clients: Client[] = [];
  const rows: Row[] = [];
  try {
    await waitForPort(host, IRC_PORT);
    await prosody.registerUser("alice", PASSWORD);
    const rooms = [...SIZES.map((n) => ({ id: `r${n}`, generatedParticipants: n, userNick: "alice" })), { id: "fan", participants: [{ nick: "bob" }], userNick: "alice" }];
    const gateway = await startFixtureGateway(prosody, "muc.localhost", ["alice@localhost"], rooms, store);
    const push = await startPushComponent(prosody);
    try {
      clients.push(...(await Promise.all(["bench", "keep", "r1", "r2", "r3", "r4", "r5"].map((r) => connectClient(prosody.c2sPort, "alice", r)))));
      const [bench, keep] = clients as [Client, Client];
      const ircRoom = (channel: string) => `${channel}%${host}@biboumi.localhost`;
      await waitForComponent(bench, "biboumi.localhost");
      await configureServer(bench, `${host}@biboumi.localhost`);
      // biboumi connects to IRC on the user's first join and leaves when the last channel is left.
      await joinRoom(keep, ircRoom("#keep"));
      log("biboumi connected to ngircd");

      const max = Math.max(...SIZES);
      irc.push(...(await connectMany(max, 50, (i) => IrcClient.connect(host, `u${i}`))));
      const join = joiner(bench, "alice");
      for (const n of SIZES) {
        const channel = `#r${n}`;
        await irc[0]!.join(channel);
        await connectMany(n - 1, 50, (i) => irc[i + 1]!.join(channel));
        const topicSet = irc[0]!.waitFor((l) => l.includes(` TOPIC ${channel} `), "topic");
        await irc[0]!.send(`TOPIC ${channel} :IRC channel of ${n}`);
        await topicSet;
        log(`${channel} filled with ${n} IRC users`);
        const settle = Math.max(20, n / 20);
        await join(ircRoom(channel), settle);
        await join(`r${n}@muc.localhost`, settle);
        const peer: number[] = [];
        const ours: number[] = [];
        const bare: number[] = [];
        for (let i = 0; i < JOINS; i++) {
          peer.push(await join(ircRoom(channel), settle));
          bare.push(await join(`r${n}@push.localhost`, settle));
          ours.push(await join(`r${n}@muc.localhost`, settle));
        }
        rows.push(
          row("peers", `join, ${n} occupants: mucstate vs biboumi 9.0 (median of ${JOINS})`, ours, "ms", peer, `biboumi: ${n} IRC users on ngircd, throttle_limit -1; bare push component ${median(bare).toFixed(1)} ms`),
        );
      }

      // fanout: bob on IRC → biboumi → alice's resources, against mucstate's legacy → XMPP.
      const bob = await IrcClient.connect(host, "bob");
      irc.push(bob);
      await bob.join("#fan");
      let joined = 0;
      for (const resources of [1, 5]) {
        const active = clients.slice(2, 2 + resources);
        for (; joined < resources; joined++) {
          await joinRoom(active[joined]!, ircRoom("#fan"));
          await joinRoom(active[joined]!, "fan@muc.localhost");
        }
        const peerRound = async (n: number, tag: string) => {
          const count = counter(active, `${ircRoom("#fan")}/bob`);
          const received = count.expect(tag, n);
          // End-to-end window: a message goes out when the first resource got an earlier one.
          let got = 0;
          const onStanza = (s: { name: string; attrs: Record<string, string | undefined>; getChildText(n: string): string | null }) => {
            if (s.name === "message" && s.getChildText("body")?.startsWith(tag)) got++;
          };
          active[0]!.on("stanza", onStanza as never);
          const t0 = performance.now();
          for (let i = 0; i < n; i++) {
            while (i - got >= WINDOW) await sleep(1);
            await bob.send(`PRIVMSG #fan :${tag} message number ${i}`);
          }
          await received;
          active[0]!.removeListener("stanza", onStanza as never);
          count.stop();
          return n / ((performance.now() - t0) / 1000);
        };
        await peerRound(200, `pw${resources}`);
        await oursRound(gateway, active, 200, `ow${resources}`);
        const peer: number[] = [];
        const ours: number[] = [];
        const bare: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          peer.push(await peerRound(FANOUT_MESSAGES, `p${resources}r${r}`));
          bare.push(await bareRound(push, active, FANOUT_MESSAGES, `b${resources}r${r}`));
          ours.push(await oursRound(gateway, active, FANOUT_MESSAGES, `o${resources}r${r}`));
          log(`peers fanout ${resources}: biboumi ${peer.at(-1)!.toFixed(0)}/s, bare ${bare.at(-1)!.toFixed(0)}/s, ours ${ours.at(-1)!.toFixed(0)}/s`);
        }
        const label = resources === 1 ? "1 resource" : `${resources} resources`;
        rows.push(
          row(
            "peers",
            `fanout, ${label}: mucstate vs biboumi 9.0 (median of ${ROUNDS})`,
            ours,
            "msg/s",
            peer,
            `both archive (SQLite); biboumi: IRC PRIVMSG → XMPP, ≤ ${WINDOW} in flight; bare push component ${median(bare).toFixed(0)} msg/s`,
          ),
        );
      }
    } finally {
      await stopClients(clients);
      await stopComponent(push);
      await stopGateway(gateway);
    }
  } finally {
    for (const c of irc) c.close();
    await stopChild(biboumi);
    await stopChild(ngircd);
    store.close();
    await prosody.stop({ removeDir: true });
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
