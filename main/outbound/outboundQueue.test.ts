import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { openArchiveDatabase, type ArchiveDatabase } from '../../db/archiveDatabase.js';
import type { OutboundItem } from '../../db/outboundRepository.js';
import { OutboundQueue, OutboundQueueError } from './outboundQueue.js';
import { OutboundObjectError } from './outboundObject.js';
import { makeComprehensiveSr, makeSecondaryCapture } from '../../test/integration/fixtures/outboundObjects.js';
import { startStatusScp } from '../../test/integration/fixtures/statusScp.js';
import { freePort } from '../../test/support/orthanc.js';
import { makeTempDir } from '../../test/support/tempDir.js';

/** Resolves with the first row `predicate` accepts, from the 'changed' events. */
function waitForItem(queue: OutboundQueue, predicate: (item: OutboundItem) => boolean, timeoutMs = 20_000): Promise<OutboundItem> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching outbound row within ${timeoutMs} ms: ${JSON.stringify(queue.list())}`)), timeoutMs);
    const listener = (item: OutboundItem) => {
      if (!predicate(item)) return;
      clearTimeout(timer);
      queue.off('changed', listener);
      resolve(item);
    };
    queue.on('changed', listener);
  });
}

describe('OutboundQueue', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let db: ArchiveDatabase;
  let queue: OutboundQueue | undefined;
  let deadPort: number;
  const destination = (port: number) => ({ name: 'MAIN', aeTitle: 'ORTHANC', host: '127.0.0.1', port, callingAeTitle: 'CACWS', timeoutMs: 2_000 });

  beforeEach(async () => {
    temp = await makeTempDir('outbound-queue');
    db = openArchiveDatabase(join(temp.dir, 'archive.sqlite'));
    // A port nobody listens on: connections are refused at once.
    deadPort = await freePort();
  });
  afterEach(async () => {
    await queue?.stop();
    queue = undefined;
    db.close();
    await temp.remove();
  });

  it('keeps a durable copy of each object and one row per object and destination', async () => {
    queue = new OutboundQueue(db, temp.dir);
    const sr = makeComprehensiveSr();
    const sc = makeSecondaryCapture({ studyInstanceUid: sr.studyInstanceUid });
    const rows = await queue.enqueue([sr, sc], destination(deadPort), { reportId: 12, reportVersion: 1 });
    expect(rows.map((row) => [row.sopInstanceUid, row.sopClassUid, row.studyInstanceUid, row.status, row.reportId, row.reportVersion])).toEqual([
      [sr.sopInstanceUid, sr.sopClassUid, sr.studyInstanceUid, 'queued', 12, 1],
      [sc.sopInstanceUid, sc.sopClassUid, sr.studyInstanceUid, 'queued', 12, 1],
    ]);
    expect(rows[0].path).toBe(`outbound/${sr.sopInstanceUid}.dcm`);
    expect(Buffer.compare(await readFile(join(temp.dir, rows[0].path)), sr.bytes)).toBe(0);
    expect(rows[0].destinationNode).toEqual({ name: 'MAIN', aeTitle: 'ORTHANC', host: '127.0.0.1', port: deadPort, callingAeTitle: 'CACWS', timeoutMs: 2_000 });

    // The same object again for the same PACS: nothing new.
    const again = await queue.enqueue([sr], destination(deadPort));
    expect(again[0].id).toBe(rows[0].id);
    expect(queue.list()).toHaveLength(2);
    // For another PACS: a second row sharing the copy.
    const backup = await queue.enqueue([sr], { ...destination(deadPort), name: 'BACKUP' });
    expect(backup[0]).toMatchObject({ destination: 'BACKUP', path: rows[0].path });
  });

  it('refuses different bytes under a SOP Instance UID already queued, and leaves the queued copy alone', async () => {
    queue = new OutboundQueue(db, temp.dir);
    const sr = makeComprehensiveSr();
    await queue.enqueue([sr], destination(deadPort));
    const changed = makeComprehensiveSr({ sopInstanceUid: sr.sopInstanceUid, studyInstanceUid: sr.studyInstanceUid, text: 'Agatston score 12' });
    const refused = queue.enqueue([changed], { ...destination(deadPort), name: 'BACKUP' });
    await expect(refused).rejects.toBeInstanceOf(OutboundQueueError);
    await expect(refused).rejects.toMatchObject({ code: 'different-content', message: expect.stringMatching(/same SOP Instance UID .* different content: a DICOM object is never sent twice as different objects/) });
    await expect(queue.enqueue([sr, changed], destination(deadPort))).rejects.toMatchObject({ code: 'different-content' });
    expect(queue.list()).toHaveLength(1);
    expect(Buffer.compare(await readFile(join(temp.dir, 'outbound', `${sr.sopInstanceUid}.dcm`)), sr.bytes)).toBe(0);
  });

  it('refuses what is not a Part 10 object or not a valid PACS, queuing nothing', async () => {
    queue = new OutboundQueue(db, temp.dir);
    await expect(queue.enqueue([{ bytes: new Uint8Array(200) }], destination(deadPort))).rejects.toBeInstanceOf(OutboundObjectError);
    await expect(queue.enqueue([makeComprehensiveSr()], { ...destination(deadPort), aeTitle: 'A\\B' })).rejects.toMatchObject({
      code: 'bad-destination',
      message: expect.stringMatching(/aeTitle: an AE title uses printable ASCII characters without a backslash/),
    });
    expect(queue.list()).toEqual([]);
  });

  it('replaces a copy left by an enqueue that crashed before its commit, and removes half-written copies on start', async () => {
    queue = new OutboundQueue(db, temp.dir);
    const sr = makeComprehensiveSr();
    await mkdir(join(temp.dir, 'outbound'));
    await writeFile(join(temp.dir, 'outbound', `${sr.sopInstanceUid}.dcm`), 'half of an older attempt');
    // A temporary file of a process that died mid-write.
    await writeFile(join(temp.dir, 'outbound', `.${sr.sopInstanceUid}.dcm.999999.abcd1234.part`), 'half');
    await queue.enqueue([sr], destination(deadPort));
    expect(Buffer.compare(await readFile(join(temp.dir, 'outbound', `${sr.sopInstanceUid}.dcm`)), sr.bytes)).toBe(0);
    expect(queue.start()).toEqual({ requeued: 0, partialFilesRemoved: 1 });
    expect(await readdir(join(temp.dir, 'outbound'))).toEqual([`${sr.sopInstanceUid}.dcm`]);
  });

  it('retries a PACS that refuses connections with growing waits, saying what to check, and gives up after maxAttempts', async () => {
    queue = new OutboundQueue(db, temp.dir, { backoff: { firstDelayMs: 100, factor: 2, maxDelayMs: 1_000 }, maxAttempts: 3 });
    const seen: OutboundItem[] = [];
    queue.on('changed', (item) => seen.push(item));
    queue.start();
    const [row] = await queue.enqueue([makeComprehensiveSr()], destination(deadPort));
    const failed = await waitForItem(queue, (item) => item.id === row.id && item.status === 'failed');
    const retries = seen.filter((item) => item.status === 'queued' && item.attempts > 0);
    expect(retries.map((item) => item.attempts)).toEqual([1, 2]);
    // Waits of 100 then 200 ms after attempts 1 and 2.
    expect(retries.map((item) => Date.parse(item.nextAttemptAt) - Date.parse(item.updatedAt))).toEqual([100, 200]);
    expect(retries[0].lastError).toBe(`PACS MAIN at 127.0.0.1:${deadPort} (AE ORTHANC) refused the connection: is it running, is the port right? (attempt 1; next try in 100 ms)`);
    expect(failed.attempts).toBe(3);
    expect(failed.lastError).toMatch(/refused the connection: is it running.*\(gave up after 3 attempts; retry when the PACS is back\)$/);
    expect(queue.backoffDelayMs(10)).toBe(1_000);

    // An operator retries: queued again from attempt 0.
    await queue.stop();
    const [retried] = queue.retryNow(row.id);
    expect(retried).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('cancels a queued row (never sent) and refuses to cancel a row that is gone', async () => {
    queue = new OutboundQueue(db, temp.dir, { backoff: { firstDelayMs: 60_000 } });
    const [row] = await queue.enqueue([makeComprehensiveSr()], destination(deadPort));
    expect(queue.cancel(row.id).status).toBe('cancelled');
    queue.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(queue.get(row.id)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(() => queue!.cancel(row.id)).toThrow(/cannot be cancelled: it is already cancelled/);
    expect(() => queue!.cancel(9999)).toThrow(/there is no outbound object with id 9999/);
    expect(queue.list({ status: 'cancelled' })).toHaveLength(1);
  });

  it('fails a row whose kept copy was altered, rather than send other bytes', async () => {
    queue = new OutboundQueue(db, temp.dir);
    const sr = makeComprehensiveSr();
    const [row] = await queue.enqueue([sr], destination(deadPort));
    await writeFile(queue.filePath(row), makeComprehensiveSr({ sopInstanceUid: sr.sopInstanceUid, text: 'tampered' }).bytes);
    queue.start();
    const failed = await waitForItem(queue, (item) => item.id === row.id && item.status === 'failed');
    expect(failed.lastError).toMatch(/the copy kept for sending .* has been altered: queue the report again/);
    expect(existsSync(queue.filePath(row))).toBe(true);
  });

  it('gives up an attempt on a PACS that accepts the connection but never answers, within its timeout', async () => {
    const sockets: Socket[] = [];
    const hung = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as AddressInfo).port;
    try {
      queue = new OutboundQueue(db, temp.dir, { backoff: { firstDelayMs: 60_000 } });
      queue.start();
      const started = Date.now();
      const [row] = await queue.enqueue([makeComprehensiveSr()], { ...destination(port), timeoutMs: 500 });
      const retry = await waitForItem(queue, (item) => item.id === row.id && item.status === 'queued' && item.attempts === 1);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(retry.lastError).toMatch(new RegExp(`^PACS MAIN at 127\\.0\\.0\\.1:${port} \\(AE ORTHANC\\) accepted the connection but did not answer the association request within 0\\.5 s: is ${port} its DICOM port\\?`));
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('deletes the kept copy once every destination has the object, not before; a later send copies it again', async () => {
    const sr = makeComprehensiveSr();
    const scp = await startStatusScp(() => 0x0000);
    try {
      queue = new OutboundQueue(db, temp.dir, { backoff: { firstDelayMs: 60_000 } });
      queue.start();
      const copy = join(temp.dir, 'outbound', `${sr.sopInstanceUid}.dcm`);
      const [, down] = await Promise.all([
        waitForItem(queue, (item) => item.destination === 'MAIN' && item.status === 'sent'),
        waitForItem(queue, (item) => item.destination === 'BACKUP' && item.status === 'queued' && item.attempts === 1),
        queue.enqueue([sr], destination(scp.port)),
        queue.enqueue([sr], { ...destination(deadPort), name: 'BACKUP' }),
      ]);
      // BACKUP still waits for it: the copy stays.
      expect(down.lastError).toMatch(/refused the connection|ECONNREFUSED|cannot connect/i);
      expect(existsSync(copy)).toBe(true);
      // A cancelled row can be retried by name: its copy is kept.
      queue.cancel(down.id);
      expect(existsSync(copy)).toBe(true);

      // An object sent to its only PACS: the copy goes at once.
      const alone = makeSecondaryCapture({ studyInstanceUid: sr.studyInstanceUid });
      const aloneCopy = join(temp.dir, 'outbound', `${alone.sopInstanceUid}.dcm`);
      await Promise.all([waitForItem(queue, (item) => item.sopInstanceUid === alone.sopInstanceUid && item.status === 'sent'), queue.enqueue([alone], destination(scp.port))]);
      await expect.poll(() => existsSync(aloneCopy)).toBe(false);
      // Another PACS, later: the copy is made again (the row would fail without it), then removed.
      const [archived] = await Promise.all([
        waitForItem(queue, (item) => item.destination === 'ARCHIVE' && ['sent', 'failed'].includes(item.status)),
        queue.enqueue([alone], { ...destination(scp.port), name: 'ARCHIVE' }),
      ]);
      expect(archived).toMatchObject({ status: 'sent', lastError: null });
      await expect.poll(() => existsSync(aloneCopy)).toBe(false);
      expect(scp.received).toEqual([sr.sopInstanceUid, alone.sopInstanceUid, alone.sopInstanceUid]);

      // A crash between 'sent' and the delete leaves the copy: the next start sweeps it, and only it.
      await queue.stop();
      await writeFile(aloneCopy, alone.bytes);
      queue = new OutboundQueue(db, temp.dir);
      queue.start();
      await expect.poll(() => existsSync(aloneCopy)).toBe(false);
      expect(existsSync(copy)).toBe(true);
    } finally {
      scp.close();
    }
  });

  it('sends again on purpose what a PACS already has (its copy made anew), counting what each call queued', async () => {
    const sr = makeComprehensiveSr();
    const sc = makeSecondaryCapture({ studyInstanceUid: sr.studyInstanceUid });
    const scp = await startStatusScp(() => 0x0000);
    try {
      queue = new OutboundQueue(db, temp.dir);
      queue.start();
      const sentBoth = () =>
        Promise.all([sr, sc].map((object) => waitForItem(queue!, (item) => item.sopInstanceUid === object.sopInstanceUid && item.status === 'sent')));
      const [, first] = await Promise.all([sentBoth(), queue.queueObjects([sr, sc], destination(scp.port))]);
      expect(first.queued).toBe(2);
      await expect.poll(() => existsSync(join(temp.dir, 'outbound', `${sr.sopInstanceUid}.dcm`))).toBe(false);
      // Plain send: the PACS has them, nothing new.
      const plain = await queue.queueObjects([sr, sc], destination(scp.port));
      expect(plain.queued).toBe(0);
      expect(plain.items.map((item) => item.status)).toEqual(['sent', 'sent']);
      // Send again: both once more, same rows, attempts counted afresh.
      const [resent, again] = await Promise.all([sentBoth(), queue.queueObjects([sr, sc], destination(scp.port), {}, { again: true })]);
      expect(again.queued).toBe(2);
      expect(again.items.map((item) => item.id)).toEqual(first.items.map((item) => item.id));
      expect(resent.map((item) => [item.status, item.attempts, item.lastError])).toEqual([
        ['sent', 1, null],
        ['sent', 1, null],
      ]);
      expect(scp.received).toEqual([sr.sopInstanceUid, sc.sopInstanceUid, sr.sopInstanceUid, sc.sopInstanceUid]);
      expect(queue.list()).toHaveLength(2);
    } finally {
      scp.close();
    }
  });

  it('a retry goes to the PACS as the settings describe it now (its address fixed after the failure)', async () => {
    const sr = makeComprehensiveSr();
    const scp = await startStatusScp(() => 0x0000);
    try {
      let settingsPort = deadPort;
      queue = new OutboundQueue(db, temp.dir, { maxAttempts: 1, currentNode: (name) => (name === 'MAIN' ? destination(settingsPort) : undefined) });
      queue.start();
      const [failed] = await Promise.all([waitForItem(queue, (item) => item.status === 'failed'), queue.enqueue([sr], destination(deadPort))]);
      expect(failed.destinationNode.port).toBe(deadPort);
      // The operator corrects the port in the settings, then retries.
      settingsPort = scp.port;
      const [sent] = await Promise.all([waitForItem(queue, (item) => item.status === 'sent'), Promise.resolve(queue.retryNow(failed.id))]);
      expect(sent.destinationNode.port).toBe(scp.port);
      expect(scp.received).toEqual([sr.sopInstanceUid]);
    } finally {
      scp.close();
    }
  });

  it('counts a warning status as sent with the warning noted, and a failure status as a refusal', async () => {
    const warned = makeComprehensiveSr();
    const refused = makeSecondaryCapture({ studyInstanceUid: warned.studyInstanceUid });
    const fine = makeSecondaryCapture({ studyInstanceUid: warned.studyInstanceUid });
    const statuses = new Map([
      [warned.sopInstanceUid, 0xb000],
      [refused.sopInstanceUid, 0xa700],
    ]);
    const scp = await startStatusScp((uid) => statuses.get(uid) ?? 0x0000);
    try {
      queue = new OutboundQueue(db, temp.dir, { backoff: { firstDelayMs: 50 }, maxRefusedAttempts: 2 });
      queue.start();
      const [warnedRow, refusedRow, fineRow] = await queue.enqueue([warned, refused, fine], destination(scp.port));
      const failed = await waitForItem(queue, (item) => item.id === refusedRow.id && item.status === 'failed');
      expect(queue.get(warnedRow.id)).toMatchObject({
        status: 'sent',
        attempts: 1,
        lastError: `PACS MAIN at 127.0.0.1:${scp.port} (AE ORTHANC) stored it with a warning: it changed some attributes to fit its rules (coercion of data elements, status 0xB000)`,
      });
      expect(queue.get(fineRow.id)).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
      expect(failed.attempts).toBe(2);
      expect(failed.lastError).toMatch(/refused to store Secondary Capture \(1\.2\.840\.10008\.5\.1\.4\.1\.1\.7\) [\d.]+: it is out of resources \(status 0xA700\): its disk may be full; ask the PACS administrator, then retry \(gave up after 2 attempts/);
      // One association for the three, then one more attempt for the refused object alone.
      expect(scp.received).toEqual([warned.sopInstanceUid, refused.sopInstanceUid, fine.sopInstanceUid, refused.sopInstanceUid]);
    } finally {
      scp.close();
    }
  });
});
