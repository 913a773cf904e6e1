/** Workstation accounts: SQL only (hashing, lockout and role rules live in main/auth). */
import type { ArchiveDatabase } from './archiveDatabase.js';

export interface UserRecord {
  id: number;
  username: string;
  displayName: string;
  roles: string[];
  passwordHash: string;
  mustChangePassword: boolean;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  passwordChangedAt: string;
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  roles: string;
  password_hash: string;
  must_change_password: number;
  disabled: number;
  failed_logins: number;
  locked_until: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  password_changed_at: string;
}

export interface NewUser {
  username: string;
  displayName: string;
  roles: string[];
  passwordHash: string;
  mustChangePassword: boolean;
  at: string;
  by: string;
}

export interface UserChange {
  displayName?: string;
  roles?: string[];
  disabled?: boolean;
}

function fromRow(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    roles: JSON.parse(row.roles) as string[],
    passwordHash: row.password_hash,
    mustChangePassword: row.must_change_password === 1,
    disabled: row.disabled === 1,
    failedLogins: row.failed_logins,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    passwordChangedAt: row.password_changed_at,
  };
}

export class UserRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
  }

  list(): UserRecord[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username COLLATE NOCASE').all() as UserRow[]).map(fromRow);
  }

  byId(id: number): UserRecord | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row && fromRow(row);
  }

  byUsername(username: string): UserRecord | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row && fromRow(row);
  }

  /** Inserts only when the table is empty (the first admin of a fresh install); undefined when someone was first. */
  insertFirst(user: NewUser): UserRecord | undefined {
    return this.db.transaction(() => (this.count() === 0 ? this.insert(user) : undefined)).immediate();
  }

  insert(user: NewUser): UserRecord {
    const id = this.db
      .prepare(
        `INSERT INTO users (username, display_name, roles, password_hash, must_change_password, created_at, created_by, updated_at, updated_by, password_changed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(user.username, user.displayName, JSON.stringify(user.roles), user.passwordHash, user.mustChangePassword ? 1 : 0, user.at, user.by, user.at, user.by, user.at).lastInsertRowid;
    return this.byId(Number(id))!;
  }

  update(id: number, change: UserChange, at: string, by: string): UserRecord | undefined {
    this.db
      .prepare(
        `UPDATE users SET display_name = COALESCE(?, display_name), roles = COALESCE(?, roles), disabled = COALESCE(?, disabled),
           updated_at = ?, updated_by = ? WHERE id = ?`,
      )
      .run(change.displayName ?? null, change.roles ? JSON.stringify(change.roles) : null, change.disabled === undefined ? null : change.disabled ? 1 : 0, at, by, id);
    return this.byId(id);
  }

  setPassword(id: number, passwordHash: string, mustChange: boolean, at: string, by: string): void {
    this.db
      .prepare(
        `UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = NULL,
           password_changed_at = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
      )
      .run(passwordHash, mustChange ? 1 : 0, at, at, by, id);
  }

  /** One more failure in a row, counted in SQL so guesses sent at the same moment all count; answers the new count. */
  addFailedLogin(id: number): number {
    return this.db.prepare('UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins').pluck().get(id) as number;
  }

  /** Locks the account until then and starts the count of failures again. */
  lockUntil(id: number, lockedUntil: string): void {
    this.db.prepare('UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?').run(lockedUntil, id);
  }

  clearFailedLogins(id: number): void {
    this.db.prepare('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(id);
  }
}
