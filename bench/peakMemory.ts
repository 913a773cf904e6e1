/**
 * Budget 4: loading the 320-slice series and building its ScoringSession peaks under 3x the HU
 * volume's bytes. Each measurement is a fresh child process (peakMemoryChild.ts): peak RSS
 * (resourceUsage().maxRSS) minus the same child's RSS just before loading (the baseline: Node,
 * tsx and the modules), divided by the HU volume's byteLength.
 *
 * Linux keeps ru_maxrss across fork + exec: a child forked straight from this process starts with
 * this process's RSS (hundreds of MB of volumes) as its "peak". So on POSIX the child is started
 * by a small shell that forks it, and its startup peak is printed to show the floor is low.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PeakMemoryReport } from './peakMemoryChild.js';
import { budget, describeCheck, formatMiB, formatMs, formatRatio, heading, line, median, type BudgetCheck } from './stats.js';

export const PEAK_MEMORY_BUDGET_RATIO = 3;
const CHILD_RUNS = 3;
const CHILD_ENTRY = fileURLToPath(new URL('./peakMemoryChild.ts', import.meta.url));

function measureInChild(seriesDir: string): Promise<PeakMemoryReport> {
  const node = [process.execPath, '--import', 'tsx', CHILD_ENTRY, seriesDir];
  // "; exit" keeps the shell from exec-ing node in its own place (which would keep the inheritance).
  const [command, args] =
    process.platform === 'win32' ? [node[0], node.slice(1)] : ['/bin/sh', ['-c', '"$@"; exit $?', 'sh', ...node]];
  return new Promise((resolve, reject) => {
    let stdout = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as PeakMemoryReport);
      else reject(new Error(`the peak-memory child stopped (${signal ?? `exit code ${code}`}) without a report: ${stdout.slice(-500)}`));
    });
  });
}

export async function benchPeakMemory(seriesDir: string): Promise<BudgetCheck[]> {
  heading('4. peak memory of openSeries + ScoringSession, fresh child process, 320-slice series');
  const reports: PeakMemoryReport[] = [];
  for (let run = 0; run < CHILD_RUNS; run++) reports.push(await measureInChild(seriesDir));

  if (reports.some((r) => r.maxRssAfterKb <= r.maxRssBeforeKb)) {
    throw new Error('the child started with a peak RSS above its load peak (inherited maxRSS): the measurement would be meaningless');
  }
  const growthBytes = reports.map((r) => r.maxRssAfterKb * 1024 - r.rssBeforeBytes);
  const ratios = reports.map((r, n) => growthBytes[n] / r.huBytes);
  const first = reports[0];
  line('series', `${first.slices} slices, HU volume ${formatMiB(first.huBytes)}, ${first.plaqueCount} plaques`);
  line('baseline: child RSS before loading', `median ${formatMiB(median(reports.map((r) => r.rssBeforeBytes)))} (its startup peak ${formatMiB(median(reports.map((r) => r.maxRssBeforeKb * 1024)))})`);
  line('peak RSS (maxRSS) after load+session', `median ${formatMiB(median(reports.map((r) => r.maxRssAfterKb * 1024)))}`);
  if (first.vmHwmKb !== undefined) line('  cross-check: VmHWM', `median ${formatMiB(median(reports.map((r) => (r.vmHwmKb ?? 0) * 1024)))}`);
  line('peak growth', `median ${formatMiB(median(growthBytes))}; runs ${growthBytes.map(formatMiB).join(', ')}`);
  line('load + session time in child', `median ${formatMs(median(reports.map((r) => r.loadMs)))}`);
  line('ratio peak growth / HU bytes', `${formatRatio(median(ratios))} (runs ${ratios.map(formatRatio).join(', ')})`);
  const check = budget('4 peak memory 320 slices', 'peak RSS growth / HU bytes (median)', median(ratios), PEAK_MEMORY_BUDGET_RATIO, formatRatio);
  console.log(`   ${describeCheck(check)}`);
  return [check];
}
