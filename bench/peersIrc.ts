/**
 * The IRC example (examples/irc) against biboumi 9.0 on the same ngircd and Prosody: joining a
 * channel of 10/100/1,000 IRC users, IRC → XMPP messages per second, and the RSS of each gateway
 * process with 1,000 channels joined. The example runs in a child process (bench/ircGatewayChild.ts)
 * so that both RSS figures come from /proc/PID/status.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { xml as clientXml } from "@xmpp/client";
import { startProsody } from "../src/testbed/prosody.js";
import { counter } from "./fanout.js";
import { joiner } from "./join.js";
import { biboumiConfig, configureServer, ensureInstalled, fillChannel, IRC_PORT, IrcClient, loopbackAddress, ngircdConfig, spawnLogged, stopChild, waitForComponent, waitForPort } from "./peerSetup.js";
import { type Row, row } from "./stats.js";
import { type Client, MUC, PASSWORD, connectClient, connectMany, log, nextStanza, sleep, stopClients, within } from "./xmpp.js";

const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(",").map(Number) : [10, 100, 1000];
const JOINS = 5;
const ROUNDS = 5;
const MESSAGES = 2_000;
const WINDOW = 100;
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 1000);
/** The IRC example's component, and the XMPP nick biboumi's IRC connection uses (the example takes alice's local part). */
const OURS = "irc.localhost";
const BIBOUMI_NICK = "bib";

/** VmRSS of a process, in MiB. */
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;

/** Joins `room` as `nick` without history; resolves on the subject. */
async function enter(c: Client, room: string, nick: string): Promise<void> {
  const subject = nextStanza(c, (s) => s.is("message") && s.getChild("subject") !== undefined && s.attrs.from?.startsWith(room) === true, 60_000, `subject of ${room}`);
  await c.send(clientXml("presence", { to: `${room}/${nick}` }, clientXml("x", { xmlns: MUC }, clientXml("history", { maxstanzas: "0" }))));
  await subject;
}

/** Starts the IRC example in its own process; resolves once its component is online. */
async function forkGateway(options: Record<string, unknown> | undefined, logFile: string): Promise<ChildProcess> {
  const env = { ...process.env, IRC_GATEWAY: options ? JSON.stringify(options) : "" };
  const child = fork(fileURLToPath(new URL("./ircGatewayChild.ts", import.meta.url)), [], { env, stdio: ["ignore", "ignore", "pipe", "ipc"] });
  child.stderr?.on("data", (d: Buffer) => writeFileSync(logFile, d, { flag: "a" }));
  await within(new Promise<void>((resolve, reject) => child.once("message", () => resolve()).once("exit", (code) => reject(new Error(`IRC example exited (${code}), see ${logFile}`)))), 30_000, "IRC example start");
  return child;
}

/** Messages/s from `bob` on IRC to `room` at alice's resource, at most WINDOW in flight. */
async function throughput(alice: Client, bob: IrcClient, channel: string, room: string, n: number, tag: string): Promise<number> {
  const count = counter([alice], `${room}/bob`);
  const received = count.expect(tag, n);
  let got = 0;
  const onStanza = (s: { name: string; getChildText(n: string): string | null }) => {
    if (s.name === "message" && s.getChildText("body")?.startsWith(tag)) got++;
  };
  alice.on("stanza", onStanza as never);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    while (i - got >= WINDOW) await sleep(1);
    await bob.send(`PRIVMSG ${channel} :${tag} message number ${i}`);
  }
  await received;
  alice.removeListener("stanza", onStanza as never);
  count.stop();
  return n / ((performance.now() - t0) / 1000);
}

