/**
 * join: a real client's join presence → subject received, through Prosody, for rooms of 10, 100
 * and 1,000 occupants. Baselines, measured in the same run and interleaved join by join:
 *
 * - Prosody's own mod_muc (`conference.localhost`) with as many real occupants connected: a
 *   pool of @xmpp/client connections in a separate process sits in the native room, and one of
 *   them set the subject, so the native join ends with a subject message too;
 * - a bare component on the same Prosody that answers the join with the same number of
 *   pre-built presences and a subject (the floor for moving those stanzas through Prosody).
 *
 * Also the gateway's heap per filled 1,000-participant room.
 *
 * join-10k: a 10,000-participant room, and the worst event-loop delay while it is joined.
 */
import type { ChildProcess } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { xml as clientXml } from "@xmpp/client";
import { type Component, xml } from "@xmpp/component";
import type { Gateway } from "../src/createGateway.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { type ProsodyHandle, startProsody } from "../src/testbed/prosody.js";
import { startOccupantPool } from "./occupants.js";
import { forkComponents, stopComponents } from "./componentsProcess.js";
import { type Row, median, quantile, row } from "./stats.js";
import type { JoinComponentsOptions } from "./joinComponents.js";
import {
  type BenchRoom,
  type Client,
  MUC,
  PASSWORD,
  connectClient,
  log,
  nextStanza,
  registerUsers,
  sleep,
  startComponent,
  startFixtureGateway,
  stopClients,
  stopGateway,
  within,
} from "./xmpp.js";

/** Room sizes; `BENCH_SIZES=10,100` for a quick run (filling the native 1,000 room takes about a minute). */
const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(",").map(Number) : [10, 100, 1000];
const HEAP_ROOMS = 20;
const NATIVE = "conference.localhost";

/** A bare component that answers any join with `n` occupant presences, the self-presence and a subject. */
export async function startPushComponent(prosody: ProsodyHandle): Promise<Component> {
  const entity = await startComponent(prosody, "push.localhost");
  entity.on("stanza", (s) => {
    if (!s.is("presence") || s.attrs.type === "unavailable") {
      if (s.is("presence")) void entity.send(xml("presence", { from: s.attrs.to, to: s.attrs.from, type: "unavailable" }, xml("x", { xmlns: `${MUC}#user` }, xml("status", { code: "110" }))));
      return;
    }
    const [bare, nick] = (s.attrs.to as string).split("/");
    const n = Number(bare!.split("@")[0]!.slice(1));
    const to = s.attrs.from as string;
    for (let i = 1; i <= n; i++) {
      void entity.send(xml("presence", { from: `${bare}/p${i}`, to }, xml("x", { xmlns: `${MUC}#user` }, xml("item", { affiliation: "member", role: "participant" }))));
    }
    void entity.send(xml("presence", { from: `${bare}/${nick}`, to, id: s.attrs.id }, xml("x", { xmlns: `${MUC}#user` }, xml("item", { affiliation: "member", role: "participant" }), xml("status", { code: "110" }))));
    void entity.send(xml("message", { from: bare, to, type: "groupchat" }, xml("subject", {}, "s")));
  });
  return entity;
}

/** Joins `room` as `nick`, times join presence → subject, then leaves and lets the room settle. */
export function joiner(xmpp: Client, nick: string) {
  return async (room: string, settleMs = 20): Promise<number> => {
    const subject = nextStanza(xmpp, (s) => s.is("message") && s.getChild("subject") !== undefined && s.attrs.from?.startsWith(room) === true, 60_000, `subject of ${room}`);
    const t0 = performance.now();
    await xmpp.send(clientXml("presence", { to: `${room}/${nick}` }, clientXml("x", { xmlns: MUC })));
    await subject;
    const ms = performance.now() - t0;
    const left = nextStanza(xmpp, (s) => s.is("presence") && s.attrs.type === "unavailable" && s.attrs.from === `${room}/${nick}`, 30_000, `leave of ${room}`);
    await xmpp.send(clientXml("presence", { to: `${room}/${nick}`, type: "unavailable" }));
    await left;
    await sleep(settleMs);
    return ms;
  };
}

