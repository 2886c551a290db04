/**
 * Small statistics helpers for benchmarks.
 */

/** The q-quantile (0..1) of numbers, by nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The median. */
export const median = (values: number[]) => quantile(values, 0.5);

/** A result row: one figure of one benchmark. */
export interface Row {
  bench: string;
  metric: string;
  /** The median of the runs (or the one measurement). */
  value: number;
  unit: string;
  /** How many runs `value` is the median of (absent: one measurement, e.g. an average over many rooms). */
  runs?: number;
  /** Smallest and largest run. */
  min?: number;
  max?: number;
  baseline?: number;
  baselineMin?: number;
  baselineMax?: number;
  /** value / baseline, when there is a baseline (medians of runs interleaved in the same run), or the median of paired ratios. */
  ratio?: number;
  /** Smallest and largest ratio, when the runs were paired with the baseline's (one ratio per round). */
  ratioMin?: number;
  ratioMax?: number;
  note?: string;
}

/**
 * A result row with its ratio to the baseline. Pass the runs as an array: the row keeps their
 * median, min, max and count; a number is one measurement.
 */
export function row(bench: string, metric: string, value: number | number[], unit: string, baseline?: number | number[], note?: string): Row {
  const r: Row = { bench, metric, value: Array.isArray(value) ? median(value) : value, unit };
  if (Array.isArray(value)) Object.assign(r, { runs: value.length, min: Math.min(...value), max: Math.max(...value) });
  if (baseline !== undefined) {
    r.baseline = Array.isArray(baseline) ? median(baseline) : baseline;
    if (Array.isArray(baseline)) Object.assign(r, { baselineMin: Math.min(...baseline), baselineMax: Math.max(...baseline) });
    r.ratio = r.value / r.baseline;
  }
  if (note) r.note = note;
  return r;
}
