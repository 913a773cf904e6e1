/** Page object: the session screens (first admin, login, lock, password change) and the app bar's session controls. */
import type { Locator, Page } from 'playwright-core';

export class LoginPage {
  constructor(readonly page: Page) {}

  get login(): Locator {
    return this.page.getByTestId('login');
  }

  get firstAdmin(): Locator {
    return this.page.getByTestId('first-admin');
  }

  get lock(): Locator {
    return this.page.getByTestId('lock');
  }

  get changePassword(): Locator {
    return this.page.getByTestId('change-password');
  }

  /** The workspace the session screens cover or replace (present, hidden, while locked). */
  get workspace(): Locator {
    return this.page.getByTestId('workspace');
  }

  get userName(): Locator {
    return this.page.getByTestId('session-user-name');
  }

  get userRoles(): Locator {
    return this.page.getByTestId('session-user-roles');
  }

  /** The refusal shown on a session screen ("login", "lock", "first-admin", "change-password"). */
  error(screen: string): Locator {
    return this.page.getByTestId(`${screen}-error`);
  }

  async errorText(screen: string): Promise<string> {
    await this.error(screen).waitFor();
    return ((await this.error(screen).textContent()) ?? '').trim();
  }

  async createFirstAdmin(admin: { username: string; displayName: string; password: string; again?: string; roles?: string[] }): Promise<void> {
    await this.firstAdmin.waitFor();
    await this.page.getByTestId('first-admin-username').fill(admin.username);
    await this.page.getByTestId('first-admin-display-name').fill(admin.displayName);
    await this.page.getByTestId('first-admin-password').fill(admin.password);
    await this.page.getByTestId('first-admin-password-again').fill(admin.again ?? admin.password);
    for (const role of admin.roles ?? []) await this.page.getByTestId(`first-admin-role-${role}`).check();
    await this.page.getByTestId('first-admin-submit').click();
  }

  /** Fills the login form and clicks Log in (prefix "lock-other" for the lock screen's other-user form). */
  async logIn(username: string, password: string, prefix = 'login'): Promise<void> {
    await this.page.getByTestId(`${prefix}-username`).fill(username);
    await this.page.getByTestId(`${prefix}-password`).fill(password);
    await this.page.getByTestId(`${prefix}-submit`).click();
  }

  async logOut(): Promise<void> {
    await this.page.getByTestId('session-logout').click();
    await this.login.waitFor();
  }

  async lockWithButton(): Promise<void> {
    await this.page.getByTestId('session-lock').click();
    await this.lock.waitFor();
  }

  async unlock(password: string): Promise<void> {
    await this.page.getByTestId('lock-password').fill(password);
    await this.page.getByTestId('lock-unlock').click();
  }

  async setOwnPassword(current: string, next: string): Promise<void> {
    await this.changePassword.waitFor();
    await this.page.getByTestId('change-password-current').fill(current);
    await this.page.getByTestId('change-password-new').fill(next);
    await this.page.getByTestId('change-password-again').fill(next);
    await this.page.getByTestId('change-password-submit').click();
  }
}
