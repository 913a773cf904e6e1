/**
 * `cac dose <file-or-folder> [--json] [--k adult-chest|cardiac]`: the radiation dose of every CT
 * study found (any depth). Per study the RDSR is used when there is one (re-sent, grown reports merged
 * by irradiation event), else the image headers' CTDIvol with an estimated DLP (CLINICAL.md 4).
 *
 * Exit codes: 0 when at least one study's dose was read, even if other files were damaged (each is
 * one "problem" line on stderr and an entry of `problems` in the JSON); 1 when no dose could be read
 * at all (nothing found, or only damaged reports); 2 for wrong usage.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { listFiles } from '../../native-worker/dicom/folderScan.js';
import { describeFileSystemFailure } from '../../native-worker/dicom/loadIssues.js';
import type { StudyDose } from '../dose/doseTypes.js';
import { DEFAULT_K_FACTOR, isKFactorChoice, K_FACTORS, studyEffectiveDoseMsv } from '../dose/effectiveDose.js';
import { readImageDose, studyDoseFromImages, type ImageDose } from '../dose/headerDose.js';
import { DoseReportError, readDoseReport } from '../dose/rdsrParser.js';
import { mergeStudyDoses } from '../dose/studyDoses.js';
import { DLP_ESTIMATE_LABEL, doseNotes } from '../dose/doseNotes.js';
import { CliError, USAGE_EXIT } from './cliError.js';
import { MediumFileRefusal, readMediumFile } from '../import/mediumFile.js';

export const DOSE_USAGE = `usage: cac dose <file-or-folder> [--json] [--k ${Object.keys(K_FACTORS).join('|')}]`;

export interface DoseProblem {
  file: string;
  message: string;
}

export interface StudyDoseReport extends StudyDose {
  effectiveDoseMsv: number | null;
  kFactor: number;
  kFactorSource: string;
  /** What must be said with the DLP: estimated from the image headers, head- and body-phantom DLP kept apart. */
  notes: string[];
}

export interface DoseScan {
  studies: StudyDoseReport[];
  problems: DoseProblem[];
}

/** Reads every file under `path` and gives one dose per study; damaged dose reports become problems. */
export async function scanDoses(path: string, kChoice: keyof typeof K_FACTORS = DEFAULT_K_FACTOR): Promise<DoseScan> {
  const files = await listFiles(path);
  const reports: StudyDose[] = [];
  const imagesByStudy = new Map<string, ImageDose[]>();
  const problems: DoseProblem[] = [];
  // One bad file is one problem naming it; every other file and study is still read.
  for (const file of files) {
    const label = relative(path, file) || file.split(/[\\/]/).pop()!;
    try {
      const bytes = await readMediumFile(file);
      const report = readDoseReport(bytes, label);
      if (report) {
        reports.push(report);
        continue;
      }
      const image = readImageDose(bytes, label);
      if (image) {
        const images = imagesByStudy.get(image.studyInstanceUid) ?? [];
        images.push(image);
        imagesByStudy.set(image.studyInstanceUid, images);
      }
    } catch (reason) {
      problems.push({ file: label, message: describeFileProblem(reason, label) });
    }
  }
  const withReport = new Set(reports.map((report) => report.studyInstanceUid));
  for (const [studyInstanceUid, images] of imagesByStudy) {
    if (withReport.has(studyInstanceUid)) continue;
    try {
      const fromHeaders = studyDoseFromImages(images);
      if (fromHeaders) reports.push(fromHeaders);
    } catch (reason) {
      problems.push({ file: `study ${studyInstanceUid}`, message: `study ${studyInstanceUid}: its dose cannot be estimated from the image headers (${(reason as Error).message})` });
    }
  }
  const { kFactor, source } = K_FACTORS[kChoice];
  // Ranges are checked when read, so the sum of a study is finite and not negative.
  const studies = mergeStudyDoses(reports)
    // k is defined for body-phantom DLP: a head-phantom part is converted first (doseNotes.ts), and the notes say so.
    .map((study) => ({ ...study, effectiveDoseMsv: studyEffectiveDoseMsv(study, kFactor), kFactor, kFactorSource: source, notes: doseNotes(study) }))
    .sort((a, b) => (a.studyDate ?? '').localeCompare(b.studyDate ?? '') || a.studyInstanceUid.localeCompare(b.studyInstanceUid));
  return { studies, problems };
}

