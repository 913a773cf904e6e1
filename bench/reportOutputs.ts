/**
 * Budget 8: signing a report makes its outputs (key images, the PDF, the calcium score SR and the
 * Encapsulated PDF) in less than 5x the time the workstation takes to load + score the same
 * series, so a reader waits about as long for the signature as for opening a study. Subject and
 * baseline run interleaved in this process on the shared QRM phantom with its seven inserts assigned.
 */
import { openScoringSession } from '../native-worker/openScoringSession.js';
import { renderKeyImages } from '../main/report/keyImages.js';
import { renderReportPdf } from '../main/report/pdf/reportPdf.js';
import { writeCalciumScoreSr } from '../main/report/dicom/calciumScoreSr.js';
import { writeEncapsulatedPdf } from '../main/report/dicom/encapsulatedPdf.js';
import { sampleReportContent, sampleSignedVersion } from '../test/support/reportFixture.js';
import { qrmInserts, qrmPhantomDir } from './qrmPhantom.js';
import { budget, describeCheck, describeTimings, formatMs, formatRatio, heading, line, median, timeInterleaved, type BudgetCheck } from './stats.js';

export const REPORT_OUTPUTS_BUDGET_RATIO = 5;
const ARTERY_OF_INSERT = ['LM', 'LAD', 'LCX', 'RCA', 'LAD', 'RCA', 'LCX'] as const;

export async function benchReportOutputs(): Promise<BudgetCheck[]> {
  heading('8. report outputs at signing (key images + PDF + SR + Encapsulated PDF) vs load + score');
  const { opened, session } = await openScoringSession(qrmPhantomDir, {});
  for (const [index, insert] of qrmInserts.entries()) session.assign({ artery: ARTERY_OF_INSERT[index], point: [...insert.point], scope: 'lesion' });
  const sheet = session.scores();
  const labels = session.labelVolume();
  const { geometry, hu } = opened.series;
  const version = sampleSignedVersion(sampleReportContent({ scores: { arteries: sheet.arteries, total: sheet.total } }));

  const phases = { keyImages: [] as number[], pdf: [] as number[], dicom: [] as number[] };
  let pdfBytes = 0;
  const outputs = async (): Promise<void> => {
    const start = performance.now();
    const keyImages = renderKeyImages({
      hu,
      labels,
      columns: geometry.columns,
      rows: geometry.rows,
      slices: geometry.slices,
      pixelSpacingMm: [geometry.pixelSpacingMm[0], geometry.pixelSpacingMm[1]],
      sliceIncrementMm: geometry.sliceIncrementMm,
    });
    const imaged = performance.now();
    const pdf = await renderReportPdf(version, keyImages);
    const printed = performance.now();
    writeCalciumScoreSr(version);
    writeEncapsulatedPdf(version, pdf);
    phases.keyImages.push(imaged - start);
    phases.pdf.push(printed - imaged);
    phases.dicom.push(performance.now() - printed);
    pdfBytes = pdf.byteLength;
  };
  const loadAndScore = async (): Promise<void> => {
    const { session: fresh } = await openScoringSession(qrmPhantomDir, {});
    fresh.scores();
  };

  const warmupRuns = 2;
  const runs = 7;
  const timings = await timeInterleaved({ loadAndScore, outputs }, { warmupRuns, runs });
  for (const list of Object.values(phases)) list.splice(0, warmupRuns);
  const ratio = median(timings.outputs) / median(timings.loadAndScore);
  line('baseline: load + score', describeTimings(timings.loadAndScore));
  line('report outputs', describeTimings(timings.outputs));
  line('  of which key images', formatMs(median(phases.keyImages)));
  line('  of which PDF', `${formatMs(median(phases.pdf))} (${(pdfBytes / 1024).toFixed(0)} KiB)`);
  line('  of which SR + Encapsulated PDF', formatMs(median(phases.dicom)));
  line('ratio outputs / load+score', formatRatio(ratio));
  const check = budget('8 report outputs', 'outputs / load+score', ratio, REPORT_OUTPUTS_BUDGET_RATIO, formatRatio);
  console.log(`   ${describeCheck(check)}`);
  return [check];
}
