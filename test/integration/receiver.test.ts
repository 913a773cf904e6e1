/**
 * The DICOM receiver against the real scanner-side tools: dcmtk storescu / echoscu send to it on
 * 127.0.0.1, into a real archive (SQLite file and folder) in a temporary directory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join, relative, sep } from 'node:path';
import { ArchiveStore, type IngestOutcome } from '../../main/archive/archiveStore.js';
import { StudyCompletionWatcher } from '../../main/archive/studyCompletion.js';
import {
  startDicomReceiver,
  type AssociationRejection,
  type AssociationSummary,
  type DicomReceiver,
  type ObjectSource,
  type ReceiverConfig,
  type StoreFailure,
} from '../../main/dimse/dicomReceiver.js';
import { dataSetOffset } from '../../main/dimse/part10File.js';
import { ctRdsrDir, haveSharedData, haveTool, projectRoot, qrmPhantomDir } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

interface ToolRun {
  code: number;
  output: string;
}

function runTool(tool: string, args: string[]): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(tool, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The data set of a Part 10 file: everything after its File Meta Information group. */
function dataSetDigest(file: Uint8Array): string {
  return digest(file.subarray(dataSetOffset(file)));
}

interface Harness {
  dir: string;
  archiveDir: string;
  store: ArchiveStore;
  receiver: DicomReceiver;
  logs: string[];
  outcomes: Array<{ outcome: IngestOutcome; source: ObjectSource; at: number }>;
  failures: StoreFailure[];
  rejections: AssociationRejection[];
  ends: AssociationSummary[];
  storescu(files: string[], options?: { callingAeTitle?: string; port?: number }): Promise<ToolRun>;
  echoscu(options?: { callingAeTitle?: string; calledAeTitle?: string }): Promise<ToolRun>;
  instanceCount(): number;
}

const running: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

