/**
 * Opening the archive database: WAL with synchronous=FULL (a committed import survives a power
 * cut), foreign keys on, and the numbered migrations in db/migrations applied in order, tracked by
 * PRAGMA user_version.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ArchiveDatabase = Database.Database;

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name, index) => {
      const version = Number(name.slice(0, 3));
      if (version !== index + 1) throw new Error(`migration ${name} is out of sequence: expected number ${index + 1}`);
      return { version, name, sql: readFileSync(join(dir, name), 'utf8') };
    });
}

export function openArchiveDatabase(file: string, migrations: Migration[] = readMigrations()): ArchiveDatabase {
  createOwnerOnly(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Another process (the command line beside the app) may hold the write lock for a moment.
  db.pragma('busy_timeout = 10000');
  migrate(db, migrations);
  return db;
}

/**
 * The database holds patient data: created 0600 before SQLite opens it, whatever the umask. SQLite
 * gives its -wal and -shm files the database file's mode, so they are owner-only too.
 */
function createOwnerOnly(file: string): void {
  if (file === ':memory:' || file === '') return;
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

export function migrate(db: ArchiveDatabase, migrations: Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.length;
  if (current > newest) {
    throw new Error(`the archive database is version ${current}, newer than this workstation (${newest}): update the workstation`);
  }
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
