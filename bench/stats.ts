/**
 * Repeated timing, order statistics and the printed lines every benchmark shares. The machine is
 * noisy: every figure is a median over repeated runs after a warm-up, and every budget is checked
 * against a baseline measured in the same process run.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile (p in 0..100): an observed value, never an interpolation. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

// `npm run bench` cannot pass --expose-gc through tsx; enabling the flag at run time and fetching
// gc from a fresh context gives the same function. Used before memory baselines only: a forced
// collection before each timed run made the next runs 2-3x slower on 2 cores (V8's background
// sweeping competes with the run), so timings rely on warm-up runs instead.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function collectGarbage(): void {
  gc();
}

export interface RepeatOptions {
  warmupRuns: number;
  runs: number;
}

/**
 * Time several operations interleaved (a, b, a, b, ...) so that a slow phase of the machine hits
 * the subject and its baseline alike. Returns milliseconds per operation name, warm-up excluded.
 */
export async function timeInterleaved<Name extends string>(
  operations: Record<Name, () => unknown>,
  { warmupRuns, runs }: RepeatOptions,
): Promise<Record<Name, number[]>> {
  const names = Object.keys(operations) as Name[];
  const timings = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Name, number[]>;
  for (let run = 0; run < warmupRuns + runs; run++) {
    for (const name of names) {
      const start = performance.now();
      await operations[name]();
      const elapsed = performance.now() - start;
      if (run >= warmupRuns) timings[name].push(elapsed);
    }
  }
  return timings;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** One budget check: what was measured, the limit, and whether it held. */
export interface BudgetCheck {
  benchmark: string;
  /** What the budget limits, e.g. "load+score / read". */
  metric: string;
  measured: number;
  limit: number;
  format: (value: number) => string;
  pass: boolean;
}

export function budget(benchmark: string, metric: string, measured: number, limit: number, format: (value: number) => string): BudgetCheck {
  return { benchmark, metric, measured, limit, format, pass: measured < limit };
}

export function describeCheck(check: BudgetCheck): string {
  const verdict = check.pass ? 'PASS' : 'FAIL';
  const over = check.pass ? '' : ` (over by ${check.format(check.measured - check.limit)}, ${formatRatio(check.measured / check.limit)} the budget)`;
  return `${verdict}  ${check.metric}: ${check.format(check.measured)} (budget < ${check.format(check.limit)})${over}`;
}

/** "median 12.3 ms, p95 15.0 ms, min 11.9 ms (n = 9)" */
export function describeTimings(timings: readonly number[]): string {
  return `median ${formatMs(median(timings))}, p95 ${formatMs(percentile(timings, 95))}, min ${formatMs(Math.min(...timings))} (n = ${timings.length})`;
}

export function heading(title: string): void {
  console.log(`\n== ${title}`);
}

export function line(label: string, value: string): void {
  console.log(`   ${label.padEnd(34)} ${value}`);
}
