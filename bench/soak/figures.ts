/**
 * The soak's settings (from `--flags`) and its verdict: RSS drift after warm-up, and the
 * ledger's counts.
 */
import { parseFlags } from "../../src/cli/args.js";
import type { LedgerReport } from "./ledger.js";

/** What one soak run does. */
export interface SoakSettings {
  minutes: number;
  rooms: number;
  users: number;
  /** Client resources per user. */
  resources: number;
  /** Rooms each resource keeps joined. */
  joined: number;
  /** Messages per second, in all (legacy and client). */
  rate: number;
  /** Share of the messages that come from legacy participants. */
  legacyShare: number;
  /** Leave-then-join moves per second. */
  churn: number;
  participants: number;
  /** Messages archived per room before the gateway starts ({@link prefillStore}): the store of a gateway that has been running. */
  prefill: number;
  /** Minutes of warm-up: RSS drift is measured from the sample that ends it. */
  warmup: number;
  /** The gateway's `idleMs` and `maxRooms`: rooms passivate during the run. */
  idleMs: number;
  maxRooms: number;
  /** Seconds between samples. */
  sampleS: number;
  /** Largest RSS drift after warm-up that passes, as a fraction. */
  maxDrift: number;
}

const NAMES = ["minutes", "rooms", "users", "resources", "joined", "rate", "legacy-share", "churn", "participants", "prefill", "warmup", "idle-ms", "max-rooms", "sample-s"];

/** Reads `--minutes 10 --rooms 1000 …`; every flag has a default scaled from `--minutes` and `--rooms`. */
export function soakSettings(argv: string[]): SoakSettings {
  const flags = parseFlags(argv);
  for (const name of flags.keys()) if (!NAMES.includes(name)) throw new Error(`soak: unknown flag --${name} (known: ${NAMES.join(", ")})`);
  const num = (name: string, fallback: number, zero = false) => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !zero)) throw new Error(`soak: --${name} must be a ${zero ? "non-negative" : "positive"} number, got ${String(raw)}`);
    return n;
  };
  const minutes = num("minutes", 10);
  const rooms = Math.round(num("rooms", 1000));
  const users = Math.round(num("users", Math.max(1, Math.round(rooms / 20))));
  if (rooms % users !== 0) throw new Error(`soak: --rooms (${rooms}) must be a multiple of --users (${users})`);
  return {
    minutes,
    rooms,
    users,
    resources: Math.round(num("resources", 2)),
    joined: Math.round(num("joined", Math.max(1, Math.round((rooms / users) * 0.3)))),
    rate: num("rate", Math.max(2, rooms / 20)),
    legacyShare: Math.min(1, num("legacy-share", 0.6)),
    churn: num("churn", Math.max(0.5, rooms / 200)),
    participants: Math.round(num("participants", 5)),
    prefill: Math.round(num("prefill", 100, true)),
    warmup: num("warmup", Math.min(2, minutes / 5)),
    idleMs: Math.round(num("idle-ms", 20_000)),
    maxRooms: Math.round(num("max-rooms", Math.max(1, Math.round(rooms * 0.8)))),
    sampleS: num("sample-s", Math.min(60, (minutes * 60) / 5)),
    maxDrift: 0.1,
  };
}

/** One sample of the gateway process. */
export interface Sample {
  /** Minutes since traffic started. */
  minute: number;
  rssMiB: number;
  heapMiB: number;
}

/** RSS and heap after warm-up, against the first sample at or after it. */
export interface Drift {
  baseline: Sample;
  last: Sample;
  /** (last − baseline) / baseline, RSS. */
  rssEnd: number;
  /** The highest (sample − baseline) / baseline, RSS, over the samples after warm-up: the growth the verdict bounds. */
  rssMax: number;
  /** The lowest (sample − baseline) / baseline, RSS (memory given back is reported, not failed). */
  rssMin: number;
  /** (last − baseline) / baseline, heap after a full GC. */
  heapEnd: number;
}

/** RSS drift after `warmup` minutes; undefined when no sample falls after it. */
export function rssDrift(samples: Sample[], warmup: number): Drift | undefined {
  const after = samples.filter((s) => s.minute >= warmup - 1e-9);
  const baseline = after[0];
  const last = after.at(-1);
  if (!baseline || !last) return undefined;
  const rel = (v: number, base: number) => (v - base) / base;
  return {
    baseline,
    last,
    rssEnd: rel(last.rssMiB, baseline.rssMiB),
    rssMax: Math.max(...after.map((s) => rel(s.rssMiB, baseline.rssMiB))),
    rssMin: Math.min(...after.map((s) => rel(s.rssMiB, baseline.rssMiB))),
    heapEnd: rel(last.heapMiB, baseline.heapMiB),
  };
}

/**
 * What the soak checks: nothing lost, duplicated or stray, and no RSS sample after warm-up more
 * than `maxDrift` above the one that ended it (a leak grows; RSS falling back is reported).
 */
export function verdict(report: LedgerReport, drift: Drift | undefined, maxDrift: number): { ok: boolean; failures: string[] } {
  const failures: string[] = [];
  if (report.lost > 0) failures.push(`${report.lost} lost`);
  if (report.duplicated > 0) failures.push(`${report.duplicated} duplicated`);
  if (report.stray > 0) failures.push(`${report.stray} stray`);
  if (!drift) failures.push("no sample after warm-up");
  else if (drift.rssMax > maxDrift) failures.push(`RSS grew ${(drift.rssMax * 100).toFixed(1)} % after warm-up (limit ${maxDrift * 100} %)`);
  return { ok: failures.length === 0, failures };
}
