import { describe, expect, it } from 'vitest';
import type { OutboundItem } from '../../main/report/reportContract.js';
import {
  attentionCount,
  deliveryGroup,
  destinationsOf,
  failedIds,
  filterDeliveries,
  groupDeliveries,
  mergeOutbound,
  needsAttention,
  relativeTime,
  shortUid,
} from './deliveryStatus.js';

function item(id: number, status: OutboundItem['status'], overrides: Partial<OutboundItem> = {}): OutboundItem {
  return {
    id,
    sopInstanceUid: `1.2.3.${id}`,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.88.33',
    studyInstanceUid: '1.2.3',
    description: 'Structured report v1',
    destination: 'Hospital PACS',
    status,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    createdAt: `2026-11-27T10:00:0${id % 10}.000Z`,
    sentAt: status === 'sent' ? `2026-11-27T10:01:0${id % 10}.000Z` : null,
    reportId: 1,
    reportVersion: 1,
    ...overrides,
  };
}

describe('delivery groups and the header badge', () => {
  it('puts every status in one group; the badge counts failed and waiting, not sent or cancelled', () => {
    expect(['failed', 'queued', 'sending', 'sent', 'cancelled'].map((status) => deliveryGroup({ status: status as OutboundItem['status'] }))).toEqual([
      'failed',
      'waiting',
      'waiting',
      'sent',
      'cancelled',
    ]);
    expect(needsAttention({ status: 'sending' })).toBe(true);
    expect(needsAttention({ status: 'cancelled' })).toBe(false);
    expect(attentionCount([item(1, 'failed'), item(2, 'queued'), item(3, 'sending'), item(4, 'sent'), item(5, 'cancelled')])).toBe(3);
    expect(attentionCount([])).toBe(0);
  });

  it('orders groups failed → waiting → sent → cancelled, newest first inside, empty groups left out', () => {
    const groups = groupDeliveries([item(1, 'sent'), item(2, 'queued'), item(3, 'failed'), item(4, 'sent'), item(5, 'sending'), item(6, 'failed')]);
    expect(groups.map((group) => group.group)).toEqual(['failed', 'waiting', 'sent']);
    expect(groups.map((group) => group.items.map((entry) => entry.id))).toEqual([[6, 3], [5, 2], [4, 1]]);
    expect(groupDeliveries([])).toEqual([]);
  });

  it('filters by group and destination; lists the destinations once, sorted', () => {
    const items = [item(1, 'sent'), item(2, 'queued', { destination: 'PACS down' }), item(3, 'failed', { destination: 'PACS down' }), item(4, 'failed')];
    expect(filterDeliveries(items, { group: 'all', destination: '' }).map((entry) => entry.id)).toEqual([1, 2, 3, 4]);
    expect(filterDeliveries(items, { group: 'failed', destination: '' }).map((entry) => entry.id)).toEqual([3, 4]);
    expect(filterDeliveries(items, { group: 'failed', destination: 'PACS down' }).map((entry) => entry.id)).toEqual([3]);
    expect(filterDeliveries(items, { group: 'cancelled', destination: '' })).toEqual([]);
    expect(destinationsOf(items)).toEqual(['Hospital PACS', 'PACS down']);
    expect(failedIds(items)).toEqual([3, 4]);
  });

  it('merges a live event by id (replacing) or adds a new delivery on top', () => {
    const items = [item(1, 'queued'), item(2, 'queued')];
    const sent = item(2, 'sent', { attempts: 3 });
    const merged = mergeOutbound(items, sent);
    expect(merged.map((entry) => [entry.id, entry.status])).toEqual([
      [1, 'queued'],
      [2, 'sent'],
    ]);
    expect(items[1].status).toBe('queued'); // the old list is not changed
    expect(mergeOutbound(items, item(7, 'queued')).map((entry) => entry.id)).toEqual([7, 1, 2]);
  });
});

describe('short texts', () => {
  const now = Date.parse('2026-11-27T10:00:00.000Z');

  it('says how far a time is from now, in the future or the past', () => {
    expect(relativeTime('2026-11-27T10:00:00.400Z', now)).toBe('now');
    expect(relativeTime('2026-11-27T10:00:12.000Z', now)).toBe('in 12 s');
    expect(relativeTime('2026-11-27T09:59:55.000Z', now)).toBe('5 s ago');
    expect(relativeTime('2026-11-27T10:03:10.000Z', now)).toBe('in 3 min');
    expect(relativeTime('2026-11-27T08:00:00.000Z', now)).toBe('2 h ago');
    expect(relativeTime('2026-11-24T10:00:00.000Z', now)).toBe('3 d ago');
    expect(relativeTime('not a time', now)).toBe('not a time');
  });

  it('shortens a long UID to its root and distinctive end, leaves a short one alone', () => {
    expect(shortUid('1.2.826.0.1.3680043.8.498.12345678901234567890')).toBe('1.2.826.0.…1234567890');
    expect(shortUid('1.2.3.4')).toBe('1.2.3.4');
  });
});
