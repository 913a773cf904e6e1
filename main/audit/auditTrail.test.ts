import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArchiveStore } from '../archive/archiveStore.js';
import { openArchiveDatabase, readMigrations } from '../../db/archiveDatabase.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { entryHash, GENESIS_HASH } from './auditChain.js';
import { AuditTrail, CHAIN_MISMATCH_ACTION } from './auditTrail.js';
import { AUDIT_HEAD_FILE, readChainHead } from './chainHead.js';
import { verifyAuditChain } from './verifyAuditChain.js';
import { verifyAuditChainInWorker } from './verifyInWorker.js';

const STUDY = '1.2.826.0.1.3680043.8.498.1';

describe('audit trail: hash chain, head file, tamper detection', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let root: string;
  let store: ArchiveStore;

  beforeEach(async () => {
    temp = await makeTempDir('audit');
    root = join(temp.dir, 'archive');
    store = ArchiveStore.open(root);
  });
  afterEach(async () => {
    store.close();
    await temp.remove();
  });

  const fill = (entries: number) => {
    for (let index = 1; index <= entries; index++) {
      store.audit.record({ actor: `reader ${index % 3}`, action: index % 2 ? 'reading-opened' : 'notes-saved', subject: STUDY, details: { index } });
    }
  };
  const headFile = () => join(root, AUDIT_HEAD_FILE);
  const verify = () => verifyAuditChain(store.db, headFile());

  /** A second connection to the same database FILE, triggers dropped, as a tamperer would. */
  const tamper = (sql: (db: Database.Database) => void) => {
    const other = new Database(join(root, 'archive.sqlite'));
    other.exec('DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete; DROP TRIGGER IF EXISTS audit_events_sealed_insert;');
    sql(other);
    other.close();
  };

  it('chains every entry to the one before and writes the head after each, owner-only', () => {
    fill(5);
    const rows = store.db.prepare('SELECT * FROM audit_events ORDER BY id').all() as Array<Record<string, unknown>>;
    expect(rows.map((row) => row.id)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    for (let index = 1; index < rows.length; index++) expect(rows[index].prev_hash).toBe(rows[index - 1].entry_hash);
    const third = rows[2];
    expect(third.entry_hash).toBe(
      entryHash(third.prev_hash as string, { id: 3, at: third.at as string, actor: 'reader 0', actorId: null, action: 'reading-opened', outcome: 'success', subject: STUDY, details: '{"index":3}' }),
    );
    expect(JSON.parse(readFileSync(headFile(), 'utf8'))).toEqual({ count: 5, hash: rows[4].entry_hash });
    expect(statSync(headFile()).mode & 0o777).toBe(0o600);
    expect(verify()).toEqual({ ok: true, entries: 5, head: { count: 5, hash: rows[4].entry_hash } });
  });

  it('keeps the old call signature and adds actorId and outcome', () => {
    store.audit.record({ actor: 'tester', action: 'opened-study', subject: '1.2.3' });
    const failure = store.audit.record({ actor: 'Anna Smith (asmith)', actorId: 7, action: 'login', outcome: 'failure' });
    expect(failure).toMatchObject({ id: 2, actorId: 7, outcome: 'failure', subject: null });
    expect(store.audit.list()).toMatchObject([{ action: 'login', outcome: 'failure' }, { action: 'opened-study', actorId: null, outcome: 'success' }]);
    expect(verify().ok).toBe(true);
  });

  it('the triggers refuse UPDATE, DELETE and an INSERT without hashes', () => {
    fill(3);
    expect(() => store.db.prepare("UPDATE audit_events SET actor = 'someone else' WHERE id = 2").run()).toThrow(/cannot be changed/);
    expect(() => store.db.prepare("UPDATE audit_events SET entry_hash = 'x' WHERE id = 2").run()).toThrow(/cannot be changed/);
    expect(() => store.db.prepare('DELETE FROM audit_events WHERE id = 3').run()).toThrow(/cannot be deleted/);
    expect(() => store.db.prepare("INSERT INTO audit_events (at, actor, action) VALUES ('2026-01-01', 'x', 'y')").run()).toThrow(/through the audit trail/);
    expect(verify().ok).toBe(true);
  });

  it('detects an edited entry', () => {
    fill(10);
    store.close();
    tamper((db) => db.prepare("UPDATE audit_events SET actor = 'someone else' WHERE id = 4").run());
    store = ArchiveStore.open(root);
    expect(verify()).toMatchObject({ ok: false, entries: 10, firstBroken: { id: 4, reason: 'edited' } });
  });

  it('detects an entry edited and re-hashed (the next entry still holds its original hash)', () => {
    fill(10);
    store.close();
    tamper((db) => {
      const row = db.prepare('SELECT * FROM audit_events WHERE id = 6').get() as Record<string, string | number | null>;
      const content = { id: 6, at: row.at as string, actor: 'someone else', actorId: null, action: row.action as string, outcome: 'success' as const, subject: row.subject as string, details: row.details as string };
      db.prepare('UPDATE audit_events SET actor = ?, entry_hash = ? WHERE id = 6').run('someone else', entryHash(row.prev_hash as string, content));
    });
    store = ArchiveStore.open(root);
    expect(verify().firstBroken).toMatchObject({ id: 6, reason: 'edited' });
  });

  it('detects a deleted entry', () => {
    fill(10);
    store.close();
    tamper((db) => db.prepare('DELETE FROM audit_events WHERE id = 5').run());
    store = ArchiveStore.open(root);
    const result = verify();
    expect(result).toMatchObject({ ok: false, entries: 9, firstBroken: { id: 5, reason: 'deleted' } });
    expect(result.firstBroken?.message).toMatch(/entry 5 is missing/);
  });

  it('detects an inserted entry: with made-up hashes, without hashes, and forged past the head', () => {
    fill(10);
    store.close();
    tamper((db) =>
      db.prepare("INSERT INTO audit_events (at, actor, action, subject, prev_hash, entry_hash) VALUES ('2026-12-05T08:00:00.000Z', 'intruder', 'reading-opened', ?, ?, ?)").run(STUDY, 'a'.repeat(64), 'b'.repeat(64)),
    );
    store = ArchiveStore.open(root);
    expect(verify()).toMatchObject({ ok: false, entries: 11, firstBroken: { id: 11, reason: 'inserted' } });
  });

  it('detects a row inserted without hashes', () => {
    fill(4);
    store.close();
    tamper((db) => db.prepare("INSERT INTO audit_events (at, actor, action) VALUES ('2026-12-05T08:00:00.000Z', 'intruder', 'export')").run());
    store = ArchiveStore.open(root);
    expect(verify().firstBroken).toMatchObject({ id: 5, reason: 'inserted' });
  });

  it('detects a correctly hashed entry appended past the chain head', () => {
    fill(4);
    store.close();
    tamper((db) => {
      const last = db.prepare('SELECT entry_hash FROM audit_events WHERE id = 4').pluck().get() as string;
      const content = { id: 5, at: '2026-12-05T08:00:00.000Z', actor: 'intruder', actorId: null, action: 'export', outcome: 'success' as const, subject: null, details: null };
      db.prepare("INSERT INTO audit_events (id, at, actor, action, prev_hash, entry_hash) VALUES (5, ?, 'intruder', 'export', ?, ?)").run(content.at, last, entryHash(last, content));
    });
    store = ArchiveStore.open(root);
    expect(verify()).toMatchObject({ ok: false, entries: 5, firstBroken: { id: 5, reason: 'inserted' } });
  });

  it('detects reordered entries (two entries swapped)', () => {
    fill(10);
    store.close();
    tamper((db) => {
      db.prepare('UPDATE audit_events SET id = 1000 WHERE id = 3').run();
      db.prepare('UPDATE audit_events SET id = 3 WHERE id = 4').run();
      db.prepare('UPDATE audit_events SET id = 4 WHERE id = 1000').run();
    });
    store = ArchiveStore.open(root);
    expect(verify()).toMatchObject({ ok: false, entries: 10, firstBroken: { id: 3, reason: 'reordered' } });
  });

  it('detects an entry moved to the end', () => {
    fill(10);
    store.close();
    tamper((db) => db.prepare('UPDATE audit_events SET id = 11 WHERE id = 2').run());
    store = ArchiveStore.open(root);
    expect(verify().firstBroken).toMatchObject({ reason: 'reordered' });
  });

  it('detects a truncated tail through the head file', () => {
    fill(10);
    store.close();
    tamper((db) => db.prepare('DELETE FROM audit_events WHERE id > 7').run());
    store = ArchiveStore.open(root);
    const result = verify();
    expect(result).toMatchObject({ ok: false, entries: 7, head: { count: 10 }, firstBroken: { id: 8, reason: 'tail-missing' } });
    expect(result.firstBroken?.message).toMatch(/entries 8 to 10/);
  });

  it('says so in the chain when the next entry finds the end of the trail changed', () => {
    fill(6);
    store.close();
    tamper((db) => db.prepare('DELETE FROM audit_events WHERE id > 4').run());
    store = ArchiveStore.open(root);
    store.audit.record({ actor: 'tester', action: 'reading-opened' });
    const [event, alert] = store.audit.list(2);
    expect(event.action).toBe('reading-opened');
    expect(alert).toMatchObject({ id: 5, action: CHAIN_MISMATCH_ACTION, outcome: 'failure', details: { headCount: 6, lastId: 4 } });
  });

  it('reports a damaged or missing head file (a truncated tail could not be ruled out)', async () => {
    fill(3);
    writeFileSync(headFile(), 'not json');
    expect(verify().firstBroken).toMatchObject({ reason: 'tail-missing', message: expect.stringMatching(/damaged/) });
    const { rmSync } = await import('node:fs');
    rmSync(headFile());
    expect(verify().firstBroken).toMatchObject({ reason: 'tail-missing', message: expect.stringMatching(/missing/) });
  });

  it('seals the entries written before the chain existed, in order, once', async () => {
    store.close();
    const old = await makeTempDir('audit-legacy');
    try {
      const legacyRoot = join(old.dir, 'archive');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(legacyRoot, { recursive: true });
      const before = openArchiveDatabase(join(legacyRoot, 'archive.sqlite'), readMigrations().filter((migration) => migration.version < 8));
      for (let index = 0; index < 3; index++) {
        before.prepare('INSERT INTO audit_events (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)').run(`2026-01-0${index + 1}T00:00:00.000Z`, 'import', 'import-done', '/media/cd', `{"n":${index}}`);
      }
      before.close();
      const upgraded = ArchiveStore.open(legacyRoot);
      try {
        expect(readChainHead(join(legacyRoot, AUDIT_HEAD_FILE))?.count).toBe(3);
        expect(verifyAuditChain(upgraded.db, join(legacyRoot, AUDIT_HEAD_FILE))).toMatchObject({ ok: true, entries: 3 });
        upgraded.audit.record({ actor: 'tester', action: 'reading-opened' });
        expect(verifyAuditChain(upgraded.db, join(legacyRoot, AUDIT_HEAD_FILE))).toMatchObject({ ok: true, entries: 4 });
        // Sealed means sealed: the hashes cannot be filled again.
        expect(() => upgraded.db.prepare("UPDATE audit_events SET prev_hash = ?, entry_hash = ? WHERE id = 1").run(GENESIS_HASH, 'c'.repeat(64))).toThrow(/cannot be changed/);
      } finally {
        upgraded.close();
      }
    } finally {
      store = ArchiveStore.open(root);
      await old.remove();
    }
  });

  it('verifies in parallel worker threads with the same answer, intact or broken', async () => {
    fill(300);
    const databaseFile = join(root, 'archive.sqlite');
    expect(await verifyAuditChainInWorker(databaseFile, headFile(), { threads: 3, parallelFromEntries: 1 })).toEqual(verify());
    store.close();
    tamper((db) => db.prepare("UPDATE audit_events SET action = 'nothing-to-see' WHERE id = 150").run());
    store = ArchiveStore.open(root);
    const broken = await verifyAuditChainInWorker(databaseFile, headFile(), { threads: 3, parallelFromEntries: 1 });
    expect(broken).toMatchObject({ ok: false, firstBroken: { id: 150, reason: 'edited' } });
    expect(broken).toEqual(verify());
    store.close();
    tamper((db) => db.prepare('DELETE FROM audit_events WHERE id > 290').run());
    store = ArchiveStore.open(root);
    expect(await verifyAuditChainInWorker(databaseFile, headFile(), { threads: 2, parallelFromEntries: 1 })).toMatchObject({ ok: false, firstBroken: { id: 150, reason: 'edited' } });
  }, 30_000);

  it('serialises writers on two connections into one chain', () => {
    const secondDb = openArchiveDatabase(join(root, 'archive.sqlite'));
    const second = new AuditTrail(secondDb, root);
    for (let index = 0; index < 20; index++) {
      store.audit.record({ actor: 'app', action: 'reading-opened' });
      second.record({ actor: 'cac import', action: 'import-done' });
    }
    secondDb.close();
    expect(verify()).toMatchObject({ ok: true, entries: 40 });
    expect(store.audit.list(500).some((event) => event.action === CHAIN_MISMATCH_ACTION)).toBe(false);
  });
});