async function startHarness(overrides: Partial<ReceiverConfig> = {}): Promise<Harness> {
  const temp = await makeTempDir('receiver');
  const archiveDir = join(temp.dir, 'archive');
  const store = ArchiveStore.open(archiveDir);
  await store.recover();
  const logs: string[] = [];
  const receiver = await startDicomReceiver(store, {
    aeTitle: 'CACWS',
    port: 0,
    host: '127.0.0.1',
    allowedCallingAeTitles: ['STORESCU', 'ECHOSCU'],
    maxAssociations: 8,
    maxPduLength: 64 * 1024,
    maxObjectBytes: 64 * 1024 * 1024,
    log: (level, message) => logs.push(`${level}: ${message}`),
    ...overrides,
  });
  running.push(async () => {
    await receiver.close();
    store.close();
    await temp.remove();
  });
  const harness: Harness = {
    dir: temp.dir,
    archiveDir,
    store,
    receiver,
    logs,
    outcomes: [],
    failures: [],
    rejections: [],
    ends: [],
    storescu: (files, options = {}) =>
      runTool('storescu', ['-v', '-aet', options.callingAeTitle ?? 'STORESCU', '-aec', 'CACWS', '127.0.0.1', String(options.port ?? receiver.port), ...files]),
    echoscu: (options = {}) => runTool('echoscu', ['-v', '-aet', options.callingAeTitle ?? 'ECHOSCU', '-aec', options.calledAeTitle ?? 'CACWS', '127.0.0.1', String(receiver.port)]),
    instanceCount: () => (store.db.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n,
  };
  receiver.on('object', (outcome, source) => harness.outcomes.push({ outcome, source, at: performance.now() }));
  receiver.on('store-failed', (failure) => harness.failures.push(failure));
  receiver.on('rejected', (rejection) => harness.rejections.push(rejection));
  receiver.on('association-end', (summary) => harness.ends.push(summary));
  return harness;
}

/**
 * The data sets a sender put on the wire, from the bytes it sent: P-DATA-TF PDUs (PS3.8 9.3.5),
 * their PDV items' data-set fragments (message control header bit 0 clear) joined until the last.
 */
function dataSetsOnTheWire(stream: Buffer): Buffer[] {
  const dataSets: Buffer[] = [];
  let fragments: Buffer[] = [];
  for (let at = 0; at + 6 <= stream.length; ) {
    const type = stream.readUInt8(at);
    const length = stream.readUInt32BE(at + 2);
    const end = at + 6 + length;
    if (type === 0x04) {
      for (let item = at + 6; item < end; ) {
        const itemLength = stream.readUInt32BE(item);
        const control = stream.readUInt8(item + 5);
        if ((control & 0x01) === 0) {
          fragments.push(stream.subarray(item + 6, item + 4 + itemLength));
          if (control & 0x02) {
            dataSets.push(Buffer.concat(fragments));
            fragments = [];
          }
        }
        item += 4 + itemLength;
      }
    }
    at = end;
  }
  return dataSets;
}

/**
 * A TCP relay between a sender and the receiver, to drop or hold a real association at a chosen
 * point (after `cutAfterClientBytes` bytes from the sender both sides are closed mid-PDU), and to
 * see what the sender really sent.
 */
async function startRelay(targetPort: number, options: { cutAfterClientBytes?: number } = {}) {
  const clients = new Set<net.Socket>();
  const sent: Buffer[] = [];
  let held = false;
  const server = net.createServer((client) => {
    clients.add(client);
    const upstream = net.connect(targetPort, '127.0.0.1');
    let forwarded = 0;
    if (held) client.pause();
    client.on('data', (chunk) => {
      const cut = options.cutAfterClientBytes;
      if (cut !== undefined && forwarded + chunk.length >= cut) {
        upstream.write(chunk.subarray(0, cut - forwarded));
        upstream.destroy();
        client.destroy();
        return;
      }
      forwarded += chunk.length;
      sent.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      clients.delete(client);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push(async () => {
    for (const client of clients) client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Stop passing the senders' bytes on (their association stays open, idle). */
    hold: () => {
      held = true;
      for (const client of clients) client.pause();
    },
    release: () => {
      held = false;
      for (const client of clients) client.resume();
    },
    /** The data sets sent through the relay (one connection at a time), as they were on the wire. */
    dataSetsSent: () => dataSetsOnTheWire(Buffer.concat(sent)),
  };
}

const haveTools = haveTool('storescu') && haveTool('echoscu');
const havePhantom = haveSharedData(qrmPhantomDir);

async function phantomFiles(): Promise<string[]> {
  return (await readdir(qrmPhantomDir)).sort().map((name) => join(qrmPhantomDir, name));
}

describe.skipIf(!haveTools || !havePhantom)('DICOM receiver with dcmtk as the scanner', () => {
  it('receives the 47-slice phantom with every data set byte-identical, and a resend is 47 duplicates', async () => {
    const harness = await startHarness();
    const files = await phantomFiles();
    expect(files).toHaveLength(47);
    const sourceDigests = new Map<string, string>();
    let sourceBytes = 0;
    for (const file of files) {
      const bytes = new Uint8Array(await readFile(file));
      sourceBytes += bytes.length;
      sourceDigests.set(dataSetDigest(bytes), file);
    }

    const started = performance.now();
    const first = await harness.storescu(files);
    const seconds = (performance.now() - started) / 1000;
    expect(first.code, first.output).toBe(0);
    console.log(
      `receive throughput (storescu -> receiver -> archive, 47 files, ${(sourceBytes / 1e6).toFixed(1)} MB): ${seconds.toFixed(2)} s, ` +
        `${(47 / seconds).toFixed(1)} instances/s, ${(sourceBytes / 1e6 / seconds).toFixed(1)} MB/s`,
    );
    expect(harness.outcomes.map(({ outcome }) => outcome.status)).toEqual(Array(47).fill('stored'));

    const rows = harness.store.db.prepare('SELECT path, sha256, transfer_syntax_uid AS transferSyntaxUid FROM instances ORDER BY path').all() as Array<{
      path: string;
      sha256: string;
      transferSyntaxUid: string;
    }>;
    expect(rows).toHaveLength(47);
    const matched = new Set<string>();
    for (const row of rows) {
      const archived = new Uint8Array(await readFile(harness.store.absolutePath(row.path)));
      const dataSet = dataSetDigest(archived);
      expect(sourceDigests.has(dataSet), `${row.path}: its data set matches no source file byte for byte`).toBe(true);
      matched.add(dataSet);
      // The sender kept the files' own transfer syntax (no conversion on the way).
      expect(row.transferSyntaxUid).toBe(IMPLICIT_VR_LITTLE_ENDIAN);
      expect(digest(archived)).toBe(row.sha256);
    }
    expect(matched.size).toBe(47);

    const second = await harness.storescu(files);
    expect(second.code, second.output).toBe(0);
    expect(harness.outcomes.slice(47).map(({ outcome }) => outcome.status)).toEqual(Array(47).fill('duplicate'));
    const rowsAfter = harness.store.db.prepare('SELECT path, sha256, transfer_syntax_uid AS transferSyntaxUid FROM instances ORDER BY path').all();
    expect(rowsAfter).toEqual(rows);
    expect(await filesUnder(join(harness.archiveDir, 'studies'))).toHaveLength(47);

    await waitFor('both associations to end', () => harness.ends.length === 2);
    expect(harness.ends.map((end) => end.ending)).toEqual(['released', 'released']);
    const jobs = harness.store.db.prepare(`SELECT kind, source, status, files_total AS filesTotal, stored, duplicates, error FROM import_jobs ORDER BY id`).all();
    expect(jobs).toEqual([
      { kind: 'receive', source: 'C-STORE from STORESCU@127.0.0.1', status: 'done', filesTotal: 47, stored: 47, duplicates: 0, error: null },
      { kind: 'receive', source: 'C-STORE from STORESCU@127.0.0.1', status: 'done', filesTotal: 47, stored: 0, duplicates: 47, error: null },
    ]);
    expect(harness.outcomes[0].source).toMatchObject({ callingAeTitle: 'STORESCU', peerAddress: '127.0.0.1' });
  });

  it('answers C-ECHO, and rejects unknown calling AEs, AEs from the wrong address and a wrong called AE at association', async () => {
    const harness = await startHarness({ allowedCallingAeTitles: ['STORESCU', 'ECHOSCU', 'BOUND@10.9.9.9'] });
    const echo = await harness.echoscu();
    expect(echo.code, echo.output).toBe(0);

    const intruderEcho = await harness.echoscu({ callingAeTitle: 'INTRUDER' });
    expect(intruderEcho.code).not.toBe(0);
    expect(intruderEcho.output).toMatch(/Calling AE Title Not Recognized/i);
    const intruderStore = await harness.storescu((await phantomFiles()).slice(0, 2), { callingAeTitle: 'INTRUDER' });
    expect(intruderStore.code).not.toBe(0);
    const wrongAddress = await harness.echoscu({ callingAeTitle: 'BOUND' });
    expect(wrongAddress.code).not.toBe(0);
    const wrongCalled = await harness.echoscu({ calledAeTitle: 'OTHER_WS' });
    expect(wrongCalled.code).not.toBe(0);
    expect(wrongCalled.output).toMatch(/Called AE Title Not Recognized/i);

    expect(harness.rejections.map(({ callingAeTitle, peerAddress, reason }) => ({ callingAeTitle, peerAddress, reason }))).toEqual([
      { callingAeTitle: 'INTRUDER', peerAddress: '127.0.0.1', reason: 'calling-ae-not-allowed' },
      { callingAeTitle: 'INTRUDER', peerAddress: '127.0.0.1', reason: 'calling-ae-not-allowed' },
      { callingAeTitle: 'BOUND', peerAddress: '127.0.0.1', reason: 'calling-ae-not-allowed' },
      { callingAeTitle: 'ECHOSCU', peerAddress: '127.0.0.1', reason: 'called-ae-not-recognized' },
    ]);
    expect(harness.instanceCount()).toBe(0);
    expect(await filesUnder(join(harness.archiveDir, 'studies'))).toEqual([]);
    // An echo is not an import: no job rows.
    expect(harness.store.db.prepare('SELECT count(*) AS n FROM import_jobs').get()).toEqual({ n: 0 });
  });

  it('takes four simultaneous storescu associations of the same study without loss, duplicate rows or failures', async () => {
    const harness = await startHarness();
    const files = await phantomFiles();
    const runs = await Promise.all([1, 2, 3, 4].map(() => harness.storescu(files)));
    for (const run of runs) expect(run.code, run.output).toBe(0);
    expect(harness.instanceCount()).toBe(47);
    const statuses = harness.outcomes.map(({ outcome }) => outcome.status);
    expect(statuses.filter((status) => status === 'stored')).toHaveLength(47);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(141);
    expect(harness.failures).toEqual([]);
    expect(harness.logs.filter((line) => /SQLITE|error/i.test(line))).toEqual([]);
    expect(await filesUnder(join(harness.archiveDir, 'studies'))).toHaveLength(47);
    await waitFor('four associations to end', () => harness.ends.length === 4);
    expect(harness.ends.every((end) => end.ending === 'released' && end.counts.filesDone === 47)).toBe(true);
  });

  it('stores nothing of an object whose association drops mid-transfer, and keeps serving', async () => {
    const harness = await startHarness();
    const files = await phantomFiles();
    // The association request is ~12 kB; 200 kB in, the first 526 kB slice is partly sent.
    const relay = await startRelay(harness.receiver.port, { cutAfterClientBytes: 200_000 });
    // storescu's own exit code after a lost connection varies with where it notices; the receiver's side is what is tested.
    await harness.storescu(files.slice(0, 3), { port: relay.port });
    await waitFor('the dropped association to end', () => harness.ends.length === 1);
    expect(harness.ends[0]).toMatchObject({ ending: 'dropped', counts: { filesTotal: 1, filesDone: 0, stored: 0 } });
    expect(harness.outcomes).toEqual([]);
    expect(harness.instanceCount()).toBe(0);
    expect(await filesUnder(join(harness.archiveDir, 'studies'))).toEqual([]);
    expect(await filesUnder(join(harness.archiveDir, 'incoming'))).toEqual([]);
    const job = harness.store.db.prepare('SELECT status, error FROM import_jobs').get() as { status: string; error: string };
    expect(job.status).toBe('interrupted');
    expect(job.error).toMatch(/send the study again/);

    const later = await harness.storescu(files.slice(0, 2));
    expect(later.code, later.output).toBe(0);
    expect(harness.instanceCount()).toBe(2);
  });

  it.skipIf(!haveTool('dcmodify'))('quarantines an object whose SOP Instance UID contains "../", writes nothing outside the archive, keeps serving', async () => {
    const harness = await startHarness();
    const files = await phantomFiles();
    const sourceDir = join(harness.dir, 'source');
    await mkdir(sourceDir);
    const evil = join(sourceDir, 'evil.dcm');
    await copyFile(files[0], evil);
    await chmod(evil, 0o644);
    const modified = await runTool('dcmodify', ['-nb', '-m', '(0008,0018)=1.2.3/../../x', evil]);
    expect(modified.code, modified.output).toBe(0);
    const before = new Set(await filesUnder(harness.dir));

    const run = await harness.storescu([evil]);
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/CannotUnderstand/);
    expect(harness.outcomes.map(({ outcome }) => ({ status: outcome.status, code: outcome.code }))).toEqual([{ status: 'quarantined', code: 'invalid-uid' }]);
    expect(harness.outcomes[0].outcome.reason).toContain('"1.2.3/../../x", not a valid DICOM UID');
    const quarantined = harness.store.db.prepare('SELECT code, reason, stored_path AS storedPath, source FROM quarantine').all() as Array<{
      code: string;
      reason: string;
      storedPath: string;
      source: string;
    }>;
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ code: 'invalid-uid', source: 'C-STORE from STORESCU@127.0.0.1' });
    expect(quarantined[0].storedPath.startsWith('quarantine/')).toBe(true);
    // The only new file is the quarantined copy, inside the archive (besides the database and the audit chain head).
    const created = (await filesUnder(harness.dir)).filter((file) => !before.has(file)).map((file) => relative(harness.dir, file).split(sep).join('/'));
    expect(created.filter((file) => !file.startsWith('archive/archive.sqlite') && file !== 'archive/audit-head.json')).toEqual([`archive/${quarantined[0].storedPath}`]);
    expect(harness.instanceCount()).toBe(0);
    expect(harness.logs.some((line) => line.includes('quarantined') && line.includes('not a valid DICOM UID'))).toBe(true);

    const later = await harness.storescu(files.slice(0, 1));
    expect(later.code, later.output).toBe(0);
    expect(harness.instanceCount()).toBe(1);
  });

  it('with maxAssociations 1, rejects a second simultaneous association as transient', async () => {
    const harness = await startHarness({ maxAssociations: 1 });
    const files = await phantomFiles();
    const relay = await startRelay(harness.receiver.port);
    // Hold the first association open as soon as it is accepted: no bytes of its objects pass yet.
    harness.receiver.once('association', () => relay.hold());
    const first = harness.storescu(files.slice(0, 5), { port: relay.port });
    await waitFor('the first association', () => harness.receiver.activeAssociations === 1);

    const second = await harness.echoscu();
    expect(second.code).not.toBe(0);
    expect(second.output).toMatch(/Rejected Transient/i);
    expect(harness.rejections.map(({ reason }) => reason)).toEqual(['too-many-associations']);

    relay.release();
    const completed = await first;
    expect(completed.code, completed.output).toBe(0);
    expect(harness.instanceCount()).toBe(5);
    await waitFor('the first association to end', () => harness.receiver.activeAssociations === 0);
    const third = await harness.echoscu();
    expect(third.code, third.output).toBe(0);
  });

  it('refuses an object above maxObjectBytes with 0xA700 and stores nothing; smaller objects (dose SRs) still arrive', async () => {
    const harness = await startHarness({ maxObjectBytes: 100_000 });
    const files = await phantomFiles();
    const run = await harness.storescu(files.slice(0, 1));
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/OutOfResources/);
    expect(harness.failures).toHaveLength(1);
    expect(harness.failures[0]).toMatchObject({ status: 0xa700 });
    expect(harness.failures[0].reason).toMatch(/above this receiver's limit of 100000/);
    expect(harness.outcomes).toEqual([]);
    expect(harness.instanceCount()).toBe(0);
    expect(await filesUnder(join(harness.archiveDir, 'studies'))).toEqual([]);

    if (!haveSharedData(ctRdsrDir)) return;
    const doseReports = (await readdir(ctRdsrDir)).sort().map((name) => join(ctRdsrDir, name));
    const sizes = await Promise.all(doseReports.map(async (file) => (await stat(file)).size));
    expect(Math.max(...sizes)).toBeLessThan(100_000);
    // Through a relay that sees the wire: storescu re-encodes some of these files itself (sequence
    // lengths), so the reference for "byte for byte" is what it sent, not the file it read.
    const relay = await startRelay(harness.receiver.port);
    const sent = await harness.storescu(doseReports, { port: relay.port });
    expect(sent.code, sent.output).toBe(0);
    expect(harness.outcomes.map(({ outcome }) => outcome.status).every((status) => status === 'stored' || status === 'duplicate')).toBe(true);
    const classes = harness.store.db.prepare('SELECT DISTINCT sop_class_uid AS uid FROM instances ORDER BY uid').all();
    expect(classes).toEqual([{ uid: '1.2.840.10008.5.1.4.1.1.88.22' }, { uid: '1.2.840.10008.5.1.4.1.1.88.67' }]);
    const onTheWire = new Set(relay.dataSetsSent().map((dataSet) => digest(dataSet)));
    expect(onTheWire.size).toBeGreaterThan(0);
    for (const { path } of harness.store.db.prepare('SELECT path FROM instances').all() as Array<{ path: string }>) {
      expect(onTheWire.has(dataSetDigest(new Uint8Array(await readFile(harness.store.absolutePath(path))))), path).toBe(true);
    }
  });

  it('answers 0xA700 when the archive cannot write (storage failure), stores nothing, and recovers when storage is back', async () => {
    const harness = await startHarness();
    const files = await phantomFiles();
    // The archive writes every file through incoming/ first; a file in its place fails every write.
    const incoming = join(harness.archiveDir, 'incoming');
    await rm(incoming, { recursive: true });
    await writeFile(incoming, 'not a folder');
    const run = await harness.storescu(files.slice(0, 2));
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/OutOfResources/);
    // storescu halts at the first refusal by default.
    expect(harness.failures.map((failure) => failure.status)).toEqual([0xa700]);
    expect(harness.failures[0].reason).toMatch(/cannot write/);
    expect(harness.logs.some((line) => line.startsWith('error:') && line.includes('0xA700'))).toBe(true);
    expect(harness.instanceCount()).toBe(0);

    await rm(incoming);
    await mkdir(incoming);
    const later = await harness.storescu(files.slice(0, 2));
    expect(later.code, later.output).toBe(0);
    expect(harness.instanceCount()).toBe(2);
    await waitFor('both associations to end', () => harness.ends.length === 2);
    expect(harness.ends[0]).toMatchObject({ ending: 'released', refused: 1 });
    const jobs = harness.store.db.prepare('SELECT status, error FROM import_jobs ORDER BY id').all() as Array<{ status: string; error: string | null }>;
    expect(jobs[0].status).toBe('done');
    expect(jobs[0].error).toMatch(/1 object\(s\) refused, the last: .*cannot write/);
  });

  it('aborts an association whose PDU declares more than the limit, before buffering it', async () => {
    const harness = await startHarness();
    const socket = net.connect(harness.receiver.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    await new Promise((resolve) => socket.once('connect', resolve));
    // An A-ASSOCIATE-RQ header declaring 100 MB.
    const header = Buffer.from([0x01, 0x00, 0, 0, 0, 0]);
    header.writeUInt32BE(100_000_000, 2);
    socket.write(Buffer.concat([header, Buffer.alloc(1000)]));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Buffer.concat(received).subarray(0, 1)).toEqual(Buffer.from([0x07]));
    expect(harness.logs.some((line) => line.includes('declares 100000000 bytes'))).toBe(true);
    const echo = await harness.echoscu();
    expect(echo.code, echo.output).toBe(0);
  });

  it('aborts an association that goes silent past the idle timeout, and closes with open associations promptly', async () => {
    const harness = await startHarness({ associationIdleTimeoutMs: 1_500 });
    const files = await phantomFiles();
    const relay = await startRelay(harness.receiver.port);
    harness.receiver.once('association', () => relay.hold());
    const silent = harness.storescu(files.slice(0, 2), { port: relay.port });
    await waitFor('the silent association to time out', () => harness.ends.length === 1, 10_000);
    expect(harness.ends[0]).toMatchObject({ ending: 'timed-out' });
    relay.release();
    await silent;

    // Closing the receiver aborts an association in progress and finishes its import job.
    harness.receiver.once('association', () => relay.hold());
    const interrupted = harness.storescu(files.slice(0, 2), { port: relay.port });
    await waitFor('the second association', () => harness.receiver.activeAssociations === 1);
    const closing = performance.now();
    await harness.receiver.close();
    expect(performance.now() - closing).toBeLessThan(2_000);
    expect(harness.ends[1]).toMatchObject({ ending: 'receiver-closed' });
    relay.release();
    await interrupted;
    expect(harness.instanceCount()).toBe(0);
  });

    it("announces 'study-complete' once the study has been quiet for the quiet period", async () => {
    const harness = await startHarness();
    const watcher = new StudyCompletionWatcher(harness.store, { quietMs: 300, checkEveryMs: 25 });
    running.push(async () => watcher.stop());
    const completions: Array<{ studyInstanceUid: string; at: number }> = [];
    watcher.on('study-complete', (studyInstanceUid) => completions.push({ studyInstanceUid, at: performance.now() }));
    const run = await harness.storescu((await phantomFiles()).slice(0, 3));
    expect(run.code, run.output).toBe(0);
    await waitFor('study-complete', () => completions.length === 1, 5_000);
    const lastObjectAt = harness.outcomes[harness.outcomes.length - 1].at;
    expect(completions[0].studyInstanceUid).toBe(harness.outcomes[0].outcome.studyInstanceUid);
    // Quiet is counted from the row's commit, which precedes the object event by a little (more under load).
    expect(completions[0].at - lastObjectAt).toBeGreaterThanOrEqual(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(completions).toHaveLength(1);
    expect(harness.store.instances.listStudies()[0].completeAt).not.toBeNull();
  });
});

/** A free TCP port on 127.0.0.1 (for a child process that cannot be given port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe.skipIf(!haveTools || !havePhantom || !haveTool('Orthanc') || !haveTool('movescu'))('DICOM receiver as a C-MOVE destination', () => {
  it('takes the objects of a C-MOVE answered by Orthanc, tagged with the move originator', async () => {
    const harness = await startHarness({ allowedCallingAeTitles: ['ORTHANC_T'] });
    const dicomPort = await freePort();
    const config = join(harness.dir, 'orthanc.json');
    await writeFile(
      config,
      JSON.stringify({
        Name: 'receiver-test',
        StorageDirectory: join(harness.dir, 'orthanc'),
        IndexDirectory: join(harness.dir, 'orthanc'),
        DicomAet: 'ORTHANC_T',
        DicomPort: dicomPort,
        HttpPort: await freePort(),
        RemoteAccessAllowed: false,
        AuthenticationEnabled: false,
        Plugins: [],
        DicomModalities: { cacws: ['CACWS', '127.0.0.1', harness.receiver.port], mover: ['MOVER', '127.0.0.1', 104] },
      }),
    );
    const orthanc = spawn('Orthanc', [config], { stdio: 'ignore' });
    const orthancExited = new Promise((resolve) => orthanc.once('exit', resolve));
    running.push(async () => {
      orthanc.kill('SIGTERM');
      await orthancExited;
    });
    const echo = () => runTool('echoscu', ['-aec', 'ORTHANC_T', '127.0.0.1', String(dicomPort)]);
    const start = Date.now();
    while ((await echo()).code !== 0) {
      if (Date.now() - start > 20_000) throw new Error('Orthanc did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const files = (await phantomFiles()).slice(0, 3);
    const upload = await runTool('storescu', ['-aec', 'ORTHANC_T', '127.0.0.1', String(dicomPort), ...files]);
    expect(upload.code, upload.output).toBe(0);
    const studyInstanceUid = '1.2.392.200036.9116.2.6.1.3268.2051117512.1455183481.419226';
    const move = await runTool('movescu', ['-S', '-aet', 'MOVER', '-aec', 'ORTHANC_T', '-aem', 'CACWS', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyInstanceUid}`, '127.0.0.1', String(dicomPort)]);
    expect(move.code, move.output).toBe(0);
    expect(harness.outcomes.map(({ outcome }) => outcome.status)).toEqual(['stored', 'stored', 'stored']);
    expect(harness.outcomes[0].source).toMatchObject({ callingAeTitle: 'ORTHANC_T', moveOriginatorAeTitle: 'MOVER', moveOriginatorMessageId: 1 });
    expect(harness.store.instances.listSeries(studyInstanceUid)[0].instanceCount).toBe(3);
  });
});

describe.skipIf(!haveTools || !havePhantom)('cac receive', () => {
  it('receives until SIGTERM, logging each association and each completed study, then exits 0', async () => {
    const temp = await makeTempDir('receive-cli');
    running.push(temp.remove);
    const archive = join(temp.dir, 'archive');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'main/cli/cac.ts', 'receive', '--archive', archive, '--port', '0', '--host', '127.0.0.1', '--allow', 'STORESCU', '--quiet-seconds', '0.5'],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    running.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitFor('the receiver to listen', () => /receiving as CACWS on 127\.0\.0\.1:\d+/.test(output), 30_000);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(output)![1]);
    const run = await runTool('storescu', ['-aet', 'STORESCU', '-aec', 'CACWS', '127.0.0.1', String(port), ...(await phantomFiles()).slice(0, 3)]);
    expect(run.code, run.output).toBe(0);
    await waitFor('the study to complete', () => / complete \(/.test(output), 10_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/association 1 from STORESCU@127\.0\.0\.1:\d+ accepted/);
    expect(output).toMatch(/association 1 from STORESCU@127\.0\.0\.1 released; 3 object\(s\): 3 stored/);
    expect(output).toMatch(/study [\d.]+ complete \(0\.5 s without new objects\): 3 instances in 1 series/);
    expect(existsSync(join(archive, 'archive.sqlite'))).toBe(true);
  });
});
