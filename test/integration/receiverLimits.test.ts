/**
 * The receiver against peers that hold slots without working (issue 11): idle associations, too
 * many from one calling AE title, connections that never finish their A-ASSOCIATE-RQ (slow-loris),
 * garbage bytes and a burst of 200 connections. Real sockets on 127.0.0.1 (raw PDUs written here,
 * since dcmtk's tools cannot idle), dcmtk storescu as the real scanner, a real archive; short
 * timeouts (1 s) so every test ends by itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { ArchiveStore } from '../../main/archive/archiveStore.js';
import { ReceiverService } from '../../main/api/receiverService.js';
import { defaultSettings, mergeSettings } from '../../main/api/settings.js';
import { startDicomReceiver, type AssociationRejection, type AssociationSummary, type DicomReceiver, type ReceiverConfig } from '../../main/dimse/dicomReceiver.js';
import { freePort } from '../support/orthanc.js';
import { haveSharedData, haveTool, qrmPhantomDir } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const PDU_ASSOCIATE_AC = 0x02;
const PDU_ASSOCIATE_RJ = 0x03;
const PDU_ABORT = 0x07;

interface ToolRun {
  code: number;
  output: string;
}

function runTool(tool: string, args: string[]): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(tool, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the open file descriptors of this (test worker) process point at: sockets, pipes, files. */
function openFds(): string[] {
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return 'closed meanwhile';
    }
  });
}

/** A minimal A-ASSOCIATE-RQ (PS3.8 9.3.2): Verification in Implicit VR Little Endian. */
function associateRequest(callingAeTitle: string, calledAeTitle = 'CACWS'): Buffer {
  const item = (type: number, body: Buffer) => {
    const header = Buffer.alloc(4);
    header[0] = type;
    header.writeUInt16BE(body.length, 2);
    return Buffer.concat([header, body]);
  };
  const text = (value: string) => Buffer.from(value, 'ascii');
  const aeTitle = (value: string) => text(value.padEnd(16, ' '));
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16_384);
  const body = Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x00]),
    aeTitle(calledAeTitle),
    aeTitle(callingAeTitle),
    Buffer.alloc(32),
    item(0x10, text('1.2.840.10008.3.1.1.1')),
    item(0x20, Buffer.concat([Buffer.from([1, 0, 0, 0]), item(0x30, text('1.2.840.10008.1.1')), item(0x40, text('1.2.840.10008.1.2'))])),
    item(0x50, Buffer.concat([item(0x51, maxLength), item(0x52, text('1.2.826.0.1.3680043.9.7433.1'))])),
  ]);
  const header = Buffer.alloc(6);
  header[0] = 0x01;
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

interface RawPeer {
  socket: net.Socket;
  /** Every byte the receiver sent. */
  received(): Buffer;
  /** Resolves when the connection is closed (by either side), with the time it happened. */
  closed: Promise<number>;
  isClosed(): boolean;
}

/** A raw TCP peer; errors (a reset from the receiver) count as closing. */
function rawPeer(port: number): Promise<RawPeer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closedFlag = false;
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((done) =>
      socket.once('close', () => {
        closedFlag = true;
        done(performance.now());
      }),
    );
    const peer: RawPeer = { socket, received: () => Buffer.concat(chunks), closed, isClosed: () => closedFlag };
    socket.once('connect', () => resolve(peer));
    // A connection the receiver drops before 'connect' is reported still resolves.
    socket.once('close', () => resolve(peer));
  });
}

/** A peer that associates and then says nothing more. */
async function idlePeer(port: number, callingAeTitle: string): Promise<RawPeer> {
  const peer = await rawPeer(port);
  peer.socket.write(associateRequest(callingAeTitle));
  await waitFor('the association answer', () => peer.received().length > 0 || peer.isClosed(), 5_000);
  return peer;
}

interface Harness {
  store: ArchiveStore;
  receiver: DicomReceiver;
  logs: string[];
  rejections: AssociationRejection[];
  ends: AssociationSummary[];
  storescu(files: string[]): Promise<ToolRun>;
  instanceCount(): number;
}

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