/** Runs the IRC example vs biboumi benchmark. */
export async function peersIrcBench(): Promise<Row[]> {
  const missing = ensureInstalled();
  if (missing) return [row("peers-irc", "IRC example vs biboumi 9.0: skipped", Number.NaN, "", undefined, missing)];
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-peers-irc-"));
  mkdirSync(join(dir, "ngircd.conf.d"));
  const host = loopbackAddress();
  // ngircdConfig lifts the limits: MaxConnectionsIP = 0 (every client is on one loopback address), MaxJoins = 0.
  writeFileSync(join(dir, "ngircd.conf"), ngircdConfig(dir, host));
  const ngircd = spawnLogged("ngircd", ["-n", "-f", join(dir, "ngircd.conf")], join(dir, "ngircd.log"));
  const prosody = await startProsody({ components: [OURS, "biboumi.localhost"] });
  writeFileSync(join(dir, "biboumi.cfg"), biboumiConfig(dir, prosody.secret, prosody.componentPort));
  const biboumi = spawnLogged("biboumi", [join(dir, "biboumi.cfg")], join(dir, "biboumi.out"));
  const irc: IrcClient[] = [];
  const clients: Client[] = [];
  let ours: ChildProcess | undefined;
  const rows: Row[] = [];
  try {
    await waitForPort(host, IRC_PORT);
    ours = await forkGateway({ domain: OURS, secret: prosody.secret, service: prosody.service, store: join(dir, "ours.sqlite"), host, port: IRC_PORT }, join(dir, "ours.log"));
    const empty = await forkGateway(undefined, join(dir, "empty.log"));
    await sleep(500);
    const runtime = rssMiB(empty.pid!);
    await stopChild(empty);
    await prosody.registerUser("alice", PASSWORD);
    clients.push(...(await Promise.all(["bench", "keep", "rss"].map((r) => connectClient(prosody.c2sPort, "alice", r)))));
    const [bench, keep, many] = clients as [Client, Client, Client];
    many.setMaxListeners(100);
    const peerRoom = (channel: string) => `${channel}%${host}@biboumi.localhost`;
    const ourRoom = (channel: string) => `${channel}@${OURS}`;
    await waitForComponent(bench, "biboumi.localhost");
    await configureServer(bench, `${host}@biboumi.localhost`);
    // Both gateways keep the IRC connection while a channel stays joined.
    await enter(keep, peerRoom("#keep"), BIBOUMI_NICK);
    await enter(keep, ourRoom("#keep"), "alice");
    const idle = { ours: rssMiB(ours.pid!), peer: rssMiB(biboumi.pid!) };
    log(`both gateways on ngircd; idle RSS ours ${idle.ours.toFixed(1)} MiB, biboumi ${idle.peer.toFixed(1)} MiB`);

    const t0 = performance.now();
    irc.push(...(await connectMany(Math.max(...SIZES), 50, (i) => IrcClient.connect(host, `u${i}`))));
    log(`${irc.length} IRC users connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const peerJoin = joiner(bench, BIBOUMI_NICK);
    const ourJoin = joiner(bench, "alice");
    for (const n of SIZES) {
      const channel = `#j${n}`;
      await fillChannel(irc, channel, n);
      const settle = Math.max(20, n / 10);
      await peerJoin(peerRoom(channel), settle);
      await ourJoin(ourRoom(channel), settle);
      const peer: number[] = [];
      const mine: number[] = [];
      for (let i = 0; i < JOINS; i++) {
        peer.push(await peerJoin(peerRoom(channel), settle));
        mine.push(await ourJoin(ourRoom(channel), settle));
      }
      log(`${channel}: ours ${mine.map((v) => v.toFixed(0)).join(" ")} ms, biboumi ${peer.map((v) => v.toFixed(0)).join(" ")} ms`);
      rows.push(row("peers-irc", `join a channel of ${n} IRC users → subject: IRC example vs biboumi 9.0 (median of ${JOINS})`, mine, "ms", peer, "each join is an IRC JOIN + NAMES (both part on the last leave)"));
    }

    const bob = await IrcClient.connect(host, "bob");
    irc.push(bob);
    await bob.join("#fanp");
    await bob.join("#fano");
    await enter(bench, peerRoom("#fanp"), BIBOUMI_NICK);
    await enter(bench, ourRoom("#fano"), "alice");
    await throughput(bench, bob, "#fanp", peerRoom("#fanp"), 200, "pw");
    await throughput(bench, bob, "#fano", ourRoom("#fano"), 200, "ow");
    const peer: number[] = [];
    const mine: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      peer.push(await throughput(bench, bob, "#fanp", peerRoom("#fanp"), MESSAGES, `p${r}`));
      mine.push(await throughput(bench, bob, "#fano", ourRoom("#fano"), MESSAGES, `o${r}`));
      log(`IRC → XMPP: ours ${mine.at(-1)!.toFixed(0)}/s, biboumi ${peer.at(-1)!.toFixed(0)}/s`);
    }
    rows.push(
      row("peers-irc", `IRC → XMPP, 1 resource: IRC example vs biboumi 9.0 (median of ${ROUNDS} × ${MESSAGES})`, mine, "msg/s", peer, `PRIVMSG → groupchat, ≤ ${WINDOW} in flight; both archive in SQLite`),
    );

    const t1 = performance.now();
    for (const [label, room, nick] of [["biboumi", peerRoom, BIBOUMI_NICK], ["ours", ourRoom, "alice"]] as const) {
      await connectMany(CHANNELS, 50, (i) => enter(many, room(`#c${i}`), nick));
      log(`${label}: ${CHANNELS} channels joined (${((performance.now() - t1) / 1000).toFixed(1)} s so far)`);
    }
    await sleep(2000);
    const full = { ours: rssMiB(ours.pid!), peer: rssMiB(biboumi.pid!) };
    rows.push(
      row(
        "peers-irc",
        `gateway process RSS, ${CHANNELS} channels joined: IRC example vs biboumi 9.0`,
        full.ours,
        "MiB",
        full.peer,
        `VmRSS of each process after the runs above; idle at start ${idle.ours.toFixed(1)} / ${idle.peer.toFixed(1)} MiB; the example's process runs Node + tsx (${runtime.toFixed(1)} MiB with nothing loaded)`,
      ),
    );
  } finally {
    await stopClients(clients);
    for (const c of irc) c.close();
    if (ours) await stopChild(ours);
    await stopChild(biboumi);
    await stopChild(ngircd);
    await prosody.stop({ removeDir: true });
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
