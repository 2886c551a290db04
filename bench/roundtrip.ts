/**
 * roundtrip: a client's groupchat messages → the room's mailbox → the plugin's `onText` → the
 * echo to the client, with archiving on (real SQLite file), {@link WINDOW} messages in flight.
 * The gateway runs in a process of its own, as in production (bench/roundtripComponents.ts), and
 * so does its baseline, a bare component that echoes every groupchat message back from
 * `room/nick` with a stanza-id and an occupant-id. Also measured, interleaved round by round on
 * the same Prosody with the same client: the gateway with the in-memory store, Prosody's own MUC,
 * and the gateway on the client's event loop (the layout of the runs before 2026-12-03 08:00).
 * Then the burst: {@link BURST} messages sent at once, to the gateway with its default options:
 * how many were refused, and whether the echoes came back in the order sent.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml as clientXml } from "@xmpp/client";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { startProsody } from "../src/testbed/prosody.js";
import { forkComponents, stopComponents } from "./componentsProcess.js";
import type { RoundtripComponentsOptions } from "./roundtripComponents.js";
import { median, type Row, row } from "./stats.js";
import { type Client, connectClient, joinRoom, log, PASSWORD, type Stanza, startFixtureGateway, stopClients, stopGateway, within } from "./xmpp.js";

const ROUNDS = 5;
const MESSAGES = 10_000;
/** Messages in flight: sent, not yet echoed. */
const WINDOW = 200;

/** Sends `n` messages to `room`, keeping {@link WINDOW} in flight; returns echoes/s and errors. */
async function round(xmpp: Client, room: string, n: number, tag: string): Promise<{ rate: number; errors: number; cpu: number }> {
  let sent = 0;
  let settled = 0;
  let errors = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const send = () => {
    const i = sent++;
    void xmpp.send(clientXml("message", { to: room, type: "groupchat", id: `${tag}-${i}` }, clientXml("body", {}, `${tag} message number ${i}`))).catch(() => {});
  };
  const onStanza = (s: Stanza) => {
    if (s.name !== "message" || !s.attrs.from?.startsWith(room)) return;
    if (s.attrs.type === "error") {
      if (!s.attrs.id?.startsWith(`${tag}-`)) return;
      errors++;
    } else if (!s.getChildText("body")?.startsWith(tag)) return;
    if (++settled === n) done();
    else if (sent < n) send();
  };
  xmpp.on("stanza", onStanza as never);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (sent < Math.min(WINDOW, n)) send();
  await within(finished, 120_000, `${n} echoes from ${room}`);
  xmpp.removeListener("stanza", onStanza as never);
  const cpu = process.cpuUsage(cpu0);
  return { rate: n / ((performance.now() - t0) / 1000), errors, cpu: (cpu.user + cpu.system) / n };
}

/** Messages one client pipelines in the burst row: all sent at once. */
const BURST = 1_000;

/**
 * Sends {@link BURST} messages to `room` at once; returns how many were refused and whether the
 * echoes came back in the order sent.
 */
async function burst(xmpp: Client, room: string, tag: string): Promise<{ refused: number; inOrder: boolean; rate: number }> {
  const echoed: number[] = [];
  let refused = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const onStanza = (s: Stanza) => {
    if (s.name !== "message" || !s.attrs.from?.startsWith(room) || !s.attrs.id?.startsWith(`${tag}-`)) return;
    if (s.attrs.type === "error") refused++;
    else echoed.push(Number(s.attrs.id.slice(tag.length + 1)));
    if (echoed.length + refused === BURST) done();
  };
  xmpp.on("stanza", onStanza as never);
  const t0 = performance.now();
  for (let i = 0; i < BURST; i++) {
    void xmpp.send(clientXml("message", { to: room, type: "groupchat", id: `${tag}-${i}` }, clientXml("body", {}, `${tag} burst message ${i}`))).catch(() => {});
  }
  await within(finished, 120_000, `${BURST} answers from ${room}`);
  xmpp.removeListener("stanza", onStanza as never);
  return { refused, inOrder: echoed.every((n, i) => n === i), rate: BURST / ((performance.now() - t0) / 1000) };
}

/** CPU time of the components' process so far, µs. */
function cpuOf(child: ChildProcess): Promise<number> {
  const reply = new Promise<number>((resolve) => child.once("message", (m: { cpu: number }) => resolve(m.cpu)));
  child.send({ op: "cpu" });
  return within(reply, 10_000, "the components' CPU time");
}

/** One target of the rounds: its room, and the figures of each round. */
interface Target {
  room: string;
  tag: string;
  rates: number[];
  /** CPU µs a message: this process (the client; with the in-process gateway, both). */
  clientCpu: number[];
  /** CPU µs a message of the components' process. */
  componentsCpu: number[];
  errors: number;
}

/**
 * Runs the roundtrip benchmark. The gateway, its memory-store twin and the bare echo component run
 * in a process of their own; the client, and a second gateway for the older layout, in this one.
 */
