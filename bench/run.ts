/**
 * `npm run bench [-- --only NAME[,NAME…]] [-- --peers]`: runs the benchmarks, prints a table, and
 * writes bench/results/latest.json. Each benchmark runs in its own Node process (same flags), so
 * that heap, RSS and leftover sockets of one do not skew the next, and measures its baseline in
 * the same run; the figures are printed, never asserted. `--peers` adds biboumi (IRC) on the same
 * Prosody, when apt can install it.
 */
import os from "node:os";
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { clusterBench } from "./cluster.js";
import { coldstartBench } from "./coldstart.js";
import { failoverBench } from "./failover.js";
import { fanoutBench } from "./fanout.js";
import { join10kBench, joinBench } from "./join.js";
import { mailboxBench } from "./mailbox.js";
import { mamBench } from "./mam.js";
import { memoryBench } from "./memory.js";
import { peersBench } from "./peers.js";
import { pgStoreBench } from "./pgStore.js";
import { peersIrcBench } from "./peersIrc.js";
import { roundtripBench } from "./roundtrip.js";
import type { Row } from "./stats.js";
import { storeBench } from "./store.js";

/** Every benchmark, in the order the default run goes through them. */
const BENCHES: Record<string, () => Promise<Row[]>> = {
  join: joinBench,
  "join-10k": join10kBench,
  fanout: fanoutBench,
  roundtrip: roundtripBench,
  memory: memoryBench,
  mailbox: mailboxBench,
  coldstart: coldstartBench,
  mam: mamBench,
  store: storeBench,
  pgstore: pgStoreBench,
  failover: failoverBench,
  cluster: clusterBench,
  peers: peersBench,
  "peers-irc": peersIrcBench,
};
/** Only with `--peers` (or `--only peers,peers-irc`): they install Debian packages. */
const OPT_IN = new Set(["peers", "peers-irc"]);
const TIMEOUT_MS = 15 * 60_000;

type ChildReply = { rows: Row[] } | { error: string };

/** Runs one benchmark in a child process and collects its rows. */
function runIsolated(name: string): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--child", name], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let reply: ChildReply | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name}: no result after ${TIMEOUT_MS / 60_000} min`));
    }, TIMEOUT_MS);
    child.on("message", (m: ChildReply) => (reply = m));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (reply && "rows" in reply) resolve(reply.rows);
      else reject(new Error(reply && "error" in reply ? reply.error : `${name}: exited (${signal ?? code}) without a result`));
    });
  });
}

const fmt = (v: number | undefined) => (v === undefined ? "" : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));
/** `median (min–max)` when there were several runs. */
const spread = (v: number | undefined, min: number | undefined, max: number | undefined) =>
  v === undefined ? "" : min === undefined || max === undefined ? fmt(v) : `${fmt(v)} (${fmt(min)}–${fmt(max)})`;

/** The rows as a Markdown table (for the README and the issue notes). */
function markdown(date: string, host: ReturnType<typeof machine>, rows: Row[]): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const lines = [
    `${date.slice(0, 10)}, ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}.`,
    "Median (min–max) of the runs; the baseline is measured in the same run.",
    "",
    "| bench | metric | mucstate | baseline | ratio | runs | note |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const value = `${spread(r.value, r.min, r.max)} ${r.unit}`;
    const baseline = r.baseline === undefined ? "" : `${spread(r.baseline, r.baselineMin, r.baselineMax)} ${r.unit}`;
    lines.push(`| ${r.bench} | ${cell(r.metric)} | ${value} | ${baseline} | ${spread(r.ratio, r.ratioMin, r.ratioMax)} | ${r.runs ?? ""} | ${cell(r.note ?? "")} |`);
  }
  return `${lines.join("\n")}\n`;
}

/** The machine the figures were measured on. */
function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

async function main() {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf("--only");
  const only = onlyAt === -1 ? undefined : args[onlyAt + 1]?.split(",").filter(Boolean);
  if (only?.some((n) => !(n in BENCHES))) throw new Error(`--only takes ${Object.keys(BENCHES).join(", ")}`);
  const peers = args.includes("--peers");
  const names = only ?? Object.keys(BENCHES).filter((n) => !OPT_IN.has(n) || peers);
  for (const name of OPT_IN) if (peers && !names.includes(name)) names.push(name);
  if (!(globalThis as { gc?: unknown }).gc) console.warn("bench: run with --expose-gc for heap figures (npm run bench does)");
  const rows: Row[] = [];
  const timings: Record<string, number> = {};
  const started = performance.now();
  for (const name of names) {
    console.error(`bench: ${name}…`);
    const t0 = performance.now();
    try {
      rows.push(...(await runIsolated(name)));
    } catch (error) {
      console.error(`bench: ${name} failed:`, (error as Error).message);
      rows.push({ bench: name, metric: "FAILED", value: Number.NaN, unit: "", note: (error as Error).message.split("\n")[0]!.slice(0, 200) });
    }
    timings[name] = (performance.now() - t0) / 1000;
    console.error(`bench: ${name} took ${timings[name]!.toFixed(0)} s`);
  }
  const host = machine();
  console.log(`machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}`);
  console.log("value and baseline: median (min–max) of `runs` runs, interleaved in this run; one figure where runs is empty");
  console.table(
    rows.map((r) => ({
      bench: r.bench,
      metric: r.metric,
      value: `${spread(r.value, r.min, r.max)} ${r.unit}`,
      baseline: r.baseline === undefined ? "" : `${spread(r.baseline, r.baselineMin, r.baselineMax)} ${r.unit}`,
      ratio: spread(r.ratio, r.ratioMin, r.ratioMax),
      runs: r.runs ?? "",
      note: r.note ?? "",
    })),
  );
  console.error(`bench: ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const result = { date: new Date().toISOString(), machine: host, seconds: timings, rows };
  writeFileSync(new URL("./results/latest.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(new URL("./results/latest.md", import.meta.url), markdown(result.date, host, rows));
  process.exit(0);
}

/** The child side: run one benchmark, send its rows to the parent, exit. */
async function child(name: string) {
  process.on("uncaughtException", (error) => {
    process.send!({ error: `uncaught in ${name}: ${String(error?.stack ?? error)}` } satisfies ChildReply, () => process.exit(1));
  });
  try {
    const rows = await BENCHES[name]!();
    process.send!({ rows } satisfies ChildReply, () => process.exit(0));
  } catch (error) {
    process.send!({ error: String((error as Error)?.stack ?? error) } satisfies ChildReply, () => process.exit(1));
  }
}

const childAt = process.argv.indexOf("--child");
if (childAt !== -1 && process.send) void child(process.argv[childAt + 1]!);
else
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
