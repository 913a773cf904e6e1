/** Page object: the audit trail view (#/audit). */
import type { Download, Locator, Page } from 'playwright-core';

export class AuditPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('audit-view');
  }

  get rows(): Locator {
    return this.root.getByTestId('audit-row');
  }

  get summary(): Locator {
    return this.root.getByTestId('audit-summary');
  }

  get chain(): Locator {
    return this.root.getByTestId('audit-chain');
  }

  async open(): Promise<void> {
    await this.page.getByTestId('nav-audit').click();
    await this.root.waitFor();
    await this.rows.first().waitFor();
  }

  /** The actions of the rows shown, newest first. */
  async actions(): Promise<string[]> {
    return this.rows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action') ?? ''));
  }

  /** Sets a filter and waits for the table to answer (the summary changes). */
  async filter(kind: 'user' | 'study' | 'from' | 'to', value: string): Promise<void> {
    await this.filterAndWait(() => this.root.getByTestId(`audit-filter-${kind}`).fill(value));
  }

  async filterAction(action: string): Promise<void> {
    await this.filterAndWait(() => this.root.getByTestId('audit-filter-action').selectOption(action).then(() => undefined));
  }

  async clearFilters(): Promise<void> {
    await this.filterAndWait(() => this.root.getByTestId('audit-filter-clear').click());
  }

  private async filterAndWait(change: () => Promise<void>): Promise<void> {
    const response = this.page.waitForResponse((answer) => answer.url().endsWith('/api/audit.list'));
    await change();
    await response;
    // The view renders the answer on the next frame.
    await this.page.waitForFunction(() => true);
  }

  /** Clicks "Verify the chain" and answers the state shown (intact or broken) and the status text. */
  async verify(): Promise<{ state: string; text: string }> {
    const answered = this.page.waitForResponse((answer) => answer.url().endsWith('/api/audit.verify'));
    await this.root.getByTestId('audit-verify').click();
    await answered;
    await this.page.locator('[data-testid="audit-chain"]:not([data-chain-state="unchecked"])').waitFor();
    await this.page.locator('[data-testid="audit-verify"]:enabled').waitFor();
    return { state: (await this.chain.getAttribute('data-chain-state')) ?? '', text: await this.root.getByTestId('audit-chain-status').innerText() };
  }

  async exportCsv(): Promise<{ fileName: string; text: string }> {
    return this.download('audit-export-csv');
  }

  async exportAtna(): Promise<{ fileName: string; text: string }> {
    return this.download('audit-export-atna');
  }

  private async download(testId: string): Promise<{ fileName: string; text: string }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.root.getByTestId(testId).click()]);
    return { fileName: download.suggestedFilename(), text: await readDownload(download) };
  }
}

async function readDownload(download: Download): Promise<string> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
