/** Page object: the administrator's Users view (#/users). */
import type { Locator, Page } from 'playwright-core';

export class UsersPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('users-view');
  }

  /** Through the header tab, as an administrator would; waits for users.list. */
  async open(): Promise<void> {
    await this.page.getByTestId('nav-users').click();
    await this.page.locator('[data-testid="users-view"][data-loaded="true"]').waitFor();
  }

  row(username: string): Locator {
    return this.page.getByTestId(`user-row-${username}`);
  }

  async cell(username: string, testId: 'user-username' | 'user-display-name' | 'user-roles' | 'user-status'): Promise<string> {
    return ((await this.row(username).getByTestId(testId).textContent()) ?? '').trim();
  }

  async add(user: { username: string; displayName: string; roles: string[]; password: string }): Promise<void> {
    await this.page.getByTestId('users-add').click();
    await this.page.getByTestId('users-add-username').fill(user.username);
    await this.page.getByTestId('users-add-display-name').fill(user.displayName);
    await this.page.getByTestId('users-add-password').fill(user.password);
    for (const role of user.roles) await this.page.getByTestId(`users-add-role-${role}`).check();
    await this.page.getByTestId('users-add-submit').click();
  }

  get addError(): Locator {
    return this.page.getByTestId('users-add-error');
  }

  async setRoles(username: string, roles: string[]): Promise<void> {
    await this.row(username).getByTestId('user-edit-roles').click();
    const detail = this.page.getByTestId(`user-detail-${username}`);
    for (const box of await detail.locator('input[type="checkbox"]').all()) {
      const role = ((await box.getAttribute('data-testid')) ?? '').replace('user-role-', '');
      await box.setChecked(roles.includes(role));
    }
    await detail.getByTestId('user-roles-save').click();
    // The form closes when the roles are saved (a refusal keeps it open with the error).
    await detail.getByTestId('user-roles-save').waitFor({ state: 'detached' });
  }

  /** Disable or Enable; waits until the button offers the opposite (the answer arrived). */
  async toggleDisabled(username: string): Promise<void> {
    const button = this.row(username).getByTestId('user-toggle-disabled');
    const before = ((await button.textContent()) ?? '').trim();
    await button.click();
    await this.row(username).locator(`[data-testid="user-toggle-disabled"]:text-is("${before === 'Disable' ? 'Enable' : 'Disable'}")`).waitFor();
  }

  async resetPassword(username: string, password: string): Promise<void> {
    await this.row(username).getByTestId('user-reset-password').click();
    const detail = this.page.getByTestId(`user-detail-${username}`);
    await detail.getByTestId('user-new-password').fill(password);
    await detail.getByTestId('user-password-save').click();
    await detail.getByTestId('user-password-save').waitFor({ state: 'detached' });
  }
}
