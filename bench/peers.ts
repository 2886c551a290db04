
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { startProsody } from "../src/testbed/prosody.js";
import { bareRound, counter, oursRound } from "./fanout.js";
import { joiner, startPushComponent } from "./join.js";
import { biboumiConfig, configureServer, ensureInstalled, fillChannel, IRC_PORT, IrcClient, loopbackAddress, ngircdConfig, spawnLogged, stopChild, waitForComponent, waitForPort } from "./peerSetup.js";
import { type Row, median, row } from "./stats.js";
import { type Client, PASSWORD, connectClient, connectMany, joinRoom, log, sleep, startFixtureGateway, stopClients, stopComponent, stopGateway } from "./xmpp.js";

const SIZES = [10, 100, 1000];
const JOINS = 10;
const ROUNDS = 5;
const FANOUT_MESSAGES = 5_000;
const WINDOW = 100;

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
  writeFileSync(join(dir, "biboumi.cfg"), biboumiConfig(dir, prosody.secret, prosody.componentPort));
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
        await fillChannel(irc, channel, n);
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
