/**
 * The events issue 10 asks the audit trail to hold, produced through the real paths (synthetic demo
 * phantom, real scoring worker, real SQLite, dcmtk storescu as the scanner): study opened, import per
 * job, receive per association (calling AE, peer address, counts, outcome) and a refused association,
 * an assignment session's first and last change, dose record and reason, notes saved, settings
 * change, audit export. Each entry names the signed-in account (or the service identity) and the
 * whole trail still verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServices, type WorkstationServices } from '../../main/api/createServices.js';
import { createApiHandlers } from '../../main/api/handlers.js';
import { verifyAuditChain } from '../../main/audit/verifyAuditChain.js';
import { emptyChecklist } from '../../main/notes/procedureChecklist.js';
import type { RecordedAuditEvent } from '../../db/auditRepository.js';
import { call, type Handlers } from '../support/apiCalls.js';
import { signedIn, TEST_READER_LABEL } from '../support/accounts.js';
import { freePort } from '../support/orthanc.js';
import { haveTool } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const run = promisify(execFile);

describe('audit coverage of the events that touch patient data or trust', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: Handlers;
  let studyInstanceUid: string;
  let seriesInstanceUid: string;

  const entries = (action: string): RecordedAuditEvent[] => services.store.audit.search({ action, limit: 100, offset: 0 }).events;

  beforeAll(async () => {
    temp = await makeTempDir('audit-coverage');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: 'synthetic', receiverHost: '127.0.0.1', accounts: { delay: async () => {} } });
    handlers = await signedIn(createApiHandlers(services), services);
    studyInstanceUid = (await call(handlers, 'app.info')).demoStudy!.studyInstanceUid;
    seriesInstanceUid = (await call(handlers, 'studies.series', { studyInstanceUid })).series[0].seriesInstanceUid;
  }, 120_000);

  afterAll(async () => {
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  it('import: one entry when the job starts and one when it ends, with the studies it brought', () => {
    expect(entries('import-started')).toHaveLength(1);
    const [done] = entries('import-done');
    expect(done).toMatchObject({ outcome: 'success', actorId: null, details: { studyInstanceUids: [studyInstanceUid], stored: expect.any(Number) } });
  });

  it('study opened and an assignment session: the first change and, at close, the last', async () => {
    const reading = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    const opened = entries('reading-opened')[0];
    expect(opened).toMatchObject({ actor: TEST_READER_LABEL, subject: seriesInstanceUid, details: { studyInstanceUid } });
    expect(opened.actorId).toBeGreaterThan(0);

    const first = await call(handlers, 'reading.assign', { readingId: reading.readingId, revision: reading.revision, assignment: { artery: 'LAD', point: [20.3, 20.3, 9], scope: 'lesion' } });
    const second = await call(handlers, 'reading.assign', { readingId: reading.readingId, revision: first.revision, assignment: { artery: 'RCA', point: [40.3, 40.3, 9], scope: 'lesion' } });
    await call(handlers, 'reading.undo', { readingId: reading.readingId, revision: second.revision });
    expect(entries('assignments-started')).toMatchObject([{ actor: TEST_READER_LABEL, subject: seriesInstanceUid, details: { studyInstanceUid, readingId: reading.readingId, revision: first.revision } }]);
    expect(entries('assignments-ended')).toHaveLength(0);
    await call(handlers, 'reading.close', { readingId: reading.readingId });
    expect(entries('assignments-ended')).toMatchObject([{ details: { studyInstanceUid, readingId: reading.readingId, changes: 3, firstRevision: first.revision, assignments: 1 } }]);
  }, 60_000);

  it('dose recorded, its reason, notes saved, settings changed', async () => {
    await call(handlers, 'dose.recordManual', { studyInstanceUid, events: [{ ctdivolMgy: 14.2, dlpMgyCm: 260, protocol: 'Calcium score' }] });
    await call(handlers, 'dose.setReason', { studyInstanceUid, reason: 'large patient, protocol adapted' });
    await call(handlers, 'notes.save', { studyInstanceUid, baseVersion: 0, checklist: { ...emptyChecklist(), heartRateBpm: 62 } });
    await call(handlers, 'settings.update', { patch: { scoring: { minAreaMm2: 1 } } });
    for (const action of ['dose-recorded-manually', 'dose-reason-recorded', 'notes-saved']) {
      expect(entries(action)[0], action).toMatchObject({ actor: TEST_READER_LABEL, subject: studyInstanceUid, outcome: 'success' });
    }
    expect(entries('settings-changed')[0]).toMatchObject({ actor: TEST_READER_LABEL, details: { keys: ['scoring'] } });
  });

  it.skipIf(!haveTool('storescu'))('receive: one entry per association with the calling AE, the peer, the counts and the outcome', async () => {
    const port = await freePort();
    await call(handlers, 'settings.update', { patch: { receiver: { enabled: true, port, aeTitle: 'CACAUDIT', allowedCallingAeTitles: [] } } });
    const folder = join(services.store.root, 'studies', studyInstanceUid);
    await run('storescu', ['-aet', 'CT_SCANNER', '-aec', 'CACAUDIT', '+sd', '+r', '127.0.0.1', String(port), folder]);
    await expect.poll(() => entries('receive-released').length, { timeout: 10_000 }).toBe(1);
    const [received] = entries('receive-released');
    expect(received).toMatchObject({
      actorId: null,
      outcome: 'success',
      details: { callingAeTitle: 'CT_SCANNER', calledAeTitle: 'CACAUDIT', peerAddress: expect.stringMatching(/127\.0\.0\.1/), studyInstanceUids: [studyInstanceUid], duplicates: expect.any(Number) },
    });
    // A sender calling the wrong AE title is refused, and that is in the trail too.
    await run('storescu', ['-aet', 'CT_SCANNER', '-aec', 'SOMEONE_ELSE', '+sd', '+r', '127.0.0.1', String(port), folder]).catch(() => undefined);
    await expect.poll(() => entries('receive-rejected').length, { timeout: 10_000 }).toBe(1);
    expect(entries('receive-rejected')[0]).toMatchObject({ outcome: 'failure', details: { callingAeTitle: 'CT_SCANNER', calledAeTitle: 'SOMEONE_ELSE' } });
    await call(handlers, 'settings.update', { patch: { receiver: { enabled: false } } });
  }, 60_000);

  it('an audit export is audited, and the whole trail verifies', async () => {
    await call(handlers, 'audit.exportCsv', { studyInstanceUid });
    expect(entries('audit-exported')[0]).toMatchObject({ actor: TEST_READER_LABEL, details: { format: 'csv', studyInstanceUid } });
    expect(verifyAuditChain(services.store.db, services.store.audit.headFile)).toMatchObject({ ok: true });
  });
});
