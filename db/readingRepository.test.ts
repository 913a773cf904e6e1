import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openArchiveDatabase, readMigrations, type ArchiveDatabase } from './archiveDatabase.js';
import { ReadingRepository } from './readingRepository.js';
import type { ScoreSheet } from '../native-worker/scoring/scoringSession.js';
import { makeTempDir } from '../test/support/tempDir.js';

const SERIES = '1.2.3.4.5';
const STUDY = '1.2.3.4';
const sheet = (agatston: number) => ({ total: { agatston } }) as unknown as ScoreSheet;

describe('ReadingRepository', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let db: ArchiveDatabase;
  let readings: ReadingRepository;

  beforeEach(async () => {
    temp = await makeTempDir('readings');
    db = openArchiveDatabase(join(temp.dir, 'archive.sqlite'));
    readings = new ReadingRepository(db);
  });
  afterEach(async () => {
    db.close();
    await temp.remove();
  });

  it('creates one reading per series and reader, at revision 0', () => {
    const first = readings.findOrCreate({ studyInstanceUid: STUDY, seriesInstanceUid: SERIES, reader: 'dr a', parameters: { massFactor: 0.7 }, algorithmVersion: 'v1' });
    const again = readings.findOrCreate({ studyInstanceUid: STUDY, seriesInstanceUid: SERIES, reader: 'dr a', parameters: {}, algorithmVersion: 'v2' });
    const other = readings.findOrCreate({ studyInstanceUid: STUDY, seriesInstanceUid: SERIES, reader: 'dr b', parameters: {}, algorithmVersion: 'v1' });
    expect(again).toEqual(first);
    expect(first).toMatchObject({ revision: 0, assignments: [], redoStack: [], scores: null, parameters: { massFactor: 0.7 }, algorithmVersion: 'v1' });
    expect(other.id).not.toBe(first.id);
    expect(readings.listForStudy(STUDY)).toHaveLength(2);
  });

  it('saves a change guarded by the revision; a stale revision writes nothing', () => {
    const reading = readings.findOrCreate({ studyInstanceUid: STUDY, seriesInstanceUid: SERIES, reader: 'dr a', parameters: {}, algorithmVersion: 'v1' });
    const assignment = { artery: 'LAD' as const, point: [1, 2, 3] as [number, number, number], scope: 'lesion' as const };
    expect(readings.save(reading.id, 0, { assignments: [assignment], redoStack: [], scores: sheet(10), algorithmVersion: 'v1' })).toBe(1);
    // A second window still holding revision 0:
    expect(readings.save(reading.id, 0, { assignments: [], redoStack: [assignment], scores: sheet(0), algorithmVersion: 'v1' })).toBeUndefined();
    const saved = readings.get(reading.id)!;
    expect(saved).toMatchObject({ revision: 1, assignments: [assignment], redoStack: [], scores: { total: { agatston: 10 } } });
  });

  it('keeps readings per account (migration 009): own, others, and a take-over that copies and leaves the original as it was', () => {
    const user = (username: string) =>
      Number(db.prepare(`INSERT INTO users (username, display_name, roles, password_hash, created_at, created_by, updated_at, updated_by, password_changed_at)
                         VALUES (?, ?, '["radiologist"]', 'x', 't', 't', 't', 't', 't')`).run(username, `Dr ${username}`).lastInsertRowid);
    const [anna, bob] = [user('anna'), user('bob')];
    const annas = readings.findOrCreate({ studyInstanceUid: STUDY, seriesInstanceUid: SERIES, reader: 'Dr anna (anna)', readerUserId: anna, parameters: {}, algorithmVersion: 'v1' });
    const assignment = { artery: 'LAD' as const, point: [1, 2, 3] as [number, number, number], scope: 'lesion' as const };
    readings.save(annas.id, 0, { assignments: [assignment], redoStack: [], scores: sheet(10), algorithmVersion: 'v1' });
    // A renamed label does not lose the reading: the account finds it.
    expect(readings.findOwn(SERIES, { reader: 'Dr Anna Smith (anna)', readerUserId: anna })?.id).toBe(annas.id);
    expect(readings.findOwn(SERIES, { reader: 'Dr bob (bob)', readerUserId: bob })).toBeUndefined();
    expect(readings.listForSeries(SERIES).map((reading) => reading.id)).toEqual([annas.id]);

    const taken = readings.takeOver(readings.get(annas.id)!, { reader: 'Dr bob (bob)', readerUserId: bob });
    expect(taken).toMatchObject({ readerUserId: bob, reader: 'Dr bob (bob)', takenOverFrom: annas.id, assignments: [assignment], revision: 0 });
    expect(taken.scores?.total.agatston).toBe(10);
    expect(readings.get(annas.id)).toMatchObject({ readerUserId: anna, revision: 1, assignments: [assignment] });
    // One reading per account and series, whatever the label.
    expect(() => db.prepare(`INSERT INTO readings (study_instance_uid, series_instance_uid, reader, reader_user_id, parameters, algorithm_version, created_at, updated_at)
                             VALUES (?, ?, 'another label', ?, '{}', 'v1', 't', 't')`).run(STUDY, SERIES, bob)).toThrow(/UNIQUE/);
  });

  it('migration 009 gives existing readings their account and marks existing signatures as legacy', async () => {
    const old = await makeTempDir('readings-upgrade');
    const file = join(old.dir, 'archive.sqlite');
    const before = openArchiveDatabase(file, readMigrations().filter((migration) => migration.version < 9));
    before.prepare(`INSERT INTO users (username, display_name, roles, password_hash, created_at, created_by, updated_at, updated_by, password_changed_at)
                    VALUES ('anna', 'Anna Smith', '["radiologist"]', 'x', 't', 't', 't', 't', 't')`).run();
    before.prepare(`INSERT INTO readings (study_instance_uid, series_instance_uid, reader, parameters, algorithm_version, created_at, updated_at)
                    VALUES (?, ?, 'Anna Smith (anna)', '{}', 'v1', 't', 't'), (?, ?, 'Dr Settings Name', '{}', 'v1', 't', 't')`).run(STUDY, SERIES, STUDY, SERIES);
    before.prepare(`INSERT INTO reports (study_instance_uid, series_instance_uid, patient_id, created_at) VALUES (?, ?, 'P1', 't')`).run(STUDY, SERIES);
    before.prepare(`INSERT INTO report_versions (report_ref, version, status, content, created_at, created_by) VALUES (1, 1, 'draft', '{}', 't', 'x')`).run();
    before.prepare(`UPDATE report_versions SET status = 'signed', signed_at = 't', signed_by = 'x', content_sha256 = ? WHERE report_ref = 1`).run('a'.repeat(64));
    before.close();
    const after = openArchiveDatabase(file);
    try {
      const owners = after.prepare(`SELECT reader, reader_user_id AS readerUserId FROM readings ORDER BY id`).all();
      expect(owners).toEqual([{ reader: 'Anna Smith (anna)', readerUserId: 1 }, { reader: 'Dr Settings Name', readerUserId: null }]);
      expect(after.prepare(`SELECT report_ref, version FROM legacy_signed_versions`).all()).toEqual([{ report_ref: 1, version: 1 }]);
      expect(() => after.prepare(`INSERT INTO legacy_signed_versions VALUES (1, 2)`).run()).toThrow(/only versions signed before electronic signatures/);
    } finally {
      after.close();
      await old.remove();
    }
  });

  it('is migration 002 on top of the archive schema', () => {
    expect(readMigrations().map((migration) => migration.name)).toContain('002_readings.sql');
    expect(db.pragma('user_version', { simple: true })).toBe(readMigrations().length);
  });
});
