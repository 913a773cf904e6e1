/**
 * "Every PACS can store and read them": both report objects sent with dcmtk's storescu (C-STORE, as
 * the outbound queue will) to a real Orthanc, which files them in the images' study; a resend of
 * the same version is the same instance; the SR Orthanc serves back still carries the signed scores.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTERIES } from '../../../native-worker/scoring/arteries.js';
import { startOrthanc, type RunningOrthanc } from '../../../test/support/orthanc.js';
import { sampleReportContent, sampleSignedVersion } from '../../../test/support/reportFixture.js';
import { haveTool } from '../../../test/support/sharedData.js';
import { makeTempDir } from '../../../test/support/tempDir.js';
import { writeCalciumScoreSr } from './calciumScoreSr.js';
import { writeEncapsulatedPdf } from './encapsulatedPdf.js';
import { readSrScores } from './readBack.js';
import { reportUids } from './reportUids.js';
import { runTool } from './testing/dicomTools.js';

const ready = haveTool('Orthanc') && haveTool('storescu');

function tinyPdf(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ info: { CreationDate: new Date(Date.UTC(2025, 10, 20)) } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.text('Calcium score report');
    doc.end();
  });
}

describe.skipIf(!ready)('report objects in a real PACS (Orthanc, C-STORE)', () => {
  let orthanc: RunningOrthanc;
  let dir = '';
  let remove: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir('report-pacs'));
    orthanc = await startOrthanc();
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
    await remove();
  });

  function storescu(files: string[]): void {
    const run = runTool('storescu', ['-aet', 'CACWS', '-aec', orthanc.aeTitle, '127.0.0.1', String(orthanc.dicomPort), ...files]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  }

  it('stores the SR and the PDF in the images\' study; a resend is the same instance; the SR reads back', async () => {
    const content = sampleReportContent({ patient: { ...sampleReportContent().patient, name: 'Größe^Jürgen' } });
    const version = sampleSignedVersion(content);
    const srFile = join(dir, 'sr.dcm');
    const pdfFile = join(dir, 'pdf.dcm');
    await writeFile(srFile, writeCalciumScoreSr(version, { institutionName: 'Heart Centre' }));
    await writeFile(pdfFile, writeEncapsulatedPdf(version, await tinyPdf(), { institutionName: 'Heart Centre' }));
    storescu([srFile, pdfFile]);
    storescu([srFile, pdfFile]); // the retry of a send that timed out

    const studies = await orthanc.getJson<Array<{ MainDicomTags: { StudyInstanceUID: string }; Series: string[] }>>('/studies?expand');
    expect(studies).toHaveLength(1);
    expect(studies[0].MainDicomTags.StudyInstanceUID).toBe(content.study.studyInstanceUid);
    expect(studies[0].Series).toHaveLength(2);
    const instances = await orthanc.getJson<Array<{ ID: string }>>('/instances');
    expect(instances).toHaveLength(2); // not four: the resend was the same objects

    const patient = await orthanc.getJson<Array<{ MainDicomTags: { PatientName: string; PatientID: string } }>>('/patients?expand');
    expect(patient[0].MainDicomTags).toMatchObject({ PatientName: 'Größe^Jürgen', PatientID: 'PAT-0042' });

    const uids = reportUids(content.study.studyInstanceUid, version.reportId, version.version);
    const served = readSrScores(await orthanc.instanceFile(uids.sr.sopInstanceUid));
    expect(served.studyInstanceUid).toBe(content.study.studyInstanceUid);
    for (const artery of ARTERIES) expect(Math.abs(served.arteries[artery].agatston - content.scores.arteries[artery].agatston)).toBeLessThanOrEqual(0.005);
    expect(Math.abs(served.total.agatston - content.scores.total.agatston)).toBeLessThanOrEqual(0.005);
    const pdfBytes = await orthanc.instanceFile(uids.pdf.sopInstanceUid);
    expect(pdfBytes.byteLength).toBeGreaterThan(0);
    const pdfTags = await orthanc.getJson<Array<{ ID: string; MainDicomTags: { SOPInstanceUID: string } }>>('/instances?expand');
    const pdfId = pdfTags.find((i) => i.MainDicomTags.SOPInstanceUID === uids.pdf.sopInstanceUid)?.ID;
    expect(pdfId).toBeDefined();
    // Orthanc's own PDF extraction (what its viewer offers) gives back a PDF.
    const response = await fetch(`${orthanc.url}/instances/${pdfId}/pdf`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  }, 60_000);
});
