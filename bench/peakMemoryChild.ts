/**
 * Child-process entry of the peak-memory benchmark: a fresh process whose only work is loading one
 * series and building its ScoringSession, so its peak RSS belongs to that work alone.
 * Usage: node --import tsx bench/peakMemoryChild.ts <series folder>; prints one JSON report line.
 */
import { readFileSync } from 'node:fs';
import { openScoringSession } from '../native-worker/openScoringSession.js';
import { collectGarbage } from './stats.js';

export interface PeakMemoryReport {
  /** RSS just before loading, after the modules are loaded and garbage collected. */
  rssBeforeBytes: number;
  /** Peak RSS of the process so far, before loading (startup, the tsx compile). */
  maxRssBeforeKb: number;
  /** Peak RSS after the load and the session: process.resourceUsage().maxRSS, KB. */
  maxRssAfterKb: number;
  huBytes: number;
  slices: number;
  plaqueCount: number;
  loadMs: number;
  /** Linux VmHWM (peak RSS of this process image, KB): a cross-check of maxRSS. */
  vmHwmKb?: number;
}

function vmHighWaterMarkKb(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

const seriesDir = process.argv[2];
if (!seriesDir) throw new Error('usage: peakMemoryChild.ts <series folder>');

collectGarbage();
const rssBeforeBytes = process.memoryUsage().rss;
const maxRssBeforeKb = process.resourceUsage().maxRSS;
const start = performance.now();
const { opened, session } = await openScoringSession(seriesDir, {});
session.scores();
const loadMs = performance.now() - start;
const report: PeakMemoryReport = {
  rssBeforeBytes,
  maxRssBeforeKb,
  maxRssAfterKb: process.resourceUsage().maxRSS,
  huBytes: opened.series.hu.byteLength,
  slices: opened.series.geometry.slices,
  plaqueCount: session.candidates.plaqueCount,
  loadMs,
  vmHwmKb: vmHighWaterMarkKb(),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
