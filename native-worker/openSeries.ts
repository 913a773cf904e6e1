/**
 * From a folder (or file) to one loaded series: scan, choose the series, load it. Used in-process
 * by the command line, the worker process and the benchmarks.
 */
import { scanFolder, type FolderScan, type SeriesSummary } from './dicom/folderScan.js';
import { DicomLoadError, type LoadIssue } from './dicom/loadIssues.js';
import { loadSeries, type LoadedSeries } from './dicom/seriesLoader.js';
import { CandidateFinder, sliceAdjacency, type CalciumCandidates } from './scoring/calciumCandidates.js';
import type { ThresholdChoice } from './scoring/thresholds.js';

export class SeriesChoiceError extends Error {
  constructor(
    message: string,
    readonly series: SeriesSummary[],
  ) {
    super(message);
    this.name = 'SeriesChoiceError';
  }
}

export interface OpenSeriesOptions {
  seriesInstanceUid?: string;
  /** Find plaques and lesions while loading (the search overlaps with file reads). */
  candidateSearch?: CandidateSearchChoice;
  signal?: AbortSignal;
  onProgress?: (progress: { phase: 'scan' | 'load'; done: number; total: number }) => void;
}

export interface CandidateSearchChoice {
  /** The density bounds, chosen once the series' kVp is known. */
  threshold: (kvp: number | undefined) => ThresholdChoice;
  minAreaMm2: number;
}

export interface OpenedSeries {
  scan: FolderScan;
  series: LoadedSeries;
  /** Present when a candidate search was asked for. */
  candidates?: CalciumCandidates;
  threshold?: ThresholdChoice;
  /** Scan notes about ignored files, then the series' own acquisition issues. */
  issues: LoadIssue[];
}

export function describeSeries(series: SeriesSummary): string {
  const parts = [series.seriesInstanceUid, `${series.slices.length} images`];
  if (series.seriesNumber !== undefined) parts.push(`series ${series.seriesNumber}`);
  if (series.seriesDescription) parts.push(`"${series.seriesDescription}"`);
  return parts.join('  ');
}

export async function openSeries(path: string, options: OpenSeriesOptions = {}): Promise<OpenedSeries> {
  const scan = await scanFolder(path, {
    signal: options.signal,
    onProgress: (done, total) => options.onProgress?.({ phase: 'scan', done, total }),
  });
  const damaged = scan.issues.filter((issue) => issue.severity === 'error');
  if (damaged.length > 0) {
    const more = damaged.length > 1 ? ` (and ${damaged.length - 1} more damaged files)` : '';
    throw new DicomLoadError(damaged[0].code, `${damaged[0].message}${more}`, damaged[0].file);
  }
  const chosen = chooseSeries(scan, options.seriesInstanceUid, path);
  let finder: CandidateFinder | undefined;
  let threshold: ThresholdChoice | undefined;
  const search = options.candidateSearch;
  const series = await loadSeries(chosen.slices, {
    signal: options.signal,
    onProgress: (done, total) => options.onProgress?.({ phase: 'load', done, total }),
    prepareSliceConsumer: search
      ? (geometry, slices) => {
          threshold = search.threshold(slices[0].kvp);
          finder = new CandidateFinder({
            columns: geometry.columns,
            rows: geometry.rows,
            slices: geometry.slices,
            pixelSpacingMm: geometry.pixelSpacingMm,
            bounds: threshold.bounds,
            minAreaMm2: search.minAreaMm2,
            adjacentToPrevious: sliceAdjacency(geometry),
          });
          return (hu, k) => finder!.addSlice(hu, k);
        }
      : undefined,
  });
  const others = scan.series.length > 1 && options.seriesInstanceUid
    ? [{ code: 'mixed-series' as const, severity: 'note' as const, message: `the folder holds ${scan.series.length} series; only ${chosen.seriesInstanceUid} was scored` }]
    : [];
  return { scan, series, issues: [...scan.issues, ...others, ...series.issues], candidates: finder?.finish(), threshold };
}

function chooseSeries(scan: FolderScan, seriesInstanceUid: string | undefined, path: string): SeriesSummary {
  if (scan.series.length === 0) {
    throw new DicomLoadError('not-an-image', `no CT images found in ${path} (${scan.filesSeen} files looked at)`);
  }
  if (seriesInstanceUid !== undefined) {
    const match = scan.series.find((series) => series.seriesInstanceUid === seriesInstanceUid);
    if (!match) throw new SeriesChoiceError(`series ${seriesInstanceUid} is not in ${path}`, scan.series);
    return match;
  }
  if (scan.series.length > 1) {
    throw new SeriesChoiceError(`${path} holds ${scan.series.length} CT series (mixed series): choose one with --series`, scan.series);
  }
  return scan.series[0];
}