function describeFileProblem(reason: unknown, label: string): string {
  if (reason instanceof DoseReportError || reason instanceof MediumFileRefusal) return reason.message;
  const why = describeFileSystemFailure(reason);
  if (why) return `${label}: cannot be read: ${why}`;
  return `${label}: the file is damaged and cannot be read (no dose was taken from it); copy it again from the scanner or PACS`;
}

export async function doseCommand(args: string[], out: (text: string) => void): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, k: { type: 'string' } } });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}; ${DOSE_USAGE}`, USAGE_EXIT);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new CliError(DOSE_USAGE, USAGE_EXIT);
  const kChoice = values.k ?? DEFAULT_K_FACTOR;
  if (!isKFactorChoice(kChoice)) throw new CliError(`--k must be one of ${Object.keys(K_FACTORS).join(', ')}, got "${kChoice}"`, USAGE_EXIT);

  const path = positionals[0];
  const scan = await scanDoses(path, kChoice);
  if (scan.studies.length === 0) {
    if (scan.problems.length) {
      throw new CliError(`no dose could be read from ${path}: ${scan.problems.length} damaged dose report(s)`, 1, scan.problems.map((problem) => problem.message));
    }
    throw new CliError(
      `no CT dose information in ${path}: no radiation dose report (RDSR) and no image with CTDIvol (0018,9345); enter the dose manually`,
      1,
    );
  }
  for (const problem of scan.problems) process.stderr.write(`cac dose: skipped ${problem.message}\n`);
  out(values.json ? JSON.stringify(scan) : formatDoseTable(scan));
}

const fixed = (value: number | null, digits = 2): string => (value === null ? 'n/a' : value.toFixed(digits));
const cell = (value: string | number | null, width: number): string => {
  const shown = value === null ? '-' : String(value);
  return (shown.length > width - 1 ? `${shown.slice(0, width - 2)}~` : shown).padEnd(width);
};

export function formatDoseTable(scan: DoseScan): string {
  const lines: string[] = [];
  for (const study of scan.studies) {
    const scanner = [study.scanner.manufacturer, study.scanner.model].filter(Boolean).join(' ') || 'unknown scanner';
    const source = study.source === 'rdsr' ? 'radiation dose report' : study.source === 'image-header' ? 'image headers (DLP estimated)' : 'manual entry';
    lines.push(`Study ${study.studyInstanceUid}`, `  ${study.studyDate ?? 'date unknown'}, ${scanner}, from ${source}`);
    lines.push(`  ${cell('#', 4)}${cell('protocol', 26)}${cell('acquisition', 28)}${'kVp'.padStart(5)}${'CTDIvol mGy'.padStart(13)}${'DLP mGy cm'.padStart(12)}  phantom`);
    study.events.forEach((event, index) => {
      lines.push(
        `  ${cell(index + 1, 4)}${cell(event.protocol, 26)}${cell(event.acquisitionType, 28)}${(event.kvp === null ? '-' : String(event.kvp)).padStart(5)}${fixed(event.ctdivolMgy).padStart(13)}${fixed(event.dlpMgyCm).padStart(12)}  ${event.phantom ?? '-'}`,
      );
    });
    lines.push(
      `  total DLP ${fixed(study.dlpTotalMgyCm)} mGy cm${study.source === 'image-header' ? ` (${DLP_ESTIMATE_LABEL})` : ''}, effective dose ${fixed(study.effectiveDoseMsv)} mSv (k = ${study.kFactor} mSv/(mGy cm), ${study.kFactorSource})`,
    );
    for (const note of study.notes) lines.push(`  note: ${note}`);
    for (const alert of study.alerts) {
      lines.push(
        `  dose check ${alert.kind}: ${alert.quantity} forward estimate ${fixed(alert.forwardEstimate)} over level ${fixed(alert.levelValue)}${alert.person ? `, authorised by ${alert.person}` : ''}${alert.reason ? `: ${alert.reason}` : ''}`,
      );
    }
    lines.push('');
  }
  if (scan.problems.length) {
    lines.push('problems:');
    for (const problem of scan.problems) lines.push(`  ${problem.message}`);
  }
  return lines.join('\n').trimEnd();
}
