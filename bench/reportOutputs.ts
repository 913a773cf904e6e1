/**
 * Budget 8: signing a report makes its outputs (key images, the PDF, the calcium score SR and the
 * Encapsulated PDF) in less than 5x the time the workstation takes to load + score the same
 * series, so a reader waits about as long for the signature as for opening a study. Subject and
 * baseline run interleaved in this process on the shared QRM phantom with its seven inserts assigned.
 *
 * 8b (issue 10): signing asks for the password again; the scrypt verify it adds (the hash's own
 * stored parameters, as main/auth/passwords.ts makes them) must stay under 300 ms. Timed interleaved
 * with the outputs, so signing with the password is printed beside signing without it. The budget is
 * checked on the verify's CPU time (scrypt is one thread's work, so that is its time on an idle
 * workstation); the wall time, which other processes on a shared machine inflate, is printed beside it.
 */
import { openScoringSession } from '../native-worker/openScoringSession.js';
import { renderKeyImages } from '../main/report/keyImages.js';
import { renderReportPdf } from '../main/report/pdf/reportPdf.js';
import { writeCalciumScoreSr } from '../main/report/dicom/calciumScoreSr.js';
import { writeEncapsulatedPdf } from '../main/report/dicom/encapsulatedPdf.js';
import { sampleReportContent, sampleSignedVersion } from '../test/support/reportFixture.js';
import { hashPassword, verifyPassword } from '../main/auth/passwords.js';
import { qrmInserts, qrmPhantomDir } from './qrmPhantom.js';
import { budget, describeCheck, describeTimings, formatMs, formatRatio, heading, line, median, timeInterleaved, type BudgetCheck } from './stats.js';

export const REPORT_OUTPUTS_BUDGET_RATIO = 5;
/** What asking for the password again may add to signing (issue 10). */
export const SIGNING_PASSWORD_BUDGET_MS = 300;
const BENCH_PASSWORD = 'Tr0ub4dour-&-3-horses';
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
  const outputs = async (record = true): Promise<void> => {
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
    if (!record) return;
    phases.keyImages.push(imaged - start);
    phases.pdf.push(printed - imaged);
    phases.dicom.push(performance.now() - printed);
    pdfBytes = pdf.byteLength;
  };
  const loadAndScore = async (): Promise<void> => {
    const { session: fresh } = await openScoringSession(qrmPhantomDir, {});
    fresh.scores();
  };

  const storedHash = await hashPassword(BENCH_PASSWORD);
  const passwordCpuMs: number[] = [];
  const passwordCheck = async (): Promise<void> => {
    const cpu = process.cpuUsage();
    if (!(await verifyPassword(BENCH_PASSWORD, storedHash))) throw new Error('the password check failed');
    const used = process.cpuUsage(cpu);
    passwordCpuMs.push((used.user + used.system) / 1000);
  };

  const warmupRuns = 2;
  const runs = 7;
  // As ReportService.sign does it: the password checked on the thread pool while the outputs are made.
  const signingWithPassword = async (): Promise<void> => {
    await Promise.all([passwordCheck(), outputs(false)]);
  };
  const timings = await timeInterleaved({ loadAndScore, outputs: () => outputs(), passwordCheck, signingWithPassword }, { warmupRuns, runs });
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
  // passwordCheck ran twice per round (alone, then within signingWithPassword): keep the lone runs' CPU times.
  passwordCpuMs.splice(0, passwordCpuMs.length, ...passwordCpuMs.filter((_, index) => index % 2 === 0).slice(warmupRuns));
  const passwordMs = median(passwordCpuMs);
  line('password check (scrypt verify), wall', describeTimings(timings.passwordCheck));
  line('password check (scrypt verify), CPU', describeTimings(passwordCpuMs));
  line('signing outputs without / with password (wall)', `${formatMs(median(timings.outputs))} / ${formatMs(median(timings.signingWithPassword))} (the password check overlapped, as in ReportService.sign)`);
  const passwordBudget = budget('8b signing password', 'scrypt verify added to signing (CPU time)', passwordMs, SIGNING_PASSWORD_BUDGET_MS, formatMs);
  console.log(`   ${describeCheck(passwordBudget)}`);
  return [check, passwordBudget];
}
