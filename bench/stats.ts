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
  value: number;
  unit: string;
  baseline?: number;
  /** value / baseline, when there is a baseline. */
  ratio?: number;
  note?: string;
}

/** A row with its ratio to the baseline. */
export function row(bench: string, metric: string, value: number, unit: string, baseline?: number, note?: string): Row {
  const r: Row = { bench, metric, value, unit };
  if (baseline !== undefined) {
    r.baseline = baseline;
    r.ratio = value / baseline;
  }
  if (note) r.note = note;
  return r;
}
