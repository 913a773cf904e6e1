/** Page object: the worklist. */
import type { Locator, Page } from 'playwright-core';

export class WorklistPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('worklist');
  }

  get rows(): Locator {
    return this.page.getByTestId('study-row');
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url);
    await this.root.waitFor();
  }

  async search(text: string): Promise<void> {
    await this.page.getByTestId('worklist-search').fill(text);
  }

  async open(index = 0): Promise<void> {
    await this.rows.nth(index).getByTestId('open-study').click();
  }
}
