/** Page object: the deliveries view (#/deliveries) and the header tab with its badge. */
import type { Locator, Page } from 'playwright-core';

export interface DeliveryRowView {
  id: number;
  status: string;
  destination: string;
  object: string;
  attempts: number;
  lastError: string;
  nextAttempt: string;
  sentAt: string;
  patient: string;
}

export class DeliveriesPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('deliveries');
  }

  get rows(): Locator {
    return this.page.getByTestId('deliveries-row');
  }

  get tab(): Locator {
    return this.page.getByTestId('nav-deliveries');
  }

  /** Opens the view from the header tab and waits for the list. */
  async open(): Promise<void> {
    await this.tab.click();
    await this.root.and(this.page.locator('[data-state="ready"]')).waitFor();
  }

  /** The badge's number: failed + waiting deliveries (0 when the badge is hidden); undefined before it loaded. */
  async attentionCount(): Promise<number | undefined> {
    const count = await this.tab.getAttribute('data-attention-count');
    return count === null ? undefined : Number(count);
  }

  async badgeText(): Promise<string | null> {
    const badge = this.page.getByTestId('nav-deliveries-badge');
    return (await badge.count()) ? badge.textContent() : null;
  }

  /** Every row as shown, top to bottom. */
  async table(): Promise<DeliveryRowView[]> {
    return this.rows.evaluateAll((rows) =>
      rows.map((row) => {
        const text = (testId: string) => (row.querySelector(`[data-testid="${testId}"]`)?.textContent ?? '').trim();
        return {
          id: Number(row.getAttribute('data-delivery-id')),
          status: row.getAttribute('data-status') ?? '',
          destination: text('deliveries-destination'),
          object: text('deliveries-object'),
          attempts: Number(text('deliveries-attempts')),
          lastError: text('deliveries-last-error'),
          nextAttempt: text('deliveries-next-attempt'),
          sentAt: text('deliveries-sent-at'),
          patient: text('deliveries-patient'),
        };
      }),
    );
  }

  row(id: number): Locator {
    return this.page.locator(`[data-testid="deliveries-row"][data-delivery-id="${id}"]`);
  }

  async retry(id: number): Promise<void> {
    await this.row(id).getByTestId('deliveries-retry').click();
  }

  async retryAllFailed(): Promise<void> {
    await this.page.getByTestId('deliveries-retry-failed').click();
  }

  async filter(status: string, destination = ''): Promise<void> {
    await this.page.getByTestId('deliveries-filter-status').selectOption(status);
    await this.page.getByTestId('deliveries-filter-destination').selectOption(destination);
  }

  /** The group titles in order (failed, waiting, sent...). */
  async groups(): Promise<string[]> {
    return this.page.locator('tbody.deliveries-group').evaluateAll((groups) => groups.map((group) => group.getAttribute('data-testid')?.replace('deliveries-group-', '') ?? ''));
  }
}
