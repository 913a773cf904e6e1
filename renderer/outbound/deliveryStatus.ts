/**
 * The site-wide deliveries view as pure functions (tested without a browser): which deliveries
 * need someone's attention (the header badge), the status groups in the order a person acts on
 * them (failed, waiting, sent, cancelled), filters, live events merged into the list, and the
 * short texts for times and UIDs.
 */
import type { OutboundItem } from '../../main/report/reportContract.js';

export type DeliveryGroup = 'failed' | 'waiting' | 'sent' | 'cancelled';

/** Failed first (someone must act), then what is still on its way, then what is done. */
export const DELIVERY_GROUPS: readonly DeliveryGroup[] = ['failed', 'waiting', 'sent', 'cancelled'];

export const GROUP_TITLES: Record<DeliveryGroup, string> = {
  failed: 'Failed: retry once the PACS is back',
  waiting: 'Waiting: queued or being sent',
  sent: 'Sent',
  cancelled: 'Cancelled',
};

export function deliveryGroup(item: Pick<OutboundItem, 'status'>): DeliveryGroup {
  switch (item.status) {
    case 'failed':
      return 'failed';
    case 'queued':
    case 'sending':
      return 'waiting';
    case 'sent':
      return 'sent';
    case 'cancelled':
      return 'cancelled';
  }
}

/** Not at the PACS yet and not given up on by a person: what the header badge counts. */
export function needsAttention(item: Pick<OutboundItem, 'status'>): boolean {
  const group = deliveryGroup(item);
  return group === 'failed' || group === 'waiting';
}

export function attentionCount(items: readonly Pick<OutboundItem, 'status'>[]): number {
  return items.filter(needsAttention).length;
}

/** A live outbound.changed item applied to the list: replaced by id, or added. */
export function mergeOutbound(items: readonly OutboundItem[], item: OutboundItem): OutboundItem[] {
  const index = items.findIndex((existing) => existing.id === item.id);
  if (index < 0) return [item, ...items];
  const next = [...items];
  next[index] = item;
  return next;
}

export interface DeliveryFilter {
  /** A group, or 'all'. */
  group: DeliveryGroup | 'all';
  /** A destination name, or '' for every one. */
  destination: string;
}

export const NO_FILTER: DeliveryFilter = { group: 'all', destination: '' };

export function filterDeliveries(items: readonly OutboundItem[], filter: DeliveryFilter): OutboundItem[] {
  return items.filter((item) => (filter.group === 'all' || deliveryGroup(item) === filter.group) && (!filter.destination || item.destination === filter.destination));
}

/** Every destination in the list, sorted, for the filter. */
export function destinationsOf(items: readonly OutboundItem[]): string[] {
  return [...new Set(items.map((item) => item.destination))].sort((a, b) => a.localeCompare(b));
}

/**
 * The items in their groups, in group order (empty groups left out). Within a group the newest
 * first: the sent ones by when they were sent, the others by when they were queued.
 */
export function groupDeliveries(items: readonly OutboundItem[]): { group: DeliveryGroup; items: OutboundItem[] }[] {
  const when = (item: OutboundItem) => Date.parse(item.sentAt ?? item.createdAt) || 0;
  return DELIVERY_GROUPS.map((group) => ({
    group,
    items: items.filter((item) => deliveryGroup(item) === group).sort((a, b) => when(b) - when(a) || b.id - a.id),
  })).filter((entry) => entry.items.length > 0);
}

/** "in 12 s", "in 3 min", "5 s ago", "2 h ago", "now": how far a time is from now (ms since the epoch). */
export function relativeTime(iso: string, nowMs: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const deltaMs = at - nowMs;
  const seconds = Math.round(Math.abs(deltaMs) / 1000);
  if (seconds < 1) return 'now';
  const span =
    seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.round(seconds / 60)} min` : seconds < 48 * 3600 ? `${Math.round(seconds / 3600)} h` : `${Math.round(seconds / 86_400)} d`;
  return deltaMs > 0 ? `in ${span}` : `${span} ago`;
}

/** "1.2.826.0…4711.9": the root and the distinctive end of a long UID (the full one goes in a tooltip). */
export function shortUid(uid: string, keep = 10): string {
  if (uid.length <= keep * 2 + 1) return uid;
  return `${uid.slice(0, keep)}…${uid.slice(-keep)}`;
}

/** "Retry all failed (2)": the failed ones, which only a person's retry brings back. */
export function failedIds(items: readonly OutboundItem[]): number[] {
  return items.filter((item) => item.status === 'failed').map((item) => item.id);
}
