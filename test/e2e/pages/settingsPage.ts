/** Page object: the Settings view (#/settings), one section at a time. */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { imageVariety, screenshotDir } from '../support/workstation.js';

export type SettingsSectionId = 'session' | 'scoring' | 'dose' | 'report' | 'receiver' | 'display';

export class SettingsPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('settings-view');
  }

  /** Through the header link, as a user would; waits for settings.get. */
  async open(): Promise<void> {
    await this.page.getByTestId('nav-settings').click();
    await this.page.locator('[data-testid="settings-view"][data-loaded="true"]').waitFor();
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.page.locator('[data-testid="settings-view"][data-loaded="true"]').waitFor();
  }

  section(id: SettingsSectionId): Locator {
    return this.page.getByTestId(`settings-${id}`);
  }

  field(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  fieldError(testId: string): Locator {
    return this.page.getByTestId(`${testId}-error`);
  }

  async fill(testId: string, value: string): Promise<void> {
    await this.field(testId).fill(value);
  }

  async value(testId: string): Promise<string> {
    return this.field(testId).inputValue();
  }

  unsaved(id: SettingsSectionId): Locator {
    return this.page.getByTestId(`settings-${id}-unsaved`);
  }

  savedMark(id: SettingsSectionId): Locator {
    return this.page.getByTestId(`settings-${id}-saved`);
  }

  sectionError(id: SettingsSectionId): Locator {
    return this.page.getByTestId(`settings-${id}-error`);
  }

  /** Clicks the section's Save and waits for its answer: "saved" or the refusal. */
  async save(id: SettingsSectionId): Promise<'saved' | 'refused'> {
    const attempts = Number(await this.section(id).getAttribute('data-save-attempts'));
    await this.page.getByTestId(`settings-${id}-save`).click();
    await this.page.locator(`[data-testid="settings-${id}"][data-save-attempts="${attempts + 1}"]`).waitFor({ timeout: 10_000 });
    return (await this.savedMark(id).isVisible()) ? 'saved' : 'refused';
  }

  get levelRows(): Locator {
    return this.page.getByTestId('settings-level-row');
  }

  async addReferenceLevel(level: { name: string; match: string; ctdivolMgy: string; dlpMgyCm: string }): Promise<number> {
    await this.page.getByTestId('settings-level-add').click();
    const index = (await this.levelRows.count()) - 1;
    for (const [key, value] of Object.entries(level)) await this.fill(`settings-level-${key}-${index}`, value);
    return index;
  }

  receiverStatus(): Locator {
    return this.page.getByTestId('settings-receiver-status');
  }

  /** A screenshot of one section into .tmp/screenshots/<name>.png, checked not to be blank. */
  async screenshot(id: SettingsSectionId, name: string): Promise<{ distinctColours: number; dominantShare: number }> {
    const png = await this.section(id).screenshot({ path: join(screenshotDir, `${name}.png`) });
    return imageVariety(png);
  }
}