async function withGateway<T>(components: string[], nativeMuc: boolean, rooms: BenchRoom[], body: (p: ProsodyHandle, g: Gateway, alice: Client) => Promise<T>): Promise<T> {
  const prosody = await startProsody({ components, nativeMuc });
  // The default store, SQLite, in a file: what a gateway runs with.
  const dir = mkdtempSync(joinPath(tmpdir(), "mucstate-bench-join-"));
  try {
    await prosody.registerUser("alice", PASSWORD);
    const store = openSqliteStore(joinPath(dir, "join.sqlite"), { retentionDays: Number.POSITIVE_INFINITY });
    const gateway = await startFixtureGateway(prosody, "muc.localhost", ["alice@localhost"], rooms, store);
    const alice = await connectClient(prosody.c2sPort, "alice", "bench");
    try {
      return await body(prosody, gateway, alice);
    } finally {
      await stopClients([alice]);
      await stopGateway(gateway);
      store.close();
    }
  } finally {
    await prosody.stop({ removeDir: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Rounds per room size: each joins the native room, the relay and the gateway once, in turn. On a
 * shared machine single joins of small rooms vary several-fold; more rounds steady their median.
 */
const roundsOf = (n: number) => (n >= 1000 ? 25 : 45);
/**
 * Joins that warm the gateway's process up before the measured warm joins: V8 optimizes a
 * function only once it has run often, and a gateway in production has joined rooms long before.
 * In-process, a warm join of 10 cost ~650 µs of CPU over the process's first 55 joins, ~250 over
 * the next 100, ~180 over the next 300 and ~110 over the next 1,000.
 */
const WARMUP_JOINS = 1_000;
/** Fresh gateway rooms per size whose first join (updateInfo + fillParticipants) is measured, each next to a native join. */
const FIRSTS = 9;

/** Prosody with the native MUC, the components' process (bench/joinComponents.ts) and alice. */
async function withComponents<T>(rooms: BenchRoom[], body: (p: ProsodyHandle, components: ChildProcess, alice: Client) => Promise<T>): Promise<T> {
  const prosody = await startProsody({ components: ["muc.localhost", "push.localhost"], nativeMuc: true });
  const dir = mkdtempSync(joinPath(tmpdir(), "mucstate-bench-join-"));
  let components: ChildProcess | undefined;
  try {
    await prosody.registerUser("alice", PASSWORD);
    const options: JoinComponentsOptions = { service: prosody.service, secret: prosody.secret, store: joinPath(dir, "join.sqlite"), rooms, heapRooms: HEAP_ROOMS };
    // `BENCH_JOIN_PROFILE=DIR` writes a CPU profile of the components' process (the gateway) into DIR.
    const child = await forkComponents(new URL("./joinComponents.ts", import.meta.url), "JOIN_COMPONENTS", options, process.env.BENCH_JOIN_PROFILE);
    components = child;
    const alice = await connectClient(prosody.c2sPort, "alice", "bench");
    try {
      return await body(prosody, child, alice);
    } finally {
      await stopClients([alice]);
    }
  } finally {
    if (components) await stopComponents(components);
    await prosody.stop({ removeDir: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per-round ratios ours / baseline: median, min and max (the runs are paired by round). */
function paired(r: Row, ours: number[], baseline: number[]): Row {
  const ratios = ours.map((v, i) => v / baseline[i]!);
  return { ...r, ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios) };
}

/** Runs the join benchmark. */
export async function joinBench(): Promise<Row[]> {
  const rooms: BenchRoom[] = [
    ...SIZES.flatMap((n) => [
      { id: `r${n}`, generatedParticipants: n, userNick: "alice" },
      ...Array.from({ length: 2 * FIRSTS }, (_, i) => ({ id: `r${n}-first${i}`, generatedParticipants: n, userNick: "alice" })),
    ]),
    ...Array.from({ length: HEAP_ROOMS }, (_, i) => ({ id: `heap${i}`, generatedParticipants: 1000 })),
  ];
  return withComponents(rooms, async (prosody, components, alice) => {
    const rows: Row[] = [];
    const pool = startOccupantPool();
    try {
      const max = Math.max(...SIZES);
      const names = Array.from({ length: max }, (_, i) => `occ${i}`);
      await registerUsers(prosody, names);
      log("connecting occupants");
      const connectMs = await pool.run({ op: "connect", c2sPort: prosody.c2sPort, names, batch: 50 });
      const join = joiner(alice, "alice");
      for (const n of SIZES) {
        const native = `n${n}@${NATIVE}`;
        log(`filling ${native}`);
        const fillMs = await pool.run({ op: "join", room: native, count: n, batch: 50 });
        log(`filled ${native} in ${fillMs.toFixed(0)} ms`);
        await pool.run({ op: "subject", room: native, text: `native room of ${n}` });
        const settle = Math.max(20, n / 20);
        // One join of each before measuring: the native room, the relay, and our warm room (its own first join).
        await join(native, settle);
        await join(`r${n}@push.localhost`, settle);
        await join(`r${n}@muc.localhost`, settle);
        /** First joins of FIRSTS fresh rooms (from the `from`th), each next to a native join. */
        const firstJoins = async (from: number) => {
          const runs = { first: [] as number[], native: [] as number[] };
          for (let i = 0; i < FIRSTS; i++) {
            if (i % 2 === 0) runs.native.push(await join(native, settle));
            runs.first.push(await join(`r${n}-first${from + i}@muc.localhost`, settle));
            if (i % 2 === 1) runs.native.push(await join(native, settle));
          }
          return runs;
        };
        let firsts = await firstJoins(0);
        const rounds = roundsOf(n);
        const measure = async () => {
          const runs = { ours: [] as number[], bare: [] as number[], prosodyMuc: [] as number[] };
          // The order turns each round: what follows the native join meets the tail of its broadcast.
          const targets: Array<[string, number[]]> = [
            [native, runs.prosodyMuc],
            [`r${n}@push.localhost`, runs.bare],
            [`r${n}@muc.localhost`, runs.ours],
          ];
          for (let i = 0; i < rounds; i++) {
            for (let k = 0; k < targets.length; k++) {
              const [room, times] = targets[(i + k) % targets.length]!;
              times.push(await join(room, settle));
            }
          }
          return runs;
        };
        const target = n === 1000 ? "target ratio ≤ 0.5; " : n === 10 ? "target ratio ≤ 1.0; " : "";
        const how = `ratio: median (min–max) of the per-round ratios; mod_muc room filled in ${(fillMs / 1000).toFixed(1)} s`;
        if (n === SIZES[0]) {
          // The gateway's process is new: its code has not been optimized yet (V8 compiles a
          // function for speed only once it has run often). Measured as it is, then warmed up.
          const fresh = await measure();
          rows.push(
            paired(
              row("join", `${n} occupants: warm join, fresh gateway process (its first ${rounds + FIRSTS + 1} joins) vs Prosody mod_muc`, fresh.ours, "ms", fresh.prosodyMuc, how),
              fresh.ours,
              fresh.prosodyMuc,
            ),
            paired(row("join", `${n} occupants: first join (updateInfo + fill) vs Prosody mod_muc (${FIRSTS} rooms, fresh gateway process)`, firsts.first, "ms", firsts.native, how), firsts.first, firsts.native),
          );
          log(`warming the gateway's process up: ${WARMUP_JOINS} joins`);
          for (let i = 0; i < WARMUP_JOINS; i++) await join(`r${n}@muc.localhost`, 2);
          firsts = await firstJoins(FIRSTS);
        }
        const { ours, bare, prosodyMuc } = await measure();
        log(`measured ${n}`);
        const warmed = `gateway process after ${WARMUP_JOINS} joins`;
        rows.push(
          paired(row("join", `${n} occupants: warm join vs Prosody mod_muc (${rounds} rounds, ${warmed})`, ours, "ms", prosodyMuc, `${target}${how}; p90 ${quantile(ours, 0.9).toFixed(1)} ms`), ours, prosodyMuc),
          paired(row("join", `${n} occupants: first join (updateInfo + fill) vs Prosody mod_muc (${FIRSTS} rooms, ${warmed})`, firsts.first, "ms", firsts.native, `${target}${how}`), firsts.first, firsts.native),
          paired(row("join", `${n} occupants: warm join vs prebuilt relay`, ours, "ms", bare, "baseline: the same stanzas, serialized once, one write per join"), ours, bare),
          paired(row("join", `${n} occupants: prebuilt relay vs Prosody mod_muc (the floor)`, bare, "ms", prosodyMuc, "what moving the stanzas through Prosody costs"), bare, prosodyMuc),
        );
      }
      rows.push(row("join", `connect ${max} occupant clients (baseline set-up)`, connectMs, "ms", undefined, "PLAIN auth, batches of 50"));
      // Heap of a filled 1,000-participant room: HEAP_ROOMS more rooms, filled, after gc, in the components' process.
      const heap = new Promise<{ heapPerRoom: number }>((resolve) => components.once("message", resolve));
      components.send({ op: "heap" });
      const perRoom = (await within(heap, 120_000, "heap figure")).heapPerRoom;
      rows.push(row("join", "heap of a filled 1,000-participant room", perRoom / 2 ** 20, "MiB", undefined, `${(perRoom / 1000).toFixed(0)} B per participant including the room actor; ${HEAP_ROOMS} rooms`));
    } finally {
      await pool.stop();
    }
    return rows;
  });
}

/** Rooms of join-10k: each is joined once cold (fillParticipants runs) and once warm. */
const ROOMS_10K = 5;

/** Runs join-10k: 10,000-participant rooms, first and warm joins, and the event loop meanwhile. */
export async function join10kBench(): Promise<Row[]> {
  const rooms = Array.from({ length: ROOMS_10K }, (_, i) => ({ id: `big${i}`, generatedParticipants: 10_000, userNick: "alice" }));
  return withGateway(["muc.localhost"], false, rooms, async (_prosody, _gateway, alice) => {
    const join = joiner(alice, "alice");
    const ms = (ns: number) => ns / 1e6;
    const runs = { first: [] as number[], warm: [] as number[], firstDelay: [] as number[], warmDelay: [] as number[] };
    /** One join with its own event-loop monitor: its duration and the longest the loop was blocked. */
    const measured = async (room: string) => {
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const took = await join(room, 100);
      loop.disable();
      return [took, ms(loop.max)] as const;
    };
    for (const { id } of rooms) {
      // The first join also runs fillParticipants (10,000 getParticipant calls) and stores them.
      const [first, firstDelay] = await measured(`${id}@muc.localhost`);
      const [warm, warmDelay] = await measured(`${id}@muc.localhost`);
      runs.first.push(first);
      runs.firstDelay.push(firstDelay);
      runs.warm.push(warm);
      runs.warmDelay.push(warmDelay);
    }
    return [
      row("join-10k", `10,000 occupants: first join (median of ${ROOMS_10K} rooms)`, runs.first, "ms", undefined, "updateInfo + fillParticipants + storing 10,000 participants (SQLite) + 10,002 stanzas"),
      row("join-10k", "10,000 occupants: warm join", runs.warm, "ms"),
      row("join-10k", "max event-loop delay, first join", runs.firstDelay, "ms", undefined, "target ≤ 50 ms; monitorEventLoopDelay, resolution 5 ms"),
      row("join-10k", "max event-loop delay, warm join", runs.warmDelay, "ms", undefined, "target ≤ 50 ms"),
    ];
  });
}