export async function roundtripBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-roundtrip-"));
  const prosody = await startProsody({ components: ["muc.localhost", "mem.localhost", "echo.localhost", "shared.localhost"], nativeMuc: true });
  const shared = openSqliteStore(join(dir, "shared.sqlite"), { retentionDays: Number.POSITIVE_INFINITY });
  let components: ChildProcess | undefined;
  try {
    await prosody.registerUser("alice", PASSWORD);
    const rooms = [{ id: "echo", participants: [{ nick: "bob" }], userNick: "alice" }];
    // The default configuration (its mailbox takes the window and the burst).
    const options: RoundtripComponentsOptions = { service: prosody.service, secret: prosody.secret, store: join(dir, "roundtrip.sqlite"), rooms };
    // `BENCH_ROUNDTRIP_PROFILE=DIR` writes a CPU profile of the components' process into DIR.
    components = await forkComponents(new URL("./roundtripComponents.ts", import.meta.url), "ROUNDTRIP_COMPONENTS", options, process.env.BENCH_ROUNDTRIP_PROFILE);
    // The layout of the earlier runs: the same gateway on the client's event loop.
    const sharedGateway = await startFixtureGateway(prosody, "shared.localhost", ["alice@localhost"], rooms, shared);
    const alice = await connectClient(prosody.c2sPort, "alice", "rt");
    try {
      const target = (room: string, tag: string): Target => ({ room, tag, rates: [], clientCpu: [], componentsCpu: [], errors: 0 });
      const bare = target("echo@echo.localhost", "b");
      const ours = target("echo@muc.localhost", "o");
      const mem = target("echo@mem.localhost", "m");
      const native = target("echo@conference.localhost", "n");
      const sameLoop = target("echo@shared.localhost", "s");
      const all = [bare, ours, mem, native, sameLoop];
      for (const t of all) if (t !== bare) await joinRoom(alice, t.room);
      for (const t of all) await round(alice, t.room, 1000, `warm${t.tag}`);
      // `BENCH_ROUNDTRIP_ONLY=o` (tags: b, o, m, n, s) measures only those targets, e.g. to profile one.
      const only = process.env.BENCH_ROUNDTRIP_ONLY;
      const targets = only ? all.filter((t) => only.includes(t.tag)) : all;
      const child = components;
      // The order turns each round, so that no target always follows the same one.
      for (let r = 0; r < ROUNDS; r++) {
        for (let k = 0; k < targets.length; k++) {
          const t = targets[(r + k) % targets.length]!;
          const cpu0 = await cpuOf(child);
          const result = await round(alice, t.room, MESSAGES, `${t.tag}${r}`);
          t.componentsCpu.push(((await cpuOf(child)) - cpu0) / MESSAGES);
          t.rates.push(result.rate);
          t.clientCpu.push(result.cpu);
          t.errors += result.errors;
        }
        const figure = (t: Target) => t.rates.length === 0 ? "-" : `${t.rates.at(-1)!.toFixed(0)}/s (${t.componentsCpu.at(-1)!.toFixed(0)}+${t.clientCpu.at(-1)!.toFixed(0)} µs)`;
        log(`roundtrip: bare ${figure(bare)}, ours ${figure(ours)}, memory store ${figure(mem)}, mod_muc ${figure(native)}, same loop ${figure(sameLoop)}; errors ${ours.errors}`);
      }
      if (only) return targets.map((t) => row("roundtrip", `${t.room}: components' CPU a message ${median(t.componentsCpu).toFixed(1)} µs`, t.rates, "msg/s"));
      const errors = ours.errors + mem.errors + sameLoop.errors;
      const errorNote = errors ? `; ${errors} of ${3 * ROUNDS * MESSAGES} answered with an error` : "";
      const bursts: Array<Awaited<ReturnType<typeof burst>>> = [];
      for (let r = 0; r < ROUNDS; r++) bursts.push(await burst(alice, ours.room, `burst${r}`));
      const refused = bursts.reduce((sum, b) => sum + b.refused, 0);
      const outOfOrder = bursts.filter((b) => !b.inOrder).length;
      const clientNote = `client's process: ${median(ours.clientCpu).toFixed(0)} | ${median(bare.clientCpu).toFixed(0)} µs a message`;
      return [
        row(
          "roundtrip",
          `user message → onText → echo, archived, ${WINDOW} in flight (median of ${ROUNDS})`,
          ours.rates,
          "msg/s",
          bare.rates,
          `target ratio ≥ 0.8; default options; ${MESSAGES} messages a round; gateway and baseline in a process of their own; baseline: bare echo component${errorNote}`,
        ),
        row(
          "roundtrip",
          "the same: CPU time of the components' process per message (gateway | bare echo component)",
          ours.componentsCpu,
          "µs",
          bare.componentsCpu,
          `lower is better; ${clientNote}`,
        ),
        row("roundtrip", "the same, in-memory store (no SQLite commit)", mem.rates, "msg/s", bare.rates, `same gateway, createMemoryStore(): what the SQLite archive costs; its process's CPU ${median(mem.componentsCpu).toFixed(0)} µs a message`),
        row("roundtrip", "the same vs Prosody's own MUC (mod_muc, no archive)", ours.rates, "msg/s", native.rates, `mod_muc ${median(native.rates).toFixed(0)} msg/s; higher is better`),
        row(
          "roundtrip",
          "the same, gateway on the client's event loop (the earlier layout)",
          sameLoop.rates,
          "msg/s",
          bare.rates,
          `SQLite; CPU of the one process ${median(sameLoop.clientCpu).toFixed(0)} µs a message`,
        ),
        row(
          "roundtrip",
          `burst: ${BURST} messages sent at once by one client, default options: refused (${ROUNDS} bursts)`,
          refused,
          "msgs",
          undefined,
          `${refused} of ${ROUNDS * BURST} refused; ${outOfOrder === 0 ? "every burst echoed in order" : `${outOfOrder} bursts out of order`}; ${median(bursts.map((b) => b.rate)).toFixed(0)} answers/s (median)`,
        ),
      ];
    } finally {
      await stopClients([alice]);
      await stopGateway(sharedGateway);
    }
  } finally {
    if (components) await stopComponents(components);
    shared.close();
    await prosody.stop({ removeDir: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
