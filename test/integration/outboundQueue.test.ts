/**
 * The outbound queue against a real Orthanc: objects delivered byte for byte; a PACS that is down
 * and comes back; the app killed (SIGKILL) while sending, in a child process, and restarted on the
 * same archive; the same object twice; a PACS that refuses. Between the queue and Orthanc sits a
 * TCP port the test switches (closed, hung, relaying, losing the PACS's answers).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openArchiveDatabase, type ArchiveDatabase } from '../../db/archiveDatabase.js';
import { AuditRepository } from '../../db/auditRepository.js';
import type { OutboundItem } from '../../db/outboundRepository.js';
import { readArchiveHeader } from '../../main/archive/archiveHeader.js';
import { dataSetOffset } from '../../main/dimse/part10File.js';
import { OutboundQueue } from '../../main/outbound/outboundQueue.js';
import { freePort, startOrthanc, type RunningOrthanc } from '../support/orthanc.js';
import { haveTool, projectRoot } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';
import { IMPLICIT_VR_LITTLE_ENDIAN, makeComprehensiveSr, makeEncapsulatedPdf, makeSecondaryCapture, type TestObject } from './fixtures/outboundObjects.js';
import { PacsPort } from './fixtures/pacsPort.js';

const CHILD = join(projectRoot, 'test', 'integration', 'fixtures', 'outboundQueueChild.ts');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** The data set without the meta group: Orthanc writes its own meta information. */
const dataSetSha256 = (bytes: Uint8Array) => sha256(bytes.subarray(dataSetOffset(bytes)));

