/**
 * `npm run fuzz [-- --runs N --seed S --path P --tally]`: runs the stanza fuzzer (100,000 cases and a
 * random seed unless told) and prints the count, the time and the seed, and the counterexample of a
 * failure (`--seed S --path P` replay it). Exits with 1 on a failure.
 */
import { parseArgs } from "node:util";
import { formatReport, runFuzz } from "./runFuzz.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "100000" }, seed: { type: "string" }, path: { type: "string" }, tally: { type: "boolean", default: false } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1) throw new TypeError(`--runs must be a positive integer, not ${values.runs}`);
if (!Number.isInteger(seed)) throw new TypeError(`--seed must be an integer, not ${values.seed}`);

console.log(`fuzzing the stanza handlers: ${runs} cases, seed ${seed}`);
const report = await runFuzz({ runs, seed, path: values.path, tally: values.tally ? printTally : undefined, onProgress: (n, ms) => console.log(`  ${n} cases, ${(ms / 1000).toFixed(0)} s`) });
console.log(formatReport(report));
process.exit(report.failed ? 1 : 0);

/** `--tally`: what the cases sent and what came back, most frequent first. */
function printTally(tally: ReadonlyMap<string, number>): void {
  for (const [key, n] of [...tally].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(8)}  ${key}`);
}
