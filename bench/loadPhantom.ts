/**
 * Budget 1: loading + scoring the shared 47-slice phantom from the page cache costs less than 3x
 * just reading its bytes. Load + score = openScoringSession (load, with the plaque search running
 * as slices arrive) + scores(), as the worker does on 'load'. Baseline: fs.readFile of every file in the folder, one after the other (the
 * loader, too, reads each slice in turn), in the same process and interleaved with the subject.
 */
import { readFile } from 'node:fs/promises';
import { openScoringSession } from '../native-worker/openScoringSession.js';
import { phantomFiles, qrmPhantomDir } from './qrmPhantom.js';
import { budget, describeCheck, describeTimings, formatMiB, formatMs, formatRatio, heading, line, median, timeInterleaved, type BudgetCheck } from './stats.js';

export const LOAD_SCORE_BUDGET_RATIO = 3;

export async function benchLoadPhantom(): Promise<BudgetCheck[]> {
  heading(`1. load + score the 47-slice phantom vs reading its bytes (${qrmPhantomDir})`);
  const files = await phantomFiles();
  let bytesRead = 0;
  const readBytes = async (): Promise<void> => {
    bytesRead = 0;
    for (const file of files) bytesRead += (await readFile(file)).byteLength;
  };
  await readBytes(); // warm the page cache: both sides then read from memory

  // Phase times of each subject run, to say where the time goes when the budget fails.
  const phases = { openScoringSession: [] as number[], scores: [] as number[] };
  let summary = '';
  const loadAndScore = async (): Promise<void> => {
    const start = performance.now();
    const { opened, session } = await openScoringSession(qrmPhantomDir, {});
    const found = performance.now();
    const sheet = session.scores();
    const scored = performance.now();
    phases.openScoringSession.push(found - start);
    phases.scores.push(scored - found);
    summary = `${opened.series.geometry.slices} slices, ${session.candidates.plaqueCount} plaques, ${session.candidates.lesionCount} lesions, total Agatston (unassigned) ${sheet.total.agatston.toFixed(1)}`;
  };

  const warmupRuns = 3;
  const runs = 11;
  const timings = await timeInterleaved({ read: readBytes, loadAndScore }, { warmupRuns, runs });
  for (const list of Object.values(phases)) list.splice(0, warmupRuns);

  const readMs = median(timings.read);
  const loadScoreMs = median(timings.loadAndScore);
  const ratio = loadScoreMs / readMs;
  line('phantom', `${files.length} files, ${formatMiB(bytesRead)}; ${summary}`);
  line('baseline: readFile every file', describeTimings(timings.read));
  line('load + score', describeTimings(timings.loadAndScore));
  line('  of which openScoringSession', formatMs(median(phases.openScoringSession)));
  line('  of which scores()', formatMs(median(phases.scores)));
  line('ratio load+score / read', formatRatio(ratio));
  const check = budget('1 load+score phantom', 'load+score / read', ratio, LOAD_SCORE_BUDGET_RATIO, formatRatio);
  console.log(`   ${describeCheck(check)}`);
  return [check];
}
