/**
 * roundtrip: a client's groupchat messages → the room's mailbox → the plugin's `onText` → the
 * echo to the client, with archiving on (real SQLite file), {@link WINDOW} messages in flight.
 * Baseline, same Prosody, same client, interleaved round by round: a bare component that
 * echoes every groupchat message back from `room/nick` with a stanza-id and an occupant-id.
 * Then the burst: {@link BURST} messages sent at once, to the gateway with its default options:
 * how many were refused, and whether the echoes came back in the order sent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml as clientXml } from "@xmpp/client";
import { type Component, xml } from "@xmpp/component";
import { createMemoryStore } from "../src/store/memoryStore.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { startProsody } from "../src/testbed/prosody.js";
import { type Row, median, row } from "./stats.js";
import {
  type Client,
  PASSWORD,
  type Stanza,
  connectClient,
  log,
  startComponent,
  startFixtureGateway,
  stopClients,
  stopComponent,
  stopGateway,
  within,
  joinRoom,
} from "./xmpp.js";

const ROUNDS = 5;
const MESSAGES = 10_000;
/** Messages in flight: sent, not yet echoed. */
const WINDOW = 200;

/** A bare component that echoes groupchat messages from `room/<sender's local part>`. */
async function startEchoComponent(prosody: Parameters<typeof startComponent>[0]): Promise<Component> {
  const entity = await startComponent(prosody, "echo.localhost");
  let n = 0;
  entity.on("stanza", (s) => {
    if (!s.is("message") || s.attrs.type !== "groupchat") return;
    const room = s.attrs.to as string;
    const from = s.attrs.from as string;
    const sid = `echo-${++n}`;
    void entity
      .send(
        xml(
          "message",
          { from: `${room}/${from.split("@")[0]}`, to: from, type: "groupchat", id: s.attrs.id },
          xml("body", {}, s.getChildText("body") ?? ""),
          xml("stanza-id", { xmlns: "urn:xmpp:sid:0", id: sid, by: room }),
          xml("occupant-id", { xmlns: "urn:xmpp:occupant-id:0", id: "Yq3iHBWvTu0NfdbRMPB8w2eK" }),
        ),
      )
      .catch(() => {});
  });
  return entity;
}

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

/** Runs the roundtrip benchmark. */
export async function roundtripBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-roundtrip-"));
  const prosody = await startProsody({ components: ["muc.localhost", "mem.localhost", "echo.localhost"] });
  const store = openSqliteStore(join(dir, "roundtrip.sqlite"), { retentionDays: Number.POSITIVE_INFINITY });
  try {
    await prosody.registerUser("alice", PASSWORD);
    const rooms = [{ id: "echo", participants: [{ nick: "bob" }], userNick: "alice" }];
    // The default configuration (its mailbox takes the window and the burst).
    const gateway = await startFixtureGateway(prosody, "muc.localhost", ["alice@localhost"], rooms, store);
    // The same with an in-memory store: what the SQLite commits cost.
    const memory = await startFixtureGateway(prosody, "mem.localhost", ["alice@localhost"], rooms, createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY }));
    const echo = await startEchoComponent(prosody);
    const alice = await connectClient(prosody.c2sPort, "alice", "rt");
    try {
      const room = "echo@muc.localhost";
      for (const r of [room, "echo@mem.localhost"]) await joinRoom(alice, r);
      await round(alice, room, 1000, "warmo");
      await round(alice, "echo@echo.localhost", 1000, "warmb");
      await round(alice, "echo@mem.localhost", 1000, "warmm");
      const ours: number[] = [];
      const bare: number[] = [];
      const mem: number[] = [];
      // CPU time of this process (client, gateway, bare component) per message: less swayed than
      // msg/s by what else the machine runs.
      const cpuOurs: number[] = [];
      const cpuBare: number[] = [];
      let errors = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const baseline = await round(alice, "echo@echo.localhost", MESSAGES, `b${r}`);
        bare.push(baseline.rate);
        cpuBare.push(baseline.cpu);
        const result = await round(alice, room, MESSAGES, `o${r}`);
        ours.push(result.rate);
        cpuOurs.push(result.cpu);
        errors += result.errors;
        const inMemory = await round(alice, "echo@mem.localhost", MESSAGES, `m${r}`);
        mem.push(inMemory.rate);
        errors += inMemory.errors;
        log(
          `roundtrip: bare ${bare.at(-1)!.toFixed(0)}/s (${baseline.cpu.toFixed(0)} µs CPU), ours ${ours.at(-1)!.toFixed(0)}/s (${result.cpu.toFixed(0)} µs), memory store ${inMemory.rate.toFixed(0)}/s (${inMemory.cpu.toFixed(0)} µs), ${result.errors} errors`,
        );
      }
      const errorNote = errors ? `; ${errors} of ${ROUNDS * MESSAGES} answered with an error` : "";
      const bursts: Array<Awaited<ReturnType<typeof burst>>> = [];
      for (let r = 0; r < ROUNDS; r++) bursts.push(await burst(alice, room, `burst${r}`));
      const refused = bursts.reduce((sum, b) => sum + b.refused, 0);
      const outOfOrder = bursts.filter((b) => !b.inOrder).length;
      return [
        row(
          "roundtrip",
          `user message → onText → echo, archived, ${WINDOW} in flight (median of ${ROUNDS})`,
          ours,
          "msg/s",
          bare,
          `target ratio ≥ 0.8; default options; ${MESSAGES} messages a round; baseline: bare echo component${errorNote}`,
        ),
        row(
          "roundtrip",
          "the same: CPU time of the benchmark process per message (client + gateway | client + bare component)",
          cpuOurs,
          "µs",
          cpuBare,
          "lower is better; the ratio is the inverse of a throughput ratio on an otherwise idle core",
        ),
        row(
          "roundtrip",
          "the same, in-memory store (no SQLite commit)",
          mem,
          "msg/s",
          bare,
          "same gateway, createMemoryStore(): what the SQLite archive costs",
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
      await stopComponent(echo);
      await stopGateway(gateway);
      await stopGateway(memory);
    }
  } finally {
    store.close();
    await prosody.stop({ removeDir: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
