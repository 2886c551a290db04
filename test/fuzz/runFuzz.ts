/**
 * Runs the stanza fuzzer: `runs` cases of {@link fuzzCase} against a {@link FuzzGateway}, from
 * `seed`, with fast-check's shrinking on a failure. Shared by the suite (`stanzaHandlers.test.ts`,
 * a fixed seed) and `npm run fuzz` (`fuzzMain.ts`, which prints the tally with `--tally`).
 */
import fc from "fast-check";
import { fuzzCase } from "./fuzzCase.js";
import { FuzzGateway } from "./fuzzGateway.js";

/** What a run found. */
export interface FuzzReport {
  /** Cases run, shrinking included. */
  cases: number;
  ms: number;
  seed: number;
  failed: boolean;
  /** The smallest failing case fast-check found, as the XML it sends, and what it broke. */
  counterexample?: string;
  violations?: string;
  /** fast-check's path to replay the counterexample (with the same seed). */
  path?: string;
}

/** Runs the fuzzer; `onProgress` hears the number of cases run, every 1,000. */
export async function runFuzz(options: {
  runs: number;
  seed: number;
  /** fast-check's path of a counterexample: replays that case (and its shrinking) only. */
  path?: string;
  onProgress?: (cases: number, ms: number) => void;
  /** Hears the gateway's tally of stanzas in and out at the end. */
  tally?: (tally: ReadonlyMap<string, number>) => void;
}): Promise<FuzzReport> {
  const gateway = new FuzzGateway();
  const start = performance.now();
  let cases = 0;
  const property = fc.asyncProperty(fuzzCase, async (c) => {
    const found = await gateway.run(c);
    if (++cases % 1000 === 0) options.onProgress?.(cases, performance.now() - start);
    if (found.length) throw new Error(found.join("\n"));
  });
  const details = await fc.check(property, { numRuns: options.runs, seed: options.seed, ...(options.path !== undefined && { path: options.path }) });
  options.tally?.(gateway.tally);
  const report: FuzzReport = { cases, ms: performance.now() - start, seed: details.seed, failed: details.failed };
  if (details.failed) {
    report.counterexample = details.counterexample ? fc.stringify(details.counterexample[0]) : "(none)";
    report.violations = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    report.path = details.counterexamplePath ?? undefined;
  }
  return report;
}

/** The report as text: count, time and seed, then the counterexample of a failure. */
export function formatReport(r: FuzzReport): string {
  const head = `${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s (seed ${r.seed}): ${r.failed ? "FAILED" : "0 failures"}`;
  if (!r.failed) return head;
  return [head, `counterexample (replay: --seed ${r.seed} --path ${r.path}):`, r.counterexample, "what it broke:", r.violations].join("\n");
}
