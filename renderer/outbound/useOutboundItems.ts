/**
 * Every delivery to PACS, loaded once and kept live by outbound.changed: used by the header badge
 * and the deliveries view. Events that arrive while the list is loading are laid over it (they
 * are newer than or as new as what the list says).
 */
import { useEffect, useRef, useState } from 'react';
import type { OutboundItem } from '../../main/report/reportContract.js';
import { cacClient } from '../api/cacClient.js';
import { mergeOutbound } from './deliveryStatus.js';

export interface OutboundItems {
  items: OutboundItem[] | undefined;
  error: string | undefined;
}

export function useOutboundItems(): OutboundItems {
  const [items, setItems] = useState<OutboundItem[]>();
  const [error, setError] = useState<string>();
  const early = useRef<OutboundItem[] | undefined>([]);

  useEffect(() => {
    let live = true;
    early.current = [];
    const off = cacClient.on('outbound.changed', ({ item }) => {
      if (early.current) early.current.push(item);
      else setItems((current) => mergeOutbound(current ?? [], item));
    });
    cacClient.call('outbound.list', {}).then(
      ({ items: loaded }) => {
        if (!live) return;
        const pending = early.current ?? [];
        early.current = undefined;
        setItems(pending.reduce(mergeOutbound, loaded));
        setError(undefined);
      },
      (reason: Error) => {
        if (!live) return;
        early.current = undefined;
        setItems((current) => current ?? []);
        setError(`The deliveries could not be loaded: ${reason.message}`);
      },
    );
    return () => {
      live = false;
      off();
    };
  }, []);

  // A retry's answer is not merged: its event (emitted by the queue) is the one ordered source.
  return { items, error };
}
