/** The header's Deliveries tab: a badge with how many deliveries are failed or still waiting, live. */
import { attentionCount } from './deliveryStatus.js';
import { useOutboundItems } from './useOutboundItems.js';

export function DeliveriesTab({ active }: { active: boolean }) {
  const { items } = useOutboundItems();
  const count = items ? attentionCount(items) : 0;
  const failed = items?.some((item) => item.status === 'failed') ?? false;
  return (
    <a
      href="#/deliveries"
      role="tab"
      data-testid="nav-deliveries"
      data-attention-count={items ? count : undefined}
      aria-selected={active}
      className={active ? 'active' : undefined}
      title={count ? `${count} report deliver${count === 1 ? 'y' : 'ies'} not at the PACS yet${failed ? ' (some failed)' : ''}` : 'Every signed report reached its PACS'}
    >
      Deliveries
      {count > 0 && (
        <span className={`deliveries-badge${failed ? ' deliveries-badge-failed' : ''}`} data-testid="nav-deliveries-badge">
          {count}
        </span>
      )}
    </a>
  );
}