async function startHarness(overrides: Partial<ReceiverConfig>): Promise<Harness> {
  const temp = await makeTempDir('receiver-limits');
  const store = ArchiveStore.open(join(temp.dir, 'archive'));
  await store.recover();
  const logs: string[] = [];
  const receiver = await startDicomReceiver(store, {
    aeTitle: 'CACWS',
    port: 0,
    host: '127.0.0.1',
    allowedCallingAeTitles: ['STORESCU', 'IDLER', 'FLOOD'],
    maxAssociations: 4,
    maxAssociationsPerCallingAe: 2,
    associationIdleTimeoutMs: 1_000,
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
    store,
    receiver,
    logs,
    rejections: [],
    ends: [],
    storescu: (files) => runTool('storescu', ['-aet', 'STORESCU', '-aec', 'CACWS', '127.0.0.1', String(receiver.port), ...files]),
    instanceCount: () => (store.db.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n,
  };
  receiver.on('rejected', (rejection) => harness.rejections.push(rejection));
  receiver.on('association-end', (summary) => harness.ends.push(summary));
  return harness;
}

const haveTools = haveTool('storescu') && haveTool('echoscu');
const havePhantom = haveSharedData(qrmPhantomDir);

async function phantomFiles(count: number): Promise<string[]> {
  return (await readdir(qrmPhantomDir))
    .sort()
    .slice(0, count)
    .map((name) => join(qrmPhantomDir, name));
}

describe.skipIf(!haveTools || !havePhantom)('DICOM receiver limits and timers', () => {
  it('counts associations per calling AE: a peer idling at its limit leaves room for the scanner', async () => {
    const harness = await startHarness({});
    const idlers = [await idlePeer(harness.receiver.port, 'IDLER'), await idlePeer(harness.receiver.port, 'IDLER'), await idlePeer(harness.receiver.port, 'IDLER')];
    expect(idlers.map((peer) => peer.received()[0])).toEqual([PDU_ASSOCIATE_AC, PDU_ASSOCIATE_AC, PDU_ASSOCIATE_RJ]);
    // A-ASSOCIATE-RJ: result 2 (transient), source 3 (presentation), reason 2 (local limit exceeded).
    expect([...idlers[2].received().subarray(7, 10)]).toEqual([2, 3, 2]);
    expect(harness.rejections).toEqual([expect.objectContaining({ callingAeTitle: 'IDLER', reason: 'too-many-associations-from-caller' })]);
    expect(harness.rejections[0].message).toMatch(/"IDLER" already has 2 associations open \(the limit per calling AE title is 2\)/);
    expect(harness.receiver.activeAssociations).toBe(2);

    // The scanner gets in at once, while the idle peer still holds its two slots.
    const run = await harness.storescu(await phantomFiles(2));
    expect(run.code, run.output).toBe(0);
    expect(harness.instanceCount()).toBe(2);
  });

  it('aborts idle associations after the idle timeout (A-ABORT, audited), freeing their slots for the scanner', async () => {
    const harness = await startHarness({ maxAssociationsPerCallingAe: 4 });
    const opened = performance.now();
    const idlers = await Promise.all(Array.from({ length: 4 }, () => idlePeer(harness.receiver.port, 'IDLER')));
    expect(idlers.map((peer) => peer.received()[0])).toEqual(Array(4).fill(PDU_ASSOCIATE_AC));
    expect(harness.receiver.activeAssociations).toBe(4);

    // Every slot is taken: the scanner is refused as transient (it would retry).
    const refused = await harness.storescu(await phantomFiles(1));
    expect(refused.code).not.toBe(0);
    expect(harness.rejections.at(-1)).toMatchObject({ callingAeTitle: 'STORESCU', reason: 'too-many-associations' });

    const closedAt = await Promise.all(idlers.map((peer) => peer.closed));
    for (const [index, peer] of idlers.entries()) {
      const bytes = peer.received();
      // A-ASSOCIATE-AC, then A-ABORT from the service provider (source 2), reason not specified.
      const abort = bytes.subarray(bytes.length - 10);
      expect([...abort]).toEqual([PDU_ABORT, 0, 0, 0, 0, 4, 0, 0, 2, 0]);
      const seconds = (closedAt[index] - opened) / 1000;
      expect(seconds).toBeGreaterThanOrEqual(0.9);
      expect(seconds).toBeLessThan(4);
    }
    await waitFor('the slots to be freed', () => harness.receiver.activeAssociations === 0, 5_000);
    await waitFor('the four ends', () => harness.ends.length === 4);
    expect(harness.ends.map((end) => end.ending)).toEqual(Array(4).fill('timed-out'));
    expect(harness.logs.filter((line) => /no PDU for 1 s: association \d+ aborted \(A-ABORT\) and its slot freed/.test(line))).toHaveLength(4);
    const audited = harness.store.audit.search({ action: 'receive-timed-out', limit: 10, offset: 0 }).events;
    expect(audited).toHaveLength(4);
    expect(audited[0]).toMatchObject({ outcome: 'failure', details: { callingAeTitle: 'IDLER', peerAddress: '127.0.0.1' } });

    const run = await harness.storescu(await phantomFiles(3));
    expect(run.code, run.output).toBe(0);
    expect(harness.instanceCount()).toBe(3);
  });

  it('closes a connection that trickles its association request (slow-loris) or sends nothing, within the timeout', async () => {
    const harness = await startHarness({});
    const started = performance.now();
    const silent = await rawPeer(harness.receiver.port);
    const trickler = await rawPeer(harness.receiver.port);
    const request = associateRequest('IDLER');
    // One byte every 100 ms: bytes keep coming, the request never completes within the timeout.
    let sent = 0;
    const trickle = setInterval(() => {
      if (!trickler.socket.destroyed && sent < request.length - 1) trickler.socket.write(request.subarray(sent, ++sent));
    }, 100);
    try {
      const [silentAt, tricklerAt] = await Promise.all([silent.closed, trickler.closed]);
      for (const at of [silentAt, tricklerAt]) {
        expect((at - started) / 1000).toBeGreaterThanOrEqual(0.9);
        expect((at - started) / 1000).toBeLessThan(3);
      }
    } finally {
      clearInterval(trickle);
    }
    expect(silent.received().length).toBe(0);
    expect(trickler.received().length).toBe(0);
    expect(harness.logs.filter((line) => /sent no complete association request within 1 s: closed/.test(line))).toHaveLength(2);
    expect(harness.ends).toHaveLength(0);
    await waitFor('the connections to be gone', () => harness.receiver.openConnections === 0, 5_000);
  });

  it('survives 200 simultaneous connections of garbage, slow-loris and surplus associations: serves the scanner and leaks no file descriptors', async () => {
    const harness = await startHarness({});
    const files = await phantomFiles(3);
    const port = harness.receiver.port;
    // Warm up (the archive's writer threads start on first use, one per core), so the baseline
    // counts only what lasts.
    expect((await harness.storescu(files.slice(0, 2))).code).toBe(0);
    await waitFor('the warm-up association to end', () => harness.receiver.openConnections === 0);
    const fdsBefore = openFds();

    // A seeded generator: the same garbage every run.
    let seed = 0x2545f491;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const kinds = ['garbage', 'slow-loris', 'association'] as const;
    const peers = await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const kind = kinds[index % 3];
        const peer = await rawPeer(port);
        if (peer.isClosed()) return { kind, peer };
        if (kind === 'garbage') peer.socket.write(Buffer.from(Array.from({ length: 64 + Math.floor(random() * 4000) }, () => Math.floor(random() * 256))));
        if (kind === 'slow-loris') peer.socket.write(associateRequest('FLOOD').subarray(0, 20));
        if (kind === 'association') peer.socket.write(associateRequest('FLOOD'));
        return { kind, peer };
      }),
    );
    // Beyond the connection limit the oldest connection without an association makes room (the
    // receiver accepts the burst a little after the peers see their connections established).
    const droppedCount = () => harness.logs.filter((line) => /dropped to make room/.test(line)).length;
    await waitFor('connections dropped to make room', () => droppedCount() > 0, 5_000);
    // While what is left of the burst still holds connections, the scanner is served.
    const during = await harness.storescu(files);
    expect(during.code, during.output).toBe(0);
    expect(harness.instanceCount()).toBe(3);

    // Everything the burst opened is closed by the receiver on its own (timers, limits, protocol).
    await Promise.all(peers.map(({ peer }) => peer.closed));
    await waitFor('the receiver to hold no connection', () => harness.receiver.openConnections === 0, 10_000);
    const accepted = peers.filter(({ peer }) => peer.received()[0] === PDU_ASSOCIATE_AC).length;
    expect(accepted).toBeGreaterThan(0);
    expect(harness.ends.filter((end) => end.callingAeTitle === 'FLOOD').length).toBe(accepted);
    // Never more than the per-AE limit at once: the FLOOD rejections name it (or the total).
    expect(harness.rejections.every((rejection) => rejection.reason.startsWith('too-many-associations'))).toBe(true);
    expect(harness.rejections.some((rejection) => rejection.reason === 'too-many-associations-from-caller')).toBe(true);

    // Still working afterwards.
    const after = await harness.storescu(files);
    expect(after.code, after.output).toBe(0);
    await waitFor('the last association to end', () => harness.receiver.openConnections === 0);
    for (const { peer } of peers) peer.socket.destroy();
    await sleep(100);
    await waitFor(`file descriptors back to ${fdsBefore.length}`, () => openFds().length <= fdsBefore.length, 10_000).catch((error: Error) => {
      const left = openFds().filter((target) => !fdsBefore.includes(target));
      throw new Error(`${error.message}; still open: ${left.join(', ')}`);
    });
    console.info(`receiver limits: ${peers.length} connections, ${accepted} associations accepted, ${harness.rejections.length} rejected, ${droppedCount()} dropped for room, file descriptors ${fdsBefore.length} before and ${openFds().length} after`);
  });
});

