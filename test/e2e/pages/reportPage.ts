/** Page object: the report panel of the reading view (preview, text, risk factors, sign-off, versions, delivery, settings). */
import type { Locator, Page } from 'playwright-core';
import { TEST_PASSWORD } from '../../support/accounts.js';

export type ReportTab = 'text' | 'risk' | 'versions' | 'delivery' | 'settings';

export class ReportPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('report-panel');
  }

  get preview(): Locator {
    return this.page.getByTestId('report-preview');
  }

  get status(): Locator {
    return this.page.getByTestId('report-status');
  }

  get signButton(): Locator {
    return this.page.getByTestId('report-sign');
  }

  /** Opens the report panel from the reading view's header. */
  async open(): Promise<void> {
    if ((await this.page.getByTestId('toggle-report').getAttribute('aria-pressed')) !== 'true') await this.page.getByTestId('toggle-report').click();
    await this.root.and(this.page.locator(':not([data-state="loading"])')).waitFor();
  }

  /** The panel's state: none (no report yet), draft, signed. */
  async state(): Promise<string | null> {
    return this.root.getAttribute('data-state');
  }

  async tab(tab: ReportTab): Promise<void> {
    await this.page.getByTestId(`report-tab-${tab}`).click();
  }

  async text(testId: string): Promise<string> {
    return ((await this.page.getByTestId(testId).textContent()) ?? '').trim();
  }

  /** The preview's score cell, e.g. previewScore('agatston', 'LAD'). */
  async previewScore(measure: 'agatston' | 'volume' | 'lesions', row: string): Promise<string> {
    return this.text(`report-${measure}-${row}`);
  }

  async setImpression(value: string): Promise<void> {
    await this.tab('text');
    await this.page.getByTestId('report-impression-input').fill(value);
  }

  async saveText(): Promise<void> {
    await this.page.getByTestId('report-save-text').click();
  }

  /** Fills the risk factors form (text as typed; selects by value) and saves it. */
  async enterRiskFactors(values: Record<string, string>): Promise<void> {
    await this.tab('risk');
    for (const [key, value] of Object.entries(values)) {
      const field = this.page.getByTestId(`risk-${key}`);
      if ((await field.evaluate((element) => element.tagName)) === 'SELECT') await field.selectOption(value);
      else await field.fill(value);
    }
    await this.page.getByTestId('risk-save').click();
  }

  /** Sign with the confirmation step and the signer's password typed again; answers what the confirmation said. */
  async sign(password: string = TEST_PASSWORD): Promise<string> {
    await this.signButton.click();
    const confirm = this.page.getByTestId('report-sign-confirm');
    await confirm.waitFor();
    const said = (await confirm.textContent()) ?? '';
    await this.page.getByTestId('report-sign-password').fill(password);
    await this.page.getByTestId('report-sign-confirm-button').click();
    await confirm.waitFor({ state: 'detached' });
    return said;
  }

  async amend(reason: string): Promise<void> {
    await this.page.getByTestId('report-amend').click();
    await this.page.getByTestId('report-amend-reason').fill(reason);
    await this.page.getByTestId('report-amend-start').click();
  }

  /** Versions tab: [version, status] rows, newest first. */
  async versions(): Promise<Array<[string, string]>> {
    await this.tab('versions');
    const rows = this.page.getByTestId('report-versions').locator('tbody tr');
    const out: Array<[string, string]> = [];
    for (let index = 0; index < (await rows.count()); index += 1) {
      const row = rows.nth(index);
      out.push([((await row.locator('td').first().textContent()) ?? '').trim(), (await row.getAttribute('data-status')) ?? '']);
    }
    return out;
  }

  deliveryRows(): Locator {
    return this.page.getByTestId('delivery-row');
  }
}
