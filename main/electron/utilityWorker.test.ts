/**
 * The scoring worker driven through the utilityProcess launcher, with the BUILT worker entry
 * (dist layout) and a stand-in for Electron's utilityProcess.fork: a Node child process in which a
 * shim installs process.parentPort with Electron's shapes ({ data } in, postMessage out) before the
 * worker entry loads. This exercises worker.ts's utility-process channel and the built output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePhantomSeries } from '../../test/phantom/syntheticPhantom.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { ScoringWorkerClient, ScoringWorkerError } from '../worker/scoringWorkerClient.js';
import { buildApp, PROJECT_ROOT } from './buildApp.js';
import { utilityProcessLauncher, type ForkUtilityProcess } from './utilityWorker.js';

const PARENT_PORT_SHIM = `
import { pathToFileURL } from 'node:url';
process.parentPort = {
  on: (name, listener) => { if (name === 'message') process.on('message', (message) => listener({ data: message, ports: [] })); },
  postMessage: (message) => process.send(message),
};
await import(pathToFileURL(process.argv[2]).href);
`;

/** What Electron's UtilityProcess offers main: 'message' with the message itself, 'exit' with the code. */
function standInFork(shim: string): ForkUtilityProcess {
  return ((modulePath: string) => {
    const child = fork(shim, [modulePath], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const utility = new EventEmitter() as EventEmitter & { pid?: number; postMessage(message: unknown): void; kill(): boolean };
    utility.pid = child.pid;
    utility.postMessage = (message) => void child.send(message as object);
    utility.kill = () => child.kill();
    child.on('error', () => undefined); // a send racing the kill below; the exit reports it
    child.on('message', (message) => utility.emit('message', message));
    child.on('exit', (code) => utility.emit('exit', code ?? 1));
    return utility;
  }) as unknown as ForkUtilityProcess;
}

describe('scoring worker as a utility process', () => {
  // Inside the project so the built modules resolve node_modules as in the packaged app.
  const outDir = join(PROJECT_ROOT, '.tmp', `electron-utility-build-${process.pid}`);
  let phantom: { dir: string; remove: () => Promise<void> };
  let client: ScoringWorkerClient;
  let seriesDir: string;

  beforeAll(async () => {
    const built = await buildApp(PROJECT_ROOT, outDir, { renderer: 'placeholder' });
    const shim = join(outDir, 'parent-port-shim.mjs');
    await writeFile(shim, PARENT_PORT_SHIM);
    phantom = await makeTempDir('utility-worker');
    seriesDir = join(phantom.dir, 'series');
    await mkdir(seriesDir);
    await writePhantomSeries(seriesDir, {
      rows: 64,
      columns: 64,
      pixelSpacingMm: [0.5, 0.5],
      slices: 6,
      sliceThicknessMm: 3,
      sliceIncrementMm: 3,
      backgroundHu: 40,
      noiseSdHu: 0,
      objects: [{ kind: 'box', centerMm: [10.25, 10.25, 7.5], sizeMm: [4, 4, 6], hu: 450 }],
    });
    client = new ScoringWorkerClient({ entry: built.workerEntry, launcher: utilityProcessLauncher(standInFork(shim)) });
  });

  afterAll(async () => {
    await client?.close();
    await phantom?.remove();
    await rm(outDir, { recursive: true, force: true });
  });

  it('loads a series and answers over parentPort', async () => {
    const loaded = await client.request('load', { path: seriesDir, options: {} });
    expect(client.pid).toBeGreaterThan(0);
    expect(client.pid).not.toBe(process.pid);
    expect(loaded.geometry.slices).toBe(6);
    expect(loaded.hu.byteLength).toBe(64 * 64 * 6 * 2);
    expect(loaded.lesions.lesionCount).toBeGreaterThan(0);
    await expect(client.request('load', { path: join(phantom.dir, 'missing'), options: {} })).rejects.toMatchObject({ code: 'load-failed' });
  });

  it('reports a crash and starts a fresh worker for the next request', async () => {
    const crashed = new Promise<{ pending: number }>((resolve) => client.once('crash', resolve));
    const firstPid = client.pid!;
    const pendingLoad = client.request('load', { path: seriesDir, options: {} });
    process.kill(firstPid, 'SIGKILL');
    await expect(pendingLoad).rejects.toBeInstanceOf(ScoringWorkerError);
    expect((await crashed).pending).toBe(1);
    const again = await client.request('load', { path: seriesDir, options: {} });
    expect(again.geometry.slices).toBe(6);
    expect(client.pid).not.toBe(firstPid);
  });

  it('refuses a TypeScript entry: the app runs the built worker', () => {
    const launch = utilityProcessLauncher(standInFork('unused.mjs'));
    expect(() => launch('/src/native-worker/worker.ts', { onMessage: () => undefined, onExit: () => undefined })).toThrow(/built worker/);
  });
});
