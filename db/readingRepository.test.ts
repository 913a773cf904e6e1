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

  it('is migration 002 on top of the archive schema', () => {
    expect(readMigrations().map((migration) => migration.name)).toContain('002_readings.sql');
    expect(db.pragma('user_version', { simple: true })).toBe(readMigrations().length);
  });
});
