/**
 * Contract tests of the one handler table both transports serve: a real temp data directory (the
 * demo import puts the shared QRM phantom in a real archive), the real scoring worker process and,
 * for the PACS channels, a real Orthanc. Every channel's happy path, bad requests refused with a
 * typed error, the FQM total through the API, persistence across close/reopen and an app restart,
 * optimistic concurrency, and a worker crash in the middle of a request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rm } from 'node:fs/promises';
import { createServices, type WorkstationServices } from './createServices.js';
import { createApiHandlers, invokeChannel } from './handlers.js';
import type { CacEventName, CacEvents, Channel, ReadingView } from './contract.js';
import { CONFLICT_MESSAGE } from './apiError.js';
import { geSmartScoreDir, haveSharedData, haveTool, qrmInserts, qrmMassFactor, qrmPhantomDir } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { freePort, startOrthanc, type RunningOrthanc } from '../../test/support/orthanc.js';
import { createServer, type AddressInfo } from 'node:net';
import { call, failure, type Handlers } from '../../test/support/apiCalls.js';
import { signedIn } from '../../test/support/accounts.js';

const FQM_TOTAL_AGATSTON = 966.63;
const ARTERY_OF_INSERT = ['LM', 'LAD', 'LCX', 'RCA', 'LAD', 'RCA', 'LCX'] as const;
const PHANTOM_VOXELS = 512 * 512 * 47;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe.skipIf(!haveSharedData(qrmPhantomDir))('API handler table (real archive, real worker, QRM phantom)', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: Handlers;
  const events: Array<{ name: CacEventName; payload: unknown }> = [];
  let studyInstanceUid: string;
  let seriesInstanceUid: string;
  let reading: ReadingView;
  let revision: number;

  const listen = (source: WorkstationServices) => {
    for (const name of ['import.progress', 'import.done', 'studies.changed', 'worker.crashed', 'reading.changed'] as const) {
      source.events.on(name, (payload: CacEvents[typeof name]) => events.push({ name, payload }));
    }
  };

  beforeAll(async () => {
    temp = await makeTempDir('api');
    services = await createServices(join(temp.dir, 'data'), { studyQuietMs: 60_000, receiverHost: '127.0.0.1' });
    handlers = await signedIn(createApiHandlers(services), services);
    listen(services);
  }, 120_000);

  afterAll(async () => {
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  it('app.info: a first start imports the QRM phantom as the demo study', async () => {
    const info = await call(handlers, 'app.info');
    expect(info.demoStudy).toMatchObject({ source: 'qrm-phantom' });
    expect(info.algorithmVersion).toMatch(/^cac-scoring\//);
    expect(info.notices).toEqual([]);
    expect(info.archiveFolder).toBe(join(temp.dir, 'data', 'archive'));
    studyInstanceUid = info.demoStudy!.studyInstanceUid;
  });

  it('studies.list and studies.series list the archive and audit the access', async () => {
    const { studies } = await call(handlers, 'studies.list', { limit: 10 });
    expect(studies).toHaveLength(1);
    expect(studies[0]).toMatchObject({ studyInstanceUid, instanceCount: 47, seriesCount: 1 });
    expect((await call(handlers, 'studies.list', { text: 'no such patient' })).studies).toEqual([]);
    const { series } = await call(handlers, 'studies.series', { studyInstanceUid });
    expect(series).toHaveLength(1);
    expect(series[0].instanceCount).toBe(47);
    seriesInstanceUid = series[0].seriesInstanceUid;
    expect((await failure(handlers, 'studies.series', { studyInstanceUid: '1.2.3.4' })).code).toBe('not-found');
    const actions = services.store.audit.list().map((event) => event.action);
    expect(actions).toContain('studies-listed');
    expect(actions).toContain('series-listed');
  });

  it('settings.get gives the defaults; settings.update validates, merges and persists', async () => {
    const { settings } = await call(handlers, 'settings.get');
    expect(settings).toMatchObject({ archiveFolder: null, receiver: { enabled: false }, pacsNodes: [], scoring: { thresholdHu: 130, massFactor: null } });
    const updated = await call(handlers, 'settings.update', { patch: { scoring: { massFactor: qrmMassFactor }, display: { reportLmWithLad: true } } });
    expect(updated.settings.scoring).toEqual({ thresholdHu: 130, kvAdjusted: false, minAreaMm2: 1, massFactor: qrmMassFactor });
    expect(updated.settings.display.reportLmWithLad).toBe(true);
    expect(updated.restartRequired).toBe(false);
    const onDisk = JSON.parse(readFileSync(join(temp.dir, 'data', 'settings.json'), 'utf8'));
    expect(onDisk.scoring.massFactor).toBe(qrmMassFactor);

    const badPort = await failure(handlers, 'settings.update', { patch: { receiver: { port: 70_000 } } });
    expect(badPort.code).toBe('bad-request');
    expect(badPort.message).toMatch(/receiver\.port/);
    expect((await failure(handlers, 'settings.update', { patch: { receiver: { aeTitle: 'A\\B' } } })).code).toBe('bad-request');
    expect((await failure(handlers, 'settings.update', { patch: { colour: 'red' } })).code).toBe('bad-request');
    // Nothing of a refused update was applied.
    expect((await call(handlers, 'settings.get')).settings.receiver.port).toBe(11112);
  });

  describe('bad requests get a typed bad-request error, never a crash', () => {
    const cases: Array<[string, Channel, unknown]> = [
      ['missing fields', 'reading.open', {}],
      ['missing series', 'reading.open', { studyInstanceUid: '1.2.3' }],
      ['wrong types', 'studies.list', { limit: '10' }],
      ['a negative limit', 'studies.list', { limit: -1 }],
      ['an unknown key', 'studies.list', { text: 'a', sql: 'DROP TABLE studies' }],
      ['not an object', 'studies.series', 'studies'],
      ['an array', 'import.start', ['/tmp']],
      ['a relative path', 'import.start', { path: 'media/cdrom' }],
      ['a path in a UID', 'studies.series', { studyInstanceUid: '../../etc/passwd' }],
      ['an artery AORTA', 'reading.assign', { readingId: 1, revision: 0, assignment: { artery: 'AORTA', point: [0, 0, 0], scope: 'lesion' } }],
      ['a point with NaN', 'reading.assign', { readingId: 1, revision: 0, assignment: { artery: 'LAD', point: [0, Number.NaN, 0], scope: 'lesion' } }],
      ['a point with Infinity', 'reading.assign', { readingId: 1, revision: 0, assignment: { artery: 'LAD', point: [0, Infinity, 0], scope: 'lesion' } }],
      ['a point of two numbers', 'reading.assign', { readingId: 1, revision: 0, assignment: { artery: 'LAD', point: [0, 0], scope: 'lesion' } }],
      ['a fractional revision', 'reading.undo', { readingId: 1, revision: 0.5 }],
      ['an unknown scope', 'reading.assign', { readingId: 1, revision: 0, assignment: { artery: 'LAD', point: [0, 0, 0], scope: 'voxel' } }],
      ['a reading id as text', 'reading.volume', { readingId: '1' }],
      ['parameters on a channel without any', 'app.info', { verbose: true }],
    ];
    for (const [why, channel, request] of cases) {
      it(`${channel}: ${why}`, async () => {
        const error = await failure(handlers, channel, request);
        expect(error.code).toBe('bad-request');
        expect(error.message).toContain(channel);
        expect(error.message).not.toMatch(/\n\s+at /); // no stack trace
      });
    }

    it('an unknown channel', async () => {
      for (const channel of ['reading.delete', '__proto__', 'constructor', 42, undefined]) {
        const result = await invokeChannel(handlers, channel, {});
        expect(result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      }
    });
  });

  it('reading.open: the phantom with its geometry, lesion index, volume handle and empty scores', async () => {
    reading = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    revision = reading.revision;
    expect(reading.revision).toBe(0);
    expect(reading.assignments).toEqual([]);
    expect(reading.geometry).toMatchObject({ columns: 512, rows: 512, slices: 47, sliceIncrementMm: 3 });
    expect(reading.geometry.slicePositionsMm).toHaveLength(47);
    expect(reading.lesions.lesionCount).toBeGreaterThan(7);
    expect(reading.lesions.plaqueLesion).toHaveLength(reading.lesions.plaqueCount);
    expect(reading.volume).toEqual({ channel: 'reading.volume', path: `/api/volume/${reading.readingId}`, byteLength: PHANTOM_VOXELS * 2, huType: 'int16' });
    expect(reading.parameters).toEqual({ thresholdHu: 130, kvAdjusted: false, minAreaMm2: 1, massFactor: qrmMassFactor });
    expect(reading.scores.total.agatston).toBe(0);
    expect(reading.scores.params.massFactor).toBe(qrmMassFactor);
    expect(reading.restored).toEqual({ assignments: 0, missed: [], scoresMatchSaved: true });
    // The response is plain JSON: it survives the HTTP transport unchanged.
    expect(JSON.parse(JSON.stringify(reading))).toEqual(reading);
    expect(services.store.audit.list().find((event) => event.action === 'reading-opened')?.subject).toBe(seriesInstanceUid);
    expect((await failure(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid: '1.2.3.4' })).code).toBe('not-found');
  });

  it('reading.volume hands over the HU bytes', async () => {
    const volume = await call(handlers, 'reading.volume', { readingId: reading.readingId });
    expect(volume).toBeInstanceOf(ArrayBuffer);
    expect(volume.byteLength).toBe(PHANTOM_VOXELS * 2);
    expect(new Int16Array(volume)[0]).toBe(-2048);
    expect((await failure(handlers, 'reading.volume', { readingId: 9999 })).code).toBe('not-found');
  });

  it('reading.assign: the seven inserts by their points give the FQM total 966.63, each saved at once', async () => {
    const latencies: number[] = [];
    for (const [index, insert] of qrmInserts.entries()) {
      const started = performance.now();
      const answer = await call(handlers, 'reading.assign', {
        readingId: reading.readingId,
        revision,
        assignment: { artery: ARTERY_OF_INSERT[index], point: [...insert.point], scope: 'lesion' },
      });
      latencies.push(performance.now() - started);
      expect(answer.outcome.applied).toBe(true);
      expect(answer.revision).toBe(revision + 1);
      revision = answer.revision;
      // Saved in the same request: the database already has it.
      expect(services.store.db.prepare('SELECT revision FROM readings WHERE id = ?').pluck().get(reading.readingId)).toBe(revision);
    }
    const { scores } = await call(handlers, 'reading.undo', { readingId: reading.readingId, revision }).then(async (undone) => {
      revision = undone.revision;
      return call(handlers, 'reading.redo', { readingId: reading.readingId, revision });
    }).then((redone) => {
      revision = redone.revision;
      return redone;
    });
    expect(Math.abs(scores.total.agatston - FQM_TOTAL_AGATSTON)).toBeLessThan(0.01);
    expect(scores.total.lesions).toBe(7);
    expect(scores.algorithmVersion).toMatch(/^cac-scoring\//);
    console.log(`reading.assign through the handler table: median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (7 assigns)`);
    expect(events.filter((event) => event.name === 'reading.changed').length).toBeGreaterThanOrEqual(9);
  });

  it('a click on no calcium changes nothing and keeps the revision', async () => {
    const answer = await call(handlers, 'reading.assign', { readingId: reading.readingId, revision, assignment: { artery: 'LAD', point: [200, 200, 600.875], scope: 'lesion' } });
    expect(answer.outcome.applied).toBe(false);
    expect(answer.outcome.message).toMatch(/no calcium/);
    expect(answer.revision).toBe(revision);
  });

  it('reading.undo and reading.redo take back and bring back the last assignment, saved', async () => {
    const last = qrmInserts[6];
    const undone = await call(handlers, 'reading.undo', { readingId: reading.readingId, revision });
    expect(undone.assignment).toMatchObject({ artery: 'LCX', point: [...last.point] });
    expect(undone.scores.total.agatston).toBeCloseTo(FQM_TOTAL_AGATSTON - last.agatston, 1);
    expect(undone).toMatchObject({ revision: revision + 1, assignments: 6, redoDepth: 1 });
    const redone = await call(handlers, 'reading.redo', { readingId: reading.readingId, revision: undone.revision });
    expect(redone).toMatchObject({ revision: revision + 2, assignments: 7, redoDepth: 0 });
    expect(Math.abs(redone.scores.total.agatston - FQM_TOTAL_AGATSTON)).toBeLessThan(0.01);
    revision = redone.revision;
    // Nothing left to redo: no change, same revision.
    const nothing = await call(handlers, 'reading.redo', { readingId: reading.readingId, revision });
    expect(nothing).toMatchObject({ assignment: null, revision });
  });

  it('reading.labels: one byte a voxel with the assigned arteries', async () => {
    const labels = new Uint8Array(await call(handlers, 'reading.labels', { readingId: reading.readingId }));
    expect(labels.length).toBe(PHANTOM_VOXELS);
    for (const code of [1, 2, 3, 4]) expect(labels.includes(code)).toBe(true);
  });

  it('a second window holding an old revision gets a conflict, never a silent overwrite', async () => {
    const secondWindow = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    expect(secondWindow.readingId).toBe(reading.readingId);
    expect(secondWindow.revision).toBe(revision);
    // The first window assigns; the second still holds the old revision.
    const first = await call(handlers, 'reading.assign', { readingId: reading.readingId, revision, assignment: { artery: 'excluded', point: [...qrmInserts[2].point], scope: 'lesion' } });
    const stale = await failure(handlers, 'reading.undo', { readingId: reading.readingId, revision: secondWindow.revision });
    expect(stale).toEqual({ code: 'conflict', message: CONFLICT_MESSAGE });
    expect((await failure(handlers, 'reading.assign', { readingId: reading.readingId, revision: secondWindow.revision, assignment: { artery: 'LAD', point: [...qrmInserts[2].point], scope: 'lesion' } })).code).toBe('conflict');
    // The first window's change stands; it takes it back itself.
    const back = await call(handlers, 'reading.undo', { readingId: reading.readingId, revision: first.revision });
    expect(Math.abs(back.scores.total.agatston - FQM_TOTAL_AGATSTON)).toBeLessThan(0.01);
    revision = back.revision;
    await call(handlers, 'reading.close', { readingId: reading.readingId }); // the second window
  });

  it('closing and reopening the reading restores the same assignments, scores and labels', async () => {
    const before = await call(handlers, 'reading.labels', { readingId: reading.readingId });
    const savedScores = services.store.db.prepare('SELECT scores FROM readings WHERE id = ?').pluck().get(reading.readingId) as string;
    expect(await call(handlers, 'reading.close', { readingId: reading.readingId })).toEqual({ closed: true });
    expect((await failure(handlers, 'reading.volume', { readingId: reading.readingId })).code).toBe('not-found');
    const started = performance.now();
    const reopened = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    const reopenMs = performance.now() - started;
    expect(reopened.readingId).toBe(reading.readingId);
    expect(reopened.revision).toBe(revision);
    expect(reopened.assignments).toHaveLength(7);
    expect(reopened.restored).toEqual({ assignments: 7, missed: [], scoresMatchSaved: true });
    expect(reopened.scores).toEqual(JSON.parse(savedScores));
    expect(Math.abs(reopened.scores.total.agatston - FQM_TOTAL_AGATSTON)).toBeLessThan(0.01);
    const after = await call(handlers, 'reading.labels', { readingId: reading.readingId });
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(true);
    console.log(`reading.open with 7 assignments replayed: ${reopenMs.toFixed(0)} ms`);
  });

  it('import.start imports a folder with progress events; import.cancel answers for finished and unknown jobs', async () => {
    events.length = 0;
    const { importJobId } = await call(handlers, 'import.start', { path: qrmPhantomDir });
    expect(importJobId).toBeGreaterThan(0);
    await expect.poll(() => events.some((event) => event.name === 'import.done'), { timeout: 30_000 }).toBe(true);
    const done = events.find((event) => event.name === 'import.done')!.payload as CacEvents['import.done'];
    expect(done.importJobId).toBe(importJobId);
    // The demo import already archived the phantom: every file is a duplicate now.
    expect(done.summary.counts).toMatchObject({ filesTotal: 47, duplicates: 47, stored: 0 });
    const progress = events.filter((event) => event.name === 'import.progress').map((event) => event.payload as CacEvents['import.progress']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((event) => event.importJobId === importJobId)).toBe(true);
    expect(progress.at(-1)!.progress.filesDone).toBe(47);
    expect(await call(handlers, 'import.cancel', { importJobId })).toEqual({ cancelled: false });
    // A running import stops on request; what it stored so far stays.
    events.length = 0;
    const second = await call(handlers, 'import.start', { path: qrmPhantomDir });
    expect(await call(handlers, 'import.cancel', { importJobId: second.importJobId })).toEqual({ cancelled: true });
    await expect.poll(() => events.some((event) => event.name === 'import.done'), { timeout: 30_000 }).toBe(true);
    const cancelled = events.find((event) => event.name === 'import.done')!.payload as CacEvents['import.done'];
    expect(cancelled).toMatchObject({ importJobId: second.importJobId, summary: { status: 'cancelled' } });
    expect(services.store.importJobs.get(second.importJobId)?.status).toBe('cancelled');
    expect((await failure(handlers, 'import.cancel', { importJobId: 99_999 })).code).toBe('not-found');
    expect((await failure(handlers, 'import.start', { path: join(temp.dir, 'no-such-folder') })).code).toBe('not-found');
  });

  it('PACS channels name a PACS from the settings', async () => {
    expect((await failure(handlers, 'pacs.echo', { pacs: 'Nowhere' })).code).toBe('not-found');
    // A PACS that is down: a pacs-failed error that names it, not an internal error.
    await call(handlers, 'settings.update', { patch: { pacsNodes: [{ name: 'Down', aeTitle: 'DOWN', host: '127.0.0.1', port: 1, timeoutMs: 2000 }] } });
    const down = await failure(handlers, 'pacs.echo', { pacs: 'Down' });
    expect(down.code).toBe('pacs-failed');
    expect(down.message).toMatch(/127\.0\.0\.1:1/);
    await call(handlers, 'settings.update', { patch: { pacsNodes: [] } });
  });

  it('the DICOM receiver follows its settings: started, answering C-ECHO, a busy port reported, stopped', async () => {
    expect((await call(handlers, 'app.info')).receiver).toMatchObject({ enabled: false, listening: false });
    const port = await freePort();
    const enabled = await call(handlers, 'settings.update', { patch: { receiver: { enabled: true, port, aeTitle: 'CACTEST' }, pacsNodes: [{ name: 'Ourselves', aeTitle: 'CACTEST', host: '127.0.0.1', port }] } });
    expect(enabled.receiver).toEqual({ enabled: true, listening: true, aeTitle: 'CACTEST', port });
    expect((await call(handlers, 'pacs.echo', { pacs: 'Ourselves' })).elapsedMs).toBeGreaterThanOrEqual(0);
    const busy = createServer();
    const busyPort = await new Promise<number>((resolve) => busy.listen(0, '127.0.0.1', () => resolve((busy.address() as AddressInfo).port)));
    try {
      const refused = await call(handlers, 'settings.update', { patch: { receiver: { port: busyPort } } });
      expect(refused.receiver).toMatchObject({ enabled: true, listening: false });
      expect(refused.receiver!.problem).toMatch(/already in use/);
    } finally {
      busy.close();
    }
    const disabled = await call(handlers, 'settings.update', { patch: { receiver: { enabled: false, port: 11112, aeTitle: 'CACWS' }, pacsNodes: [] } });
    expect(disabled.receiver).toMatchObject({ enabled: false, listening: false });
  });

  it('a killed worker gives worker-crashed, and the next request works (the reading is replayed)', async () => {
    events.length = 0;
    const pid = services.worker.pid!;
    expect(pid).toBeGreaterThan(0);
    await call(handlers, 'reading.close', { readingId: reading.readingId });
    // Reopening loads the series again; the worker dies in the middle of it.
    const pending = handlers['reading.open']({ studyInstanceUid, seriesInstanceUid });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 50);
    const crashed = await pending;
    expect(crashed).toMatchObject({ ok: false, error: { code: 'worker-crashed' } });
    await expect.poll(() => events.some((event) => event.name === 'worker.crashed')).toBe(true);
    const again = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    expect(services.worker.pid).not.toBe(pid);
    expect(Math.abs(again.scores.total.agatston - FQM_TOTAL_AGATSTON)).toBeLessThan(0.01);
    // Killed while idle: the next assign reloads the saved work on its own.
    process.kill(services.worker.pid!, 'SIGKILL');
    await expect.poll(() => events.filter((event) => event.name === 'worker.crashed').length).toBe(2);
    const undone = await call(handlers, 'reading.undo', { readingId: again.readingId, revision: again.revision });
    expect(undone.scores.total.agatston).toBeCloseTo(FQM_TOTAL_AGATSTON - qrmInserts[6].agatston, 1);
    const redone = await call(handlers, 'reading.redo', { readingId: again.readingId, revision: undone.revision });
    revision = redone.revision;
    expect(Math.abs(redone.scores.total.agatston - FQM_TOTAL_AGATSTON)).toBeLessThan(0.01);
  });

  it('an app restart (fresh services and handler table on the same data directory) restores the same reading and scores', async () => {
    const before = await call(handlers, 'reading.labels', { readingId: reading.readingId });
    await handlers.shutdown();
    await services.close();
    services = await createServices(join(temp.dir, 'data'), { studyQuietMs: 60_000, receiverHost: '127.0.0.1' });
    handlers = await signedIn(createApiHandlers(services), services);
    const info = await call(handlers, 'app.info');
    expect(info.demoStudy).toBeUndefined(); // not the first start: nothing imported again
    expect((await call(handlers, 'settings.get')).settings.scoring.massFactor).toBe(qrmMassFactor);
    const restored = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    expect(restored.readingId).toBe(reading.readingId);
    expect(restored.revision).toBe(revision);
    expect(restored.restored).toEqual({ assignments: 7, missed: [], scoresMatchSaved: true });
    expect(Math.abs(restored.scores.total.agatston - FQM_TOTAL_AGATSTON)).toBeLessThan(0.01);
    expect(restored.scores.total.lesions).toBe(7);
    const after = await call(handlers, 'reading.labels', { readingId: reading.readingId });
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(true);
  });

  it('reports a reading saved by another algorithm version', async () => {
    await call(handlers, 'reading.close', { readingId: reading.readingId });
    services.store.db.prepare(`UPDATE readings SET algorithm_version = 'cac-scoring/0.9.0' WHERE id = ?`).run(reading.readingId);
    const reopened = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    expect(reopened.restored.algorithmVersionChanged).toMatchObject({ saved: 'cac-scoring/0.9.0', current: reopened.scores.algorithmVersion });
    expect(reopened.restored.algorithmVersionChanged!.message).toMatch(/check the scores/);
    await call(handlers, 'reading.close', { readingId: reading.readingId });
  });
});

describe('API handler table without the shared data: the synthetic demo study', () => {
  it('imports a synthetic phantom on the first start and scores its two inserts (LAD 192 + RCA 96)', async () => {
    const temp = await makeTempDir('api-demo');
    const services = await createServices(join(temp.dir, 'data'), { demoStudy: 'synthetic' });
    const handlers = await signedIn(createApiHandlers(services), services);
    try {
      const info = await call(handlers, 'app.info');
      expect(info.demoStudy?.source).toBe('synthetic-phantom');
      const studyInstanceUid = info.demoStudy!.studyInstanceUid;
      const { series } = await call(handlers, 'studies.series', { studyInstanceUid });
      const reading = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid: series[0].seriesInstanceUid });
      expect(reading.geometry).toMatchObject({ columns: 128, rows: 128, slices: 8 });
      const lad = await call(handlers, 'reading.assign', { readingId: reading.readingId, revision: 0, assignment: { artery: 'LAD', point: [20.3, 20.3, 9], scope: 'lesion' } });
      const rca = await call(handlers, 'reading.assign', { readingId: reading.readingId, revision: lad.revision, assignment: { artery: 'RCA', point: [40.3, 40.3, 9], scope: 'lesion' } });
      expect(rca.scores.arteries.LAD.agatston).toBeCloseTo(192, 6);
      expect(rca.scores.arteries.RCA.agatston).toBeCloseTo(96, 6);
      expect(rca.scores.total.agatston).toBeCloseTo(288, 6);
    } finally {
      await handlers.shutdown();
      await services.close();
      await temp.remove();
    }
  });
});

const pacsReady = haveTool('Orthanc') && haveSharedData(geSmartScoreDir) && haveSharedData(qrmPhantomDir);

describe.skipIf(!pacsReady)('API handler table: PACS channels against a real Orthanc', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: Handlers;
  let orthanc: RunningOrthanc;
  const GE_STUDY = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.1';

  beforeAll(async () => {
    temp = await makeTempDir('api-pacs');
    orthanc = await startOrthanc();
    await orthanc.upload(readdirSync(geSmartScoreDir).map((name) => join(geSmartScoreDir, name)));
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false });
    handlers = await signedIn(createApiHandlers(services), services);
    await call(handlers, 'settings.update', {
      patch: { pacsNodes: [{ name: 'Test PACS', aeTitle: orthanc.aeTitle, host: '127.0.0.1', port: orthanc.dicomPort, dicomWebUrl: orthanc.dicomWebUrl }] },
    });
  }, 120_000);

  afterAll(async () => {
    await handlers?.shutdown();
    await services?.close();
    await orthanc?.stop();
    await temp?.remove();
  }, 60_000);

  it('pacs.echo, pacs.findStudies (C-FIND and QIDO-RS) and pacs.retrieve (C-GET) into the archive', async () => {
    const echoed = await call(handlers, 'pacs.echo', { pacs: 'Test PACS' });
    expect(echoed.elapsedMs).toBeGreaterThanOrEqual(0);
    const found = await call(handlers, 'pacs.findStudies', { pacs: 'Test PACS', query: {} });
    expect(found.studies.map((study) => study.studyInstanceUid)).toContain(GE_STUDY);
    const web = await call(handlers, 'pacs.findStudies', { pacs: 'Test PACS', query: { studyInstanceUid: GE_STUDY }, via: 'dicomweb' });
    expect(web.studies.map((study) => study.studyInstanceUid)).toEqual([GE_STUDY]);
    expect((await failure(handlers, 'pacs.findStudies', { pacs: 'Test PACS', query: { studyDateFrom: '2020-01-01' } })).code).toBe('bad-request');
    const pushed: string[] = [];
    const onProgress = (event: { jobId: string; remaining: number; stored: number }) => pushed.push(`progress ${event.jobId} ${event.stored}/${event.remaining}`);
    const onDone = (event: { jobId: string; summary?: { status: string } }) => pushed.push(`done ${event.jobId} ${event.summary?.status}`);
    services.events.on('retrieve.progress', onProgress).on('retrieve.done', onDone);
    const retrieved = await call(handlers, 'pacs.retrieve', { pacs: 'Test PACS', studyInstanceUid: GE_STUDY, jobId: 'job-1' });
    services.events.off('retrieve.progress', onProgress).off('retrieve.done', onDone);
    expect(retrieved).toMatchObject({ method: 'C-GET', status: 'done', stored: 5 });
    // Progress is pushed while it runs, under the caller's job id, and ends with its last counts.
    expect(pushed.at(-2)).toBe('progress job-1 5/0');
    expect(pushed.at(-1)).toBe('done job-1 done');
    expect(await call(handlers, 'pacs.cancel', { jobId: 'job-1' })).toEqual({ cancelled: false });
    expect((await failure(handlers, 'pacs.cancel', { jobId: '../x' })).code).toBe('bad-request');
    const { studies } = await call(handlers, 'studies.list', {});
    expect(studies.map((study) => study.studyInstanceUid)).toEqual([GE_STUDY]);
    const actions = services.store.audit.list().map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['pacs-searched', 'pacs-retrieved']));
    // The retrieved series opens for reading; once its files are gone from the disk, opening it is
    // a load-failed error the reader can act on, not a crash.
    const { series } = await call(handlers, 'studies.series', { studyInstanceUid: GE_STUDY });
    const seriesInstanceUid = series[0].seriesInstanceUid;
    const opened = await call(handlers, 'reading.open', { studyInstanceUid: GE_STUDY, seriesInstanceUid });
    expect(opened.series.seriesInstanceUid).toBe(seriesInstanceUid);
    await call(handlers, 'reading.close', { readingId: opened.readingId });
    const folder = dirname(services.store.absolutePath(services.store.instances.listInstances(seriesInstanceUid)[0].path));
    await rm(folder, { recursive: true, force: true });
    const unloadable = await failure(handlers, 'reading.open', { studyInstanceUid: GE_STUDY, seriesInstanceUid });
    expect(unloadable.code).toBe('load-failed');
    expect(unloadable.message).not.toMatch(/\n\s+at /);
  });
});
