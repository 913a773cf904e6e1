/**
 * The full path with a real PACS: the shared QRM phantom scored through the API (the FQM inserts),
 * signed, and sent by the durable outbound queue to Orthanc, which then holds the images, the SR,
 * the Encapsulated PDF and the key images (Secondary Capture) in one study; the SR's numbers read back with dsrdump equal the signed
 * scores. Then delivery when the PACS was down and comes up, and after an app restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServices, type WorkstationServices } from '../../main/api/createServices.js';
import { createApiHandlers } from '../../main/api/handlers.js';
import type { OutboundItem, ReportSummary } from '../../main/api/contract.js';
import { ARTERIES } from '../../native-worker/scoring/arteries.js';
import { reportFolder } from '../../main/report/reportFiles.js';
import { dsrdumpScores, dsrdumpTree } from '../../main/report/dicom/testing/dicomTools.js';
import { haveSharedData, haveTool, qrmInserts, qrmPhantomDir } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';
import { freePort, startOrthanc, type RunningOrthanc } from '../support/orthanc.js';
import { call, type Handlers } from '../support/apiCalls.js';
import { signedIn, TEST_PASSWORD } from '../support/accounts.js';

const ARTERY_OF_INSERT = ['LM', 'LAD', 'LCX', 'RCA', 'LAD', 'RCA', 'LCX'] as const;
const SR_CLASS = '1.2.840.10008.5.1.4.1.1.88.33';
const PDF_CLASS = '1.2.840.10008.5.1.4.1.1.104.1';
const QUICK_RETRY = { backoff: { firstDelayMs: 150, factor: 2, maxDelayMs: 600 } };

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ready = haveSharedData(qrmPhantomDir) && ['Orthanc', 'dsrdump'].every((tool) => haveTool(tool));

describe.skipIf(!ready)('report to PACS: QRM phantom scored, signed, sent to a real Orthanc', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let dataDirectory: string;
  let services: WorkstationServices;
  let handlers: Handlers;
  let orthanc: RunningOrthanc;
  const extraPacs: RunningOrthanc[] = [];
  let report: ReportSummary;
  let studyInstanceUid: string;
  /** Objects one signed version sends. */
  let objects = 0;

  const open = async () => {
    services = await createServices(dataDirectory, { outbound: QUICK_RETRY });
    handlers = await signedIn(createApiHandlers(services), services);
  };
  const close = async () => {
    await handlers.shutdown();
    await services.close();
  };
  const deliveries = async (destination: string): Promise<OutboundItem[]> =>
    (await call(handlers, 'outbound.list', { studyInstanceUid })).items.filter((item) => item.destination === destination);
  const allSent = (destination: string) => async () => {
    const items = await deliveries(destination);
    return items.length === objects && items.every((item) => item.status === 'sent') ? items : undefined;
  };
  const pacsNode = (name: string, port: number) => ({ name, aeTitle: 'ORTHANC', host: '127.0.0.1', port, timeoutMs: 3000 });

  beforeAll(async () => {
    temp = await makeTempDir('report-pacs');
    dataDirectory = join(temp.dir, 'data');
    orthanc = await startOrthanc();
    await orthanc.upload(readdirSync(qrmPhantomDir).map((name) => join(qrmPhantomDir, name)));
    await open();
    await call(handlers, 'settings.update', { patch: { pacsNodes: [pacsNode('Main PACS', orthanc.dicomPort)], report: { sendTo: ['Main PACS'], siteName: 'Test Imaging Center' } } });
  }, 180_000);

  afterAll(async () => {
    await handlers?.shutdown();
    await services?.close();
    await orthanc?.stop();
    for (const pacs of extraPacs) await pacs.stop();
    await temp?.remove();
  }, 60_000);

  it('scores, signs and delivers the SR, the PDF and the key images into the images study; the SR reads back the signed scores', async () => {
    studyInstanceUid = (await call(handlers, 'app.info')).demoStudy!.studyInstanceUid;
    const { series } = await call(handlers, 'studies.series', { studyInstanceUid });
    const reading = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid: series[0].seriesInstanceUid });
    let revision = reading.revision;
    for (const [index, insert] of qrmInserts.entries()) {
      revision = (await call(handlers, 'reading.assign', { readingId: reading.readingId, revision, assignment: { artery: ARTERY_OF_INSERT[index], point: [...insert.point], scope: 'lesion' } })).revision;
    }
    report = (await call(handlers, 'report.draft', { readingId: reading.readingId })).report;
    expect(Math.abs(report.current.content.scores.total.agatston - 966.63)).toBeLessThan(0.01);
    const signed = await call(handlers, 'report.sign', { reportId: report.reportId, version: report.current.version, contentSha256: report.currentSha256, password: TEST_PASSWORD });
    // The SR, the Encapsulated PDF and the key images (Secondary Capture): axial slices and the 2 calcium maps.
    const keyImages = readdirSync(reportFolder(services.store.root, report.reportId, report.current.version)).filter((name) => name.startsWith('key-image-')).length;
    expect(keyImages).toBeGreaterThanOrEqual(3);
    expect(signed.queued).toBe(2 + keyImages);
    objects = signed.queued;
    report = signed.report;

    const sent = await until('both objects delivered to Orthanc', allSent('Main PACS'));
    expect(sent.every((item) => item.attempts === 1)).toBe(true);

    // Orthanc holds one study: the CT images, the SR and the Encapsulated PDF.
    const studies = await orthanc.getJson<Array<{ MainDicomTags: { StudyInstanceUID: string }; Series: string[] }>>('/studies?expand');
    expect(studies).toHaveLength(1);
    expect(studies[0].MainDicomTags.StudyInstanceUID).toBe(studyInstanceUid);
    const modalities = await Promise.all(studies[0].Series.map(async (id) => (await orthanc.getJson<{ MainDicomTags: { Modality: string } }>(`/series/${id}`)).MainDicomTags.Modality));
    expect(modalities.sort()).toEqual(['CT', 'DOC', 'OT', 'SR']);

    const srItem = sent.find((item) => item.sopClassUid === SR_CLASS)!;
    const pdfItem = sent.find((item) => item.sopClassUid === PDF_CLASS)!;
    expect(pdfItem).toBeDefined();
    const srFile = join(temp.dir, 'from-orthanc-sr.dcm');
    await writeFile(srFile, await orthanc.instanceFile(srItem.sopInstanceUid));
    const readBack = dsrdumpScores(dsrdumpTree(srFile).items);
    const signedScores = report.current.content.scores;
    for (const artery of ARTERIES) {
      expect(Math.abs(readBack[artery].agatston - signedScores.arteries[artery].agatston), `${artery} Agatston`).toBeLessThan(0.01);
      expect(Math.abs(readBack[artery].volumeMm3 - signedScores.arteries[artery].volumeMm3), `${artery} volume`).toBeLessThan(0.01);
    }
    expect(Math.abs(readBack.total.agatston - signedScores.total.agatston)).toBeLessThan(0.01);
    expect(Math.abs(readBack.total.agatston - 966.63)).toBeLessThan(0.01);
    if (signedScores.total.massMg === null) expect(readBack.total.massMg).toBeNull();
    else expect(Math.abs((readBack.total.massMg ?? NaN) - signedScores.total.massMg)).toBeLessThan(0.01);

    const pdf = await orthanc.instanceFile(pdfItem.sopInstanceUid);
    expect(Buffer.from(pdf).includes(Buffer.from('%PDF-'))).toBe(true);
  }, 120_000);

  it('a PACS that is down gets the report once it comes up, exactly once', async () => {
    const port = await freePort();
    await call(handlers, 'settings.update', { patch: { pacsNodes: [pacsNode('Main PACS', orthanc.dicomPort), pacsNode('Backup PACS', port)] } });
    expect((await call(handlers, 'report.send', { reportId: report.reportId, version: report.current.version, pacs: 'Backup PACS' })).queued).toBe(objects);
    const failing = await until('two failed attempts', async () => {
      const items = await deliveries('Backup PACS');
      return items.length === objects && items.every((item) => item.attempts >= 2) ? items : undefined;
    });
    // Unreachable is transient: retried (queued, or sending again right now), never given up.
    expect(failing.map((item) => item.status).filter((status) => status !== 'queued' && status !== 'sending')).toEqual([]);
    expect(failing[0].lastError).toMatch(/Backup PACS|127\.0\.0\.1/);

    const backup = await startOrthanc({ dicomPort: port });
    extraPacs.push(backup);
    await until('delivered to the backup PACS', allSent('Backup PACS'));
    const instances = await backup.getJson<string[]>('/instances');
    expect(instances).toHaveLength(objects);
    // Sending the same version again changes nothing: the same objects, already delivered.
    expect(await call(handlers, 'report.send', { reportId: report.reportId, version: report.current.version, pacs: 'Backup PACS' })).toEqual({ queued: 0, objects });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await backup.getJson<string[]>('/instances')).toHaveLength(objects);
  }, 120_000);

  it('a report queued when the app stops is delivered after the restart', async () => {
    const port = await freePort();
    await call(handlers, 'settings.update', {
      patch: { pacsNodes: [pacsNode('Main PACS', orthanc.dicomPort), pacsNode('Backup PACS', 1), pacsNode('Remote PACS', port)] },
    });
    await call(handlers, 'report.send', { reportId: report.reportId, version: report.current.version, pacs: 'Remote PACS' });
    await until('a failed attempt', async () => ((await deliveries('Remote PACS')).some((item) => item.attempts >= 1) ? true : undefined));
    await close();
    const remote = await startOrthanc({ dicomPort: port });
    extraPacs.push(remote);
    await open();
    await until('delivered after the restart', allSent('Remote PACS'));
    expect(await remote.getJson<string[]>('/instances')).toHaveLength(objects);
  }, 120_000);
});
