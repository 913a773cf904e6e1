/**
 * `npm run bench` [-- load candidates click memory import receive ui report doselog audit backup]: the performance budgets, each measured
 * against a baseline taken in the same run (DESIGN.md: budgets are ratios, not timed unit tests).
 * Exits 1 when a budget fails, 2 when a benchmark could not run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSeries } from '../native-worker/openSeries.js';
import { benchCandidates320 } from './candidates320.js';
import { benchClickLatency } from './clickLatency.js';
import { benchLoadPhantom } from './loadPhantom.js';
import { benchFolderImport } from './folderImport.js';
import { benchReceiveThroughput } from './receiveThroughput.js';
import { benchPeakMemory } from './peakMemory.js';
import { benchUiLatency } from './uiLatency.js';
import { benchReportOutputs } from './reportOutputs.js';
import { benchDoseLog } from './doseLog.js';
import { benchAuditVerify } from './auditVerify.js';
import { benchBackup } from './backup.js';
import { qrmInserts, qrmPhantomDir, requirePhantom } from './qrmPhantom.js';
import { describeCheck, formatMs, heading, line, type BudgetCheck } from './stats.js';
import { TILED_SLICES, tiledClicks, tiledGeometry, tiledVolume, writeTiledSeries } from './tiledPhantom.js';

const BENCHMARKS = ['load', 'candidates', 'click', 'memory', 'import', 'receive', 'ui', 'report', 'doselog', 'audit', 'backup'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

function chosenBenchmarks(args: string[]): Set<Benchmark> {
  const unknown = args.filter((arg) => !(BENCHMARKS as readonly string[]).includes(arg));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}: choose from ${BENCHMARKS.join(', ')}`);
  return new Set(args.length ? (args as Benchmark[]) : BENCHMARKS);
}

async function main(): Promise<number> {
  const chosen = chosenBenchmarks(process.argv.slice(2));
  requirePhantom();
  const startedAt = performance.now();
  console.log(`cac-workstation benchmarks: node ${process.version}, ${cpus().length} cores, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);

  const checks: BudgetCheck[] = [];
  if (chosen.has('load')) checks.push(...(await benchLoadPhantom()));

  // The phantom's own HU volume is the baseline of 2 and the source of the 320-slice series.
  const phantom = (await openSeries(qrmPhantomDir)).series;
  if (chosen.has('candidates')) {
    const tiled = tiledVolume(phantom.hu, phantom.geometry);
    checks.push(...(await benchCandidates320(phantom, tiled)));
  }

  if (chosen.has('click') || chosen.has('memory')) {
    const seriesDir = await mkdtemp(join(tmpdir(), 'cac-bench-tiled-'));
    // The 320 files (168 MB) must not outlive the run, even when it is interrupted.
    const removeOnSignal = (signal: NodeJS.Signals) => {
      void rm(seriesDir, { recursive: true, force: true }).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', removeOnSignal);
    process.once('SIGTERM', removeOnSignal);
    try {
      heading(`writing the ${TILED_SLICES}-slice tiled series (0.5 mm) to ${seriesDir}`);
      const writeStart = performance.now();
      const written = await writeTiledSeries(seriesDir, phantom.slices, phantom.geometry);
      line('written', `${written.files.length} files in ${formatMs(performance.now() - writeStart)}`);
      if (chosen.has('click')) {
        const clicks = tiledClicks(qrmInserts, phantom.geometry, tiledGeometry(phantom.geometry));
        checks.push(...(await benchClickLatency(seriesDir, TILED_SLICES, clicks)));
      }
      if (chosen.has('memory')) checks.push(...(await benchPeakMemory(seriesDir)));
    } finally {
      await rm(seriesDir, { recursive: true, force: true });
      process.off('SIGINT', removeOnSignal);
      process.off('SIGTERM', removeOnSignal);
    }
  }

  if (chosen.has('import')) checks.push(...(await benchFolderImport()));
  if (chosen.has('receive')) checks.push(...(await benchReceiveThroughput()));
  if (chosen.has('ui')) checks.push(...(await benchUiLatency()));
  if (chosen.has('report')) checks.push(...(await benchReportOutputs()));
  if (chosen.has('doselog')) checks.push(...(await benchDoseLog()));
  if (chosen.has('audit')) checks.push(...(await benchAuditVerify()));
  if (chosen.has('backup')) checks.push(...(await benchBackup()));

  heading(`summary (${((performance.now() - startedAt) / 1000).toFixed(0)} s)`);
  for (const check of checks) console.log(`   [${check.benchmark}] ${describeCheck(check)}`);
  const failed = checks.filter((check) => !check.pass);
  console.log(failed.length ? `\n${failed.length} of ${checks.length} budgets FAILED` : `\nall ${checks.length} budgets hold`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (reason: unknown) => {
    console.error(`benchmark could not run: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
    process.exit(2);
  },
);