async function instanceCount(orthanc: RunningOrthanc, sopInstanceUid: string): Promise<number> {
  const response = await fetch(`${orthanc.url}/tools/find`, { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: sopInstanceUid } }) });
  return ((await response.json()) as string[]).length;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function canConnect(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

/**
 * dcmjs writes sequences with undefined length; Orthanc (DCMTK) stores those re-encoded with
 * explicit lengths. Objects written the way DCMTK writes them are stored unchanged, so the bytes
 * Orthanc holds can be compared with the bytes queued.
 */
async function asDcmtkWrites(object: TestObject, dir: string): Promise<TestObject> {
  const input = join(dir, `${object.sopInstanceUid}.in.dcm`);
  const output = join(dir, `${object.sopInstanceUid}.dcm`);
  await writeFile(input, object.bytes);
  execFileSync('dcmconv', [input, output]);
  return { ...object, bytes: new Uint8Array(await readFile(output)) };
}

describe.skipIf(!haveTool('Orthanc') || !haveTool('dcmconv'))('outbound queue to a real Orthanc', () => {
  let orthanc: RunningOrthanc;
  let temp: { dir: string; remove: () => Promise<void> };
  let db: ArchiveDatabase | undefined;
  let queue: OutboundQueue | undefined;
  let pacsPort: PacsPort | undefined;

  const destination = (port: number, overrides: Partial<{ callingAeTitle: string; timeoutMs: number }> = {}) => ({
    name: 'MAIN',
    aeTitle: orthanc.aeTitle,
    host: '127.0.0.1',
    port,
    callingAeTitle: 'CACWS',
    timeoutMs: 5_000,
    ...overrides,
  });
  const openQueue = (options: ConstructorParameters<typeof OutboundQueue>[2] = {}) => {
    db ??= openArchiveDatabase(join(temp.dir, 'archive.sqlite'));
    queue = new OutboundQueue(db, temp.dir, options);
    return queue;
  };
  const waitFor = (target: OutboundQueue, predicate: (item: OutboundItem) => boolean, what: string) => until(what, () => target.list().find(predicate));

  beforeAll(async () => {
    orthanc = await startOrthanc();
  });
  afterAll(async () => {
    await orthanc?.stop();
  });
  beforeEach(async () => {
    temp = await makeTempDir('outbound-it');
  });
  afterEach(async () => {
    await queue?.stop();
    queue = undefined;
    db?.close();
    db = undefined;
    await pacsPort?.close();
    pacsPort = undefined;
    await temp.remove();
  });

  it("delivers a report's objects on one association, byte for byte, in their own transfer syntaxes", async () => {
    const sr = await asDcmtkWrites(makeComprehensiveSr(), temp.dir);
    const sc = makeSecondaryCapture({ studyInstanceUid: sr.studyInstanceUid, transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN });
    const pdf = await asDcmtkWrites(makeEncapsulatedPdf({ studyInstanceUid: sr.studyInstanceUid }), temp.dir);
    const outbound = openQueue();
    const statuses: string[] = [];
    outbound.on('changed', (item) => statuses.push(`${item.sopInstanceUid === sr.sopInstanceUid ? 'sr' : 'sc'}:${item.status}`));
    outbound.start();
    const rows = await outbound.enqueue([sr, sc, pdf], destination(orthanc.dicomPort), { reportId: 3, reportVersion: 1 });
    for (const row of rows) await waitFor(outbound, (item) => item.id === row.id && item.status === 'sent', `${row.sopInstanceUid} sent`);

    expect(statuses.filter((status) => status.startsWith('sr'))).toEqual(['sr:queued', 'sr:sending', 'sr:sent']);
    for (const object of [sr, sc, pdf]) {
      const held = await orthanc.instanceFile(object.sopInstanceUid);
      expect(dataSetSha256(held)).toBe(dataSetSha256(object.bytes));
      expect(readArchiveHeader(held, 'from Orthanc').transferSyntaxUid).toBe(readArchiveHeader(object.bytes, 'queued').transferSyntaxUid);
    }
    const sent = outbound.list({ reportId: 3 });
    expect(sent.map((item) => [item.status, item.attempts, item.lastError])).toEqual([
      ['sent', 1, null],
      ['sent', 1, null],
      ['sent', 1, null],
    ]);
    expect(sent.every((item) => item.sentAt !== null)).toBe(true);
    const audited = new AuditRepository(db!).list().filter((event) => event.action === 'report-object-sent');
    expect(audited.map((event) => event.subject).sort()).toEqual([sr.sopInstanceUid, sc.sopInstanceUid, pdf.sopInstanceUid].sort());
    // All three in the one study.
    const studies = await orthanc.getJson<string[]>('/studies');
    const study = await Promise.all(studies.map((id) => orthanc.getJson<{ MainDicomTags: { StudyInstanceUID: string }; Series: string[] }>(`/studies/${id}`)));
    expect(study.find((entry) => entry.MainDicomTags.StudyInstanceUID === sr.studyInstanceUid)?.Series).toHaveLength(3);

    // The same object again for the same PACS: no new row, nothing sent again.
    expect((await outbound.enqueue([sr], destination(orthanc.dicomPort)))[0]).toMatchObject({ id: rows[0].id, status: 'sent' });
    // Other bytes under that SOP Instance UID: refused.
    const amended = makeComprehensiveSr({ sopInstanceUid: sr.sopInstanceUid, studyInstanceUid: sr.studyInstanceUid, text: 'Agatston score 87' });
    await expect(outbound.enqueue([amended], destination(orthanc.dicomPort))).rejects.toThrow(/never sent twice as different objects/);
    expect(outbound.list()).toHaveLength(3);
    expect(await instanceCount(orthanc, sr.sopInstanceUid)).toBe(1);
    expect(dataSetSha256(await orthanc.instanceFile(sr.sopInstanceUid))).toBe(dataSetSha256(sr.bytes));
  });

  it('retries with backoff while the PACS is down and delivers once when it comes up', async () => {
    pacsPort = new PacsPort(await freePort(), orthanc.dicomPort);
    const outbound = openQueue({ backoff: { firstDelayMs: 150, factor: 2, maxDelayMs: 400 } });
    outbound.start();
    const sr = await asDcmtkWrites(makeComprehensiveSr(), temp.dir);
    const [row] = await outbound.enqueue([sr], destination(pacsPort.port));

    const down = await waitFor(outbound, (item) => item.id === row.id && item.status === 'queued' && item.attempts >= 3, 'three failed attempts');
    expect(down.lastError).toMatch(new RegExp(`^PACS MAIN at 127\\.0\\.0\\.1:${pacsPort.port} \\(AE ORTHANC\\) refused the connection: is it running, is the port right\\? \\(attempt \\d; next try in 400 ms\\)$`));
    expect(Date.parse(down.nextAttemptAt) - Date.parse(down.updatedAt)).toBe(400);

    await pacsPort.set('forward');
    const sent = await waitFor(outbound, (item) => item.id === row.id && item.status === 'sent', 'sent once the PACS is up');
    expect(sent.attempts).toBeGreaterThanOrEqual(4);
    expect(sent.lastError).toBeNull();
    expect(await instanceCount(orthanc, sr.sopInstanceUid)).toBe(1);
    expect(dataSetSha256(await orthanc.instanceFile(sr.sopInstanceUid))).toBe(dataSetSha256(sr.bytes));
  });

  /** Run the queue in its own process on this archive; resolves once `ready` saw a row change it waits for, then SIGKILLs it. */
  async function killQueueProcess(objects: TestObject[], port: number, ready: (item: OutboundItem) => Promise<boolean> | boolean): Promise<void> {
    const files: string[] = [];
    for (const object of objects) {
      const file = join(temp.dir, `${object.sopInstanceUid}.to-send.dcm`);
      await writeFile(file, object.bytes);
      files.push(file);
    }
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, temp.dir, JSON.stringify(destination(port, { timeoutMs: 60_000 })), ...files], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    try {
      const lines = createInterface({ input: child.stdout! });
      await new Promise<void>((resolve, reject) => {
        let reached = false;
        lines.on('line', (line) => {
          const message = JSON.parse(line) as OutboundItem | { enqueued: number };
          if (reached || !('status' in message)) return;
          Promise.resolve(ready(message)).then((isReady) => {
            if (isReady && !reached) {
              reached = true;
              resolve();
            }
          }, reject);
        });
        child.once('exit', (code) => reject(new Error(`the queue process exited early (code ${code}): ${stderr}`)));
        setTimeout(() => reject(new Error(`the queue process did not reach the moment to kill it within 30 s: ${stderr}`)), 30_000).unref();
      });
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
  }

  it('sends after a restart what the app was sending to a hung PACS when it was killed, once', async () => {
    pacsPort = new PacsPort(await freePort(), orthanc.dicomPort);
    await pacsPort.set('stall');
    const sr = await asDcmtkWrites(makeComprehensiveSr(), temp.dir);
    const port = pacsPort;
    // Killed once the association attempt is under way (connected, waiting for the PACS).
    await killQueueProcess([sr], port.port, (item) => item.status === 'sending' && until('the queue to connect', () => port.connections >= 1 || undefined));
    expect(pacsPort.connections).toBe(1);

    // The PACS recovers; the app starts again on the same archive.
    await pacsPort.set('forward');
    const outbound = openQueue();
    expect(outbound.list()).toMatchObject([{ sopInstanceUid: sr.sopInstanceUid, status: 'sending', attempts: 1 }]);
    expect(outbound.start()).toEqual({ requeued: 1, partialFilesRemoved: 0 });
    const sent = await waitFor(outbound, (item) => item.status === 'sent', 'sent after the restart');
    expect(sent.attempts).toBe(2);
    expect(await instanceCount(orthanc, sr.sopInstanceUid)).toBe(1);
    expect(dataSetSha256(await orthanc.instanceFile(sr.sopInstanceUid))).toBe(dataSetSha256(sr.bytes));
  });

  it('resends after a restart an object the PACS stored but never confirmed, leaving one instance in the PACS', async () => {
    pacsPort = new PacsPort(await freePort(), orthanc.dicomPort);
    await pacsPort.set('lose-answers');
    const sr = await asDcmtkWrites(makeComprehensiveSr(), temp.dir);
    const sc = makeSecondaryCapture({ studyInstanceUid: sr.studyInstanceUid });
    // C-STOREs go one after the other: Orthanc stores the first, its answer is lost, the second
    // waits. Killed then: one object in the PACS unconfirmed, one never sent.
    await killQueueProcess([sr, sc], pacsPort.port, async (item) => item.status === 'sending' && (await until('Orthanc to store the first object', async () => (await instanceCount(orthanc, sr.sopInstanceUid)) === 1 || undefined)));
    expect(await instanceCount(orthanc, sc.sopInstanceUid)).toBe(0);

    await pacsPort.set('forward');
    const outbound = openQueue();
    expect(outbound.list().map((item) => item.status)).toEqual(['sending', 'sending']);
    outbound.start();
    for (const object of [sr, sc]) {
      await waitFor(outbound, (item) => item.sopInstanceUid === object.sopInstanceUid && item.status === 'sent', `${object.sopInstanceUid} sent after the restart`);
      expect(await instanceCount(orthanc, object.sopInstanceUid)).toBe(1);
    }
    expect(dataSetSha256(await orthanc.instanceFile(sr.sopInstanceUid))).toBe(dataSetSha256(sr.bytes));
  });

  it('fails an object whose SOP class the PACS does not accept, with the reason, after three attempts', async () => {
    const outbound = openQueue({ backoff: { firstDelayMs: 50 } });
    outbound.start();
    const odd = makeSecondaryCapture({ sopClassUid: '1.2.826.0.1.3680043.9.9999.1' });
    const fine = makeComprehensiveSr();
    const [oddRow, fineRow] = await outbound.enqueue([odd, fine], destination(orthanc.dicomPort));
    const failed = await waitFor(outbound, (item) => item.id === oddRow.id && item.status === 'failed', 'the unsupported object failed');
    expect(failed.attempts).toBe(3);
    expect(failed.lastError).toBe(
      `PACS MAIN at 127.0.0.1:${orthanc.dicomPort} (AE ORTHANC) does not accept SOP class 1.2.826.0.1.3680043.9.9999.1 in explicit VR little endian from AE CACWS: ask the PACS administrator to allow this SOP class (gave up after 3 attempts; retry once it is fixed)`,
    );
    expect(outbound.get(fineRow.id)).toMatchObject({ status: 'sent', attempts: 1 });
    // No endless retries: nothing more is due.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(outbound.get(oddRow.id)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(await instanceCount(orthanc, odd.sopInstanceUid)).toBe(0);
  });

  it('fails when the PACS rejects the association for good (wrong called AE title), naming what to fix', async () => {
    const outbound = openQueue({ backoff: { firstDelayMs: 50 }, maxRefusedAttempts: 2 });
    outbound.start();
    const sr = makeComprehensiveSr();
    const [row] = await outbound.enqueue([sr], { ...destination(orthanc.dicomPort), aeTitle: 'NOT_ORTHANC' });
    const failed = await waitFor(outbound, (item) => item.id === row.id && item.status === 'failed', 'the rejected object failed');
    expect(failed.attempts).toBe(2);
    expect(failed.lastError).toBe(
      `PACS MAIN at 127.0.0.1:${orthanc.dicomPort} (AE NOT_ORTHANC) rejected the association: its AE title is not NOT_ORTHANC; check the PACS AE title in the settings (gave up after 2 attempts; retry once it is fixed)`,
    );
    expect(await instanceCount(orthanc, sr.sopInstanceUid)).toBe(0);
  });

  it('fails when the PACS does not let this workstation store (Orthanc aborts), with the reason', async () => {
    const strict = await startOrthanc({ allowUnknownCallers: false, extraConfig: { DicomAlwaysAllowStore: false } });
    try {
      const outbound = openQueue({ backoff: { firstDelayMs: 50 } });
      outbound.start();
      const sr = makeComprehensiveSr();
      const [row] = await outbound.enqueue([sr], { ...destination(strict.dicomPort), callingAeTitle: 'STRANGER' });
      const failed = await waitFor(outbound, (item) => item.id === row.id && item.status === 'failed', 'the refused object failed');
      expect(failed.attempts).toBe(3);
      expect(failed.lastError).toBe(
        `PACS MAIN at 127.0.0.1:${strict.dicomPort} (AE ORTHANC) aborted the association when asked to store: it may not allow AE STRANGER to store; check the PACS's settings for this workstation and its log (gave up after 3 attempts; retry once it is fixed)`,
      );
      expect(await instanceCount(strict, sr.sopInstanceUid)).toBe(0);
    } finally {
      await strict.stop();
    }
  });

  it.skipIf(!haveTool('storescp'))('puts on the wire exactly the bytes queued, sequences and decimal strings as written (dcmtk storescp, bit-preserving)', async () => {
    const received = join(temp.dir, 'received');
    await mkdir(received);
    const port = await freePort();
    const storescp = spawn('storescp', ['+B', '-od', received, '-aet', 'STORESCP', String(port)], { stdio: 'ignore' });
    try {
      await until('storescp to listen', () => canConnect(port));
      // As dcmjs writes them: sequences of undefined length, "0.50" decimal strings, implicit and explicit VR.
      const sr = makeComprehensiveSr();
      const implicitSr = makeComprehensiveSr({ studyInstanceUid: sr.studyInstanceUid, transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN });
      const sc = makeSecondaryCapture({ studyInstanceUid: sr.studyInstanceUid });
      const outbound = openQueue();
      outbound.start();
      const rows = await outbound.enqueue([sr, implicitSr, sc], { ...destination(port), aeTitle: 'STORESCP' });
      for (const row of rows) await waitFor(outbound, (item) => item.id === row.id && item.status === 'sent', `${row.sopInstanceUid} sent`);
      const files = await readdir(received);
      for (const object of [sr, implicitSr, sc]) {
        const file = files.find((name) => name.endsWith(object.sopInstanceUid));
        expect(file, `storescp wrote ${object.sopInstanceUid}`).toBeDefined();
        expect(dataSetSha256(new Uint8Array(await readFile(join(received, file!))))).toBe(dataSetSha256(object.bytes));
      }
    } finally {
      storescp.kill('SIGTERM');
    }
  });
});