describe('receiver settings: idle timeout and associations per calling AE', () => {
  it('default to 30 s and 2, refuse values out of range, and reach the running receiver', async () => {
    const defaults = defaultSettings().receiver;
    expect(defaults).toMatchObject({ idleTimeoutSeconds: 30, maxAssociationsPerCallingAe: 2 });
    for (const receiver of [{ idleTimeoutSeconds: 0 }, { idleTimeoutSeconds: 601 }, { idleTimeoutSeconds: 1.5 }, { maxAssociationsPerCallingAe: 0 }, { maxAssociationsPerCallingAe: 65 }]) {
      const merged = mergeSettings(defaultSettings(), { receiver });
      expect('problems' in merged && merged.problems.join(' '), JSON.stringify(receiver)).toMatch(/^receiver\.(idleTimeoutSeconds|maxAssociationsPerCallingAe): /);
    }
    // An older settings file without the two keys gains the defaults.
    const older = mergeSettings(defaultSettings(), { receiver: { enabled: true } });
    expect('settings' in older && older.settings.receiver).toMatchObject({ idleTimeoutSeconds: 30, maxAssociationsPerCallingAe: 2 });

    const temp = await makeTempDir('receiver-settings');
    const store = ArchiveStore.open(join(temp.dir, 'archive'));
    await store.recover();
    const service = new ReceiverService(store, { host: '127.0.0.1', log: () => undefined });
    running.push(async () => {
      await service.close();
      store.close();
      await temp.remove();
    });
    const port = await freePort();
    await service.apply({ ...defaults, enabled: true, port, allowedCallingAeTitles: [], idleTimeoutSeconds: 1, maxAssociationsPerCallingAe: 1 });
    expect(service.status()).toMatchObject({ listening: true, port });
    const opened = performance.now();
    const first = await idlePeer(port, 'IDLER');
    const second = await idlePeer(port, 'IDLER');
    expect([first.received()[0], second.received()[0]]).toEqual([PDU_ASSOCIATE_AC, PDU_ASSOCIATE_RJ]);
    const closedAt = await first.closed;
    expect(first.received()[first.received().length - 10]).toBe(PDU_ABORT);
    expect((closedAt - opened) / 1000).toBeGreaterThanOrEqual(0.9);
    expect((closedAt - opened) / 1000).toBeLessThan(4);
  });
});
