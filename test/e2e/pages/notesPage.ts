/** Page object: a study's procedure notes form (#/procedure/<study>, left panel). */
import type { Locator, Page } from 'playwright-core';

export type YesNoField =
  | 'identityChecked'
  | 'insuranceChecked'
  | 'electrodesPlaced'
  | 'caffeineToday'
  | 'fastHeartRate'
  | 'breathHoldInstructed'
  | 'metalRemoved'
  | 'pregnancyAsked'
  | 'contrastGiven'
  | 'anxietyPresent'
  | 'scanCompleted';
export type ChoiceField = 'gatingQuality' | 'breathHoldCompliance' | 'pregnancyAnswer';
export type TextField = 'medications' | 'heartRate' | 'whatHelped' | 'timeInRoom' | 'freeText';

export class NotesPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('notes-panel');
  }

  get versions(): Locator {
    return this.root.getByTestId('notes-version');
  }

  /** Opens the study's notes and dose page from its worklist row. */
  async openFromWorklist(studyInstanceUid: string): Promise<void> {
    await this.page.locator(`[data-testid="study-row"][data-study-uid="${studyInstanceUid}"]`).getByTestId('open-procedure').click();
    await this.root.waitFor();
    // The form is usable once notes.get answered (the save button is enabled then).
    await this.page.getByTestId('notes-save').and(this.page.locator(':enabled')).waitFor({ timeout: 10_000 });
  }

  async answer(field: YesNoField, value: 'yes' | 'no' | ''): Promise<void> {
    await this.root.getByTestId(`notes-${field}`).selectOption(value);
  }

  async choose(field: ChoiceField, value: string): Promise<void> {
    await this.root.getByTestId(`notes-${field}`).selectOption(value);
  }

  async fill(field: TextField, text: string): Promise<void> {
    await this.root.getByTestId(`notes-${field}`).fill(text);
  }

  async value(field: YesNoField | ChoiceField | TextField): Promise<string> {
    return this.root.getByTestId(`notes-${field}`).inputValue();
  }

  fieldError(field: TextField | YesNoField | ChoiceField): Locator {
    return this.root.getByTestId(`notes-${field}-error`);
  }

  async save(): Promise<void> {
    await this.root.getByTestId('notes-save').click();
  }

  /** The "version n · author · time" line of the current version. */
  async current(): Promise<string> {
    return (await this.root.getByTestId('notes-current').textContent()) ?? '';
  }

  async viewVersion(version: number): Promise<string> {
    await this.root.locator(`[data-testid="notes-version"][data-version="${version}"]`).click();
    const view = this.root.locator(`[data-testid="notes-version-view"][data-version="${version}"]`);
    await view.waitFor();
    return (await view.textContent()) ?? '';
  }
}
