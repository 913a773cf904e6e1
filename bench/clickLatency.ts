/**
 * Budget 3: an assignment click on the 320-slice series is answered by the real worker process in
 * under 20 ms (a frame): client request -> worker -> outcome with the updated scores. Baseline:
 * the round trip of a trivial 'score' request to the same worker, interleaved with the clicks, so
 * the ratio shows what the click itself adds over the message transport and score sheet.
 */
import { ScoringWorkerClient } from '../main/worker/scoringWorkerClient.js';
import { ARTERIES } from '../native-worker/scoring/arteries.js';
import { qrmMassFactor } from '../test/support/sharedData.js';
import { budget, describeCheck, describeTimings, formatMs, formatRatio, heading, line, median, percentile, type BudgetCheck } from './stats.js';
import type { TiledClick } from './tiledPhantom.js';

export const CLICK_BUDGET_MS = 20;
const CLICKS = 50;
const WARMUP_CLICKS = 10;

async function timed<T>(request: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await request();
  return { ms: performance.now() - start, result };
}

export async function benchClickLatency(seriesDir: string, slices: number, clicks: TiledClick[]): Promise<BudgetCheck[]> {
  heading(`3. assignment click round trip in the worker process, ${slices}-slice series`);
  if (clicks.length === 0) throw new Error('no insert lies on the tiled series: nothing to click');
  const client = new ScoringWorkerClient({ mode: 'process' });
  try {
    const started = await timed(() => client.start());
    const loaded = await timed(() => client.request('load', { path: seriesDir, options: { massFactor: qrmMassFactor } }));
    const { sessionId, lesions } = loaded.result;
    line('worker start (tsx)', formatMs(started.ms));
    line('worker load (not budgeted)', `${formatMs(loaded.ms)}; ${lesions.plaqueCount} plaques, ${lesions.lesionCount} lesions`);

    // Clicks visit every insert on every slice that shows it (13 is coprime with the 42 clicks),
    // cycling through the arteries; every second click is taken back with undo.
    const scoreMs: number[] = [];
    const assignMs: number[] = [];
    const undoMs: number[] = [];
    let missed = 0;
    for (let n = 0; n < WARMUP_CLICKS + CLICKS; n++) {
      const measured = n >= WARMUP_CLICKS;
      const click = clicks[(n * 13) % clicks.length];
      const score = await timed(() => client.request('score', { sessionId }));
      const assign = await timed(() =>
        client.request('assign', { sessionId, assignment: { artery: ARTERIES[n % ARTERIES.length], point: click.point, scope: 'lesion' } }),
      );
      if (!assign.result.outcome.applied) missed++;
      if (measured) {
        scoreMs.push(score.ms);
        assignMs.push(assign.ms);
      }
      if (n % 2 === 1) {
        const undo = await timed(() => client.request('undo', { sessionId }));
        if (measured) undoMs.push(undo.ms);
      }
    }
    if (missed > 0) throw new Error(`${missed} clicks found no calcium: the click points do not match the tiled series`);

    const ratio = median(assignMs) / median(scoreMs);
    line("baseline: 'score' round trip", describeTimings(scoreMs));
    line("'assign' round trip", describeTimings(assignMs));
    line("'undo' round trip (not budgeted)", describeTimings(undoMs));
    line('ratio assign / score (median)', formatRatio(ratio));
    line('assign p95 vs budget', `${formatMs(percentile(assignMs, 95))} (${percentile(assignMs, 95) < CLICK_BUDGET_MS ? 'within' : 'over'} ${formatMs(CLICK_BUDGET_MS)})`);
    const check = budget(`3 click ${slices} slices`, "'assign' round trip (median)", median(assignMs), CLICK_BUDGET_MS, formatMs);
    console.log(`   ${describeCheck(check)}`);
    return [check];
  } finally {
    await client.close();
  }
}
