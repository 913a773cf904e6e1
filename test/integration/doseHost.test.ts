/**
 * The dose log and procedure notes as the renderer reaches them in browser mode: HTTP + WebSocket
 * to the real host, the token required, the shared RDSR folder imported with import.start (the
 * capture runs on the archive's 'stored' events), then dose.get, the worklist flag, notes and the
 * CSV export over the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createServices, type WorkstationServices } from '../../main/api/createServices.js';
import { createApiHandlers } from '../../main/api/handlers.js';
import type { CacEvents } from '../../main/api/contract.js';
import { ApiCallError, createCacClient, createHttpTransport, type CacClient } from '../../main/api/client.js';
import { startBrowserHost, type BrowserHost } from '../../main/host/browserHost.js';
import { emptyChecklist } from '../../main/notes/procedureChecklist.js';
import { ctRdsrDir, haveSharedData } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';
import { signedIn } from '../support/accounts.js';

const SIEMENS_MULTI_STUDY = '1.3.6.1.4.1.5962.99.1.792239193.1702185591.1516915727449.3.0';

describe.skipIf(!haveSharedData(ctRdsrDir))('dose log and notes over the browser-mode host', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: ReturnType<typeof createApiHandlers>;
  let host: BrowserHost;
  let client: CacClient;

  beforeAll(async () => {
    temp = await makeTempDir('dose-host');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false, studyQuietMs: 60_000 });
    handlers = await signedIn(createApiHandlers(services), services);
    host = await startBrowserHost({ handlers, events: services.events, staticDir: join(temp.dir, 'no-renderer') });
    client = createCacClient(createHttpTransport({ origin: host.origin, token: host.token, WebSocket: WebSocket as never }));
    // A level the Siemens 4DCT events (8.13 mGy) are above, before the study arrives.
    await client.call('settings.update', { patch: { dose: { referenceLevels: [{ name: '4D CT', match: '4dct', ctdivolMgy: 5, dlpMgyCm: 1000 }] } } });
    const done = new Promise<CacEvents['import.done']>((resolve) => {
      const off = client.on('import.done', (payload) => {
        off();
        resolve(payload);
      });
    });
    await client.call('import.start', { path: ctRdsrDir });
    const summary = await done;
    expect(summary.summary.counts.stored).toBe(12);
  }, 60_000);

  afterAll(async () => {
    await host?.close();
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  it('dose.get over HTTP: the grown Siemens RDSR is one study with three events and is flagged in the worklist', async () => {
    const view = await client.call('dose.get', { studyInstanceUid: SIEMENS_MULTI_STUDY });
    expect(view.current?.events).toHaveLength(3);
    expect(view.current?.dlpTotalMgyCm).toBe(236.09);
    expect(view.reasonNeeded).toBe(true);
    const { studies } = await client.call('studies.list', {});
    expect(studies.find((study) => study.studyInstanceUid === SIEMENS_MULTI_STUDY)?.doseAboveReference).toBe(true);
  });

  it('refuses without the token, and answers a bad manual entry with a typed error naming the field', async () => {
    const anonymous = await fetch(`${host.origin}/api/dose.log`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    const error = await client.call('dose.recordManual', { studyInstanceUid: SIEMENS_MULTI_STUDY, events: [{ ctdivolMgy: 'high', dlpMgyCm: 40 }] as never }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ApiCallError);
    expect(error).toMatchObject({ code: 'bad-request', message: expect.stringContaining('CTDIvol must be a number in mGy') });
  });

  it('notes.save then a stale save (conflict) over HTTP; the CSV export comes back as text', async () => {
    const saved = await client.call('notes.save', { studyInstanceUid: SIEMENS_MULTI_STUDY, baseVersion: 0, checklist: { ...emptyChecklist(), scanCompleted: false } });
    expect(saved.alerts).toEqual(['Incomplete scan']);
    const stale = await client.call('notes.save', { studyInstanceUid: SIEMENS_MULTI_STUDY, baseVersion: 0, checklist: emptyChecklist() }).catch((reason: unknown) => reason);
    expect(stale).toBeInstanceOf(ApiCallError);
    expect((stale as ApiCallError).code).toBe('conflict');
    const { studies } = await client.call('studies.list', {});
    expect(studies.find((study) => study.studyInstanceUid === SIEMENS_MULTI_STUDY)?.procedureAlerts).toEqual(['Incomplete scan']);

    const { csv, rows } = await client.call('dose.exportCsv', { protocol: '4dct' });
    expect(rows).toBe(2); // the Siemens study and the Philips Big Bore 4D CT
    expect(csv.split('\r\n')[0]).toContain('CTDIvol (mGy),DLP (mGy.cm),Effective dose (mSv)');
  });
});
