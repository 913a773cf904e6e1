/**
 * The scoring worker as the app uses it: a real process started from its entry, spoken to through
 * the versioned protocol. Crashes are reported and the worker comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScoringWorkerClient, ScoringWorkerError } from '../../main/worker/scoringWorkerClient.js';
import { haveSharedData, qrmInserts, qrmMassFactor, qrmPhantomDir } from '../support/sharedData.js';
import type { LoadResult } from '../../native-worker/protocol.js';

const [largeHd, mediumHd] = qrmInserts;

describe.skipIf(!haveSharedData(qrmPhantomDir))('scoring worker process', () => {
  const client = new ScoringWorkerClient();
  let loaded: LoadResult;

  beforeAll(async () => {
    const phases = new Set<string>();
    loaded = await client.request('load', { path: qrmPhantomDir, options: { massFactor: qrmMassFactor } }, (progress) => phases.add(progress.phase));
    expect([...phases].sort()).toEqual(['load', 'scan']);
  });
  afterAll(async () => client.close());

  it('loads the phantom in its own process and hands the HU volume over', () => {
    expect(client.pid).toBeGreaterThan(0);
    expect(client.pid).not.toBe(process.pid);
    expect(loaded.huType).toBe('int16');
    expect(loaded.hu.byteLength).toBe(512 * 512 * 47 * 2);
    expect(loaded.geometry.slices).toBe(47);
    expect(loaded.series.sopInstanceUids).toHaveLength(47);
    expect(loaded.lesions.lesionCount).toBeGreaterThan(7);
    expect(loaded.scores.total.agatston).toBe(0);
    expect(loaded.scores.algorithmVersion).toMatch(/^cac-scoring\//);
  });

  it('assigns, scores and undoes by message', async () => {
    const first = await client.request('assign', {
      sessionId: loaded.sessionId,
      assignment: { artery: 'LAD', point: [...largeHd.point], scope: 'lesion' },
    });
    expect(first.outcome.applied).toBe(true);
    expect(first.scores.arteries.LAD.agatston).toBeCloseTo(largeHd.agatston, 2);
    const second = await client.request('assign', {
      sessionId: loaded.sessionId,
      assignment: { artery: 'RCA', point: [...mediumHd.point], scope: 'lesion' },
    });
    expect(second.scores.total.agatston).toBeCloseTo(largeHd.agatston + mediumHd.agatston, 2);
    const undone = await client.request('undo', { sessionId: loaded.sessionId });
    expect(undone.undone?.artery).toBe('RCA');
    expect(undone.scores.arteries.RCA.agatston).toBe(0);
    const labels = await client.request('labels', { sessionId: loaded.sessionId });
    const codes = new Uint8Array(labels.labels);
    expect(codes.length).toBe(512 * 512 * 47);
    expect(codes.includes(2)).toBe(true); // LAD
    expect(codes.includes(4)).toBe(false); // RCA was undone
  });

  it('restores saved assignments when a series is reopened', async () => {
    const reopened = await client.request('load', {
      path: qrmPhantomDir,
      options: { massFactor: qrmMassFactor },
      assignments: [{ artery: 'LM', point: [...largeHd.point], scope: 'lesion' }],
    });
    expect(reopened.sessionId).toBeGreaterThan(loaded.sessionId);
    expect(reopened.replayed.map((outcome) => outcome.applied)).toEqual([true]);
    expect(reopened.scores.arteries.LM.agatston).toBeCloseTo(largeHd.agatston, 2);
    // The old session is closed: a stale click is refused, not applied to the wrong series.
    await expect(
      client.request('assign', { sessionId: loaded.sessionId, assignment: { artery: 'LAD', point: [...largeHd.point], scope: 'lesion' } }),
    ).rejects.toMatchObject({ code: 'no-session' });
    loaded = reopened;
  });

  it('rejects bad requests with a typed error and keeps serving', async () => {
    await expect(
      client.request('assign', { sessionId: loaded.sessionId, assignment: { artery: 'AORTA' as 'LM', point: [0, 0, 0], scope: 'lesion' } }),
    ).rejects.toMatchObject({ code: 'bad-request' });
    await expect(client.request('load', { path: '/nonexistent/folder', options: {} })).rejects.toMatchObject({ code: 'load-failed' });
    const score = await client.request('score', { sessionId: loaded.sessionId });
    expect(score.scores.arteries.LM.agatston).toBeCloseTo(largeHd.agatston, 2);
  });

  it('cancels a load in progress', async () => {
    const loadId = client.peekNextRequestId();
    const pending = client.request('load', { path: qrmPhantomDir, options: {} });
    const cancel = await client.request('cancel', { targetRequestId: loadId });
    expect(cancel.cancelled).toBe(true);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('reports a crash, rejects what was pending, and restarts on the next request', async () => {
    const crashes: Array<{ signal: string | null; pending: number }> = [];
    client.on('crash', (info) => crashes.push(info));
    const pid = client.pid!;
    const pending = client.request('load', { path: qrmPhantomDir, options: {} });
    process.kill(pid, 'SIGKILL');
    const error = await pending.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ScoringWorkerError);
    expect((error as ScoringWorkerError).code).toBe('worker-crashed');
    expect((error as ScoringWorkerError).message).toMatch(/killed \(SIGKILL\).*restarted/);
    expect(crashes).toEqual([{ exitCode: null, signal: 'SIGKILL', pending: 1 }]);
    const again = await client.request('load', { path: qrmPhantomDir, options: {} });
    expect(client.pid).not.toBe(pid);
    expect(again.geometry.slices).toBe(47);
  });
});

describe.skipIf(!haveSharedData(qrmPhantomDir))('scoring worker thread', () => {
  it('runs as a worker thread and hands the HU volume over in the transfer list', async () => {
    const client = new ScoringWorkerClient({ mode: 'thread' });
    try {
      const loaded = await client.request('load', { path: qrmPhantomDir, options: {} });
      expect(loaded.hu.byteLength).toBe(512 * 512 * 47 * 2);
      const view = new Int16Array(loaded.hu);
      expect(view[0]).toBe(-2048);
    } finally {
      await client.close();
    }
  });
});
