/**
 * `npm run bench [-- --only NAME]`: runs the benchmarks, prints a table, and writes
 * bench/results/latest.json. Each benchmark measures its baseline in the same run; the figures
 * are printed, never asserted.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { joinBench } from "./join.js";
import { mailboxBench } from "./mailbox.js";
import { storeBench } from "./store.js";
import type { Row } from "./stats.js";

const BENCHES: Record<string, () => Promise<Row[]>> = { mailbox: mailboxBench, join: joinBench, store: storeBench };

async function main() {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf("--only");
  const only = onlyAt === -1 ? undefined : args[onlyAt + 1]?.split(",");
  if (only?.some((n) => !(n in BENCHES))) throw new Error(`--only takes ${Object.keys(BENCHES).join(", ")}`);
  if (!(globalThis as { gc?: unknown }).gc) console.warn("bench: run with --expose-gc for heap figures (npm run bench does)");
  const rows: Row[] = [];
  for (const [name, bench] of Object.entries(BENCHES)) {
    if (only && !only.includes(name)) continue;
    console.error(`bench: ${name}…`);
    rows.push(...(await bench()));
  }
  const fmt = (v: number | undefined) => (v === undefined ? "" : v >= 100 ? v.toFixed(0) : v.toFixed(2));
  console.table(rows.map((r) => ({ bench: r.bench, metric: r.metric, value: `${fmt(r.value)} ${r.unit}`, baseline: r.baseline === undefined ? "" : `${fmt(r.baseline)} ${r.unit}`, ratio: fmt(r.ratio), note: r.note ?? "" })));
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const result = { date: new Date().toISOString(), node: process.version, rows };
  writeFileSync(new URL("./results/latest.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
