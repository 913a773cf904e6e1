import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openArchiveDatabase, readMigrations, type ArchiveDatabase } from './archiveDatabase.js';
import { OutboundRepository, type NewOutboundItem } from './outboundRepository.js';
import { makeTempDir } from '../test/support/tempDir.js';

const node = { name: 'MAIN', aeTitle: 'PACS', host: '10.0.0.2', port: 104, callingAeTitle: 'CACWS', timeoutMs: 10_000 };
const sha = (digit: string) => digit.repeat(64);
const item = (overrides: Partial<NewOutboundItem> = {}): NewOutboundItem => ({
  sopInstanceUid: '1.2.3.4.1',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.88.33',
  studyInstanceUid: '1.2.3.4',
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  destinationNode: node,
  path: 'outbound/1.2.3.4.1.dcm',
  sizeBytes: 1000,
  sha256: sha('a'),
  reportId: 7,
  reportVersion: 2,
  ...overrides,
});
const T0 = '2026-11-27T10:00:00.000Z';
const T1 = '2026-11-27T10:00:05.000Z';

describe('OutboundRepository', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let db: ArchiveDatabase;
  let outbound: OutboundRepository;

  beforeEach(async () => {
    temp = await makeTempDir('outbound-db');
    db = openArchiveDatabase(join(temp.dir, 'archive.sqlite'));
    outbound = new OutboundRepository(db);
  });
  afterEach(async () => {
    db.close();
    await temp.remove();
  });

  it('is migration 005 and keeps one row per object and destination', () => {
    expect(readMigrations().map((migration) => migration.name)).toContain('005_outbound_queue.sql');
    const first = outbound.insert(item(), T0);
    const again = outbound.insert(item(), T1);
    expect(first.created).toBe(true);
    expect(again).toEqual({ item: first.item, created: false });
    expect(first.item).toMatchObject({ status: 'queued', attempts: 0, nextAttemptAt: T0, destination: 'MAIN', destinationNode: node, reportId: 7, reportVersion: 2, sentAt: null });
    const other = outbound.insert(item({ destinationNode: { ...node, name: 'BACKUP' } }), T0);
    expect(other.created).toBe(true);
    expect(outbound.list()).toHaveLength(2);
    expect(outbound.list({ destination: 'BACKUP' }).map((row) => row.id)).toEqual([other.item.id]);
  });

  it('refuses other bytes under a SOP Instance UID already queued, for any destination (trigger)', () => {
    outbound.insert(item(), T0);
    expect(() => outbound.insert(item({ sha256: sha('b'), destinationNode: { ...node, name: 'BACKUP' } }), T0)).toThrow(/different content/);
    expect(() => db.prepare(`UPDATE outbound_items SET sha256 = ?`).run(sha('c'))).toThrow(/cannot be changed/);
    expect(outbound.sha256sOf('1.2.3.4.1')).toEqual([sha('a')]);
  });

  it('moves a row queued -> sending -> queued (retry) -> sending -> sent, each only from the state expected', () => {
    const { item: row } = outbound.insert(item(), T0);
    expect(outbound.due('2026-11-27T09:59:59.000Z')).toEqual([]);
    expect(outbound.due(T0).map((due) => due.id)).toEqual([row.id]);
    expect(outbound.markSending(row.id, T0)).toBe(true);
    expect(outbound.markSending(row.id, T0)).toBe(false);
    expect(outbound.markRetry(row.id, T0, T1, 'PACS MAIN refused the connection')).toBe(true);
    expect(outbound.get(row.id)).toMatchObject({ status: 'queued', attempts: 1, nextAttemptAt: T1, lastError: 'PACS MAIN refused the connection' });
    expect(outbound.nextDueAt()).toBe(T1);
    expect(outbound.markSent(row.id, T1, null)).toBe(false);
    outbound.markSending(row.id, T1);
    expect(outbound.markSent(row.id, T1, 'stored with a warning')).toBe(true);
    expect(outbound.get(row.id)).toMatchObject({ status: 'sent', attempts: 2, sentAt: T1, lastError: 'stored with a warning' });
    expect(outbound.nextDueAt()).toBeUndefined();
    expect(outbound.cancel(row.id, T1)).toBe(false);
  });

  it('requeues rows a crash left sending; retries failed rows; cancels queued ones', () => {
    const a = outbound.insert(item(), T0).item;
    const b = outbound.insert(item({ sopInstanceUid: '1.2.3.4.2', path: 'outbound/1.2.3.4.2.dcm' }), T0).item;
    const c = outbound.insert(item({ sopInstanceUid: '1.2.3.4.3', path: 'outbound/1.2.3.4.3.dcm' }), T0).item;
    outbound.markSending(a.id, T0);
    outbound.markSending(b.id, T0);
    outbound.markFailed(b.id, T0, 'refused');
    expect(outbound.requeueInterrupted(T1)).toEqual([a.id]);
    expect(outbound.get(a.id)).toMatchObject({ status: 'queued', attempts: 1, nextAttemptAt: T1 });
    expect(outbound.cancel(c.id, T1)).toBe(true);
    // retryNow() without an id brings back failed rows, not cancelled ones.
    expect(outbound.retryNow(T1).sort()).toEqual([a.id, b.id].sort());
    expect(outbound.get(b.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(outbound.get(c.id)!.status).toBe('cancelled');
    expect(outbound.retryNow(T1, c.id)).toEqual([c.id]);
    expect(outbound.list({ status: 'queued' })).toHaveLength(3);
  });

  it('sends a sent, failed or cancelled row again on purpose, to the PACS as it is set up now; never one on its way', () => {
    const moved = { ...node, host: '10.0.0.9', port: 11112 };
    const row = outbound.insert(item(), T0).item;
    // Queued or being sent: it is on its way already.
    expect(outbound.sendAgain(row.id, T1, moved)).toBe(false);
    outbound.markSending(row.id, T0);
    expect(outbound.sendAgain(row.id, T1, moved)).toBe(false);
    expect(() => db.prepare('UPDATE outbound_items SET destination_node = ? WHERE id = ?').run(JSON.stringify(moved), row.id)).toThrow(/changes only when it is queued again/);
    outbound.markSent(row.id, T0, 'stored with a warning');
    // Sent: the node changes only together with the move to queued (trigger), never to another destination.
    expect(() => db.prepare('UPDATE outbound_items SET destination_node = ? WHERE id = ?').run(JSON.stringify(moved), row.id)).toThrow(/changes only when it is queued again/);
    expect(() => db.prepare(`UPDATE outbound_items SET destination = 'OTHER' WHERE id = ?`).run(row.id)).toThrow(/cannot be changed/);
    expect(outbound.sendAgain(row.id, T1, { ...moved, name: 'OTHER' })).toBe(false);
    expect(outbound.sendAgain(row.id, T1, moved)).toBe(true);
    expect(outbound.get(row.id)).toMatchObject({ status: 'queued', attempts: 0, nextAttemptAt: T1, lastError: null, sentAt: null, destinationNode: moved });
    // Failed and cancelled rows too.
    outbound.markSending(row.id, T1);
    outbound.markFailed(row.id, T1, 'refused');
    expect(outbound.sendAgain(row.id, T1, node)).toBe(true);
    expect(outbound.cancel(row.id, T1)).toBe(true);
    expect(outbound.sendAgain(row.id, T1, node)).toBe(true);
    expect(outbound.get(row.id)!.destinationNode).toEqual(node);
  });

  it('retryNow points the rows it queues at their PACS as set up now, when told how', () => {
    const fixed = { ...node, port: 4242 };
    const a = outbound.insert(item(), T0).item;
    const b = outbound.insert(item({ sopInstanceUid: '1.2.3.4.2', path: 'outbound/1.2.3.4.2.dcm', destinationNode: { ...node, name: 'GONE' } }), T0).item;
    for (const row of [a, b]) {
      outbound.markSending(row.id, T0);
      outbound.markFailed(row.id, T0, 'refused the connection');
    }
    const nodeFor = (name: string) => (name === 'MAIN' ? fixed : undefined);
    expect(outbound.retryNow(T1, undefined, nodeFor).sort()).toEqual([a.id, b.id].sort());
    expect(outbound.get(a.id)!.destinationNode).toEqual(fixed);
    // A PACS no longer in the settings: the row keeps the address it was queued with.
    expect(outbound.get(b.id)!.destinationNode).toEqual({ ...node, name: 'GONE' });
  });
});
