import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openArchiveDatabase, type ArchiveDatabase } from './archiveDatabase.js';
import { ProcedureNoteError, ProcedureNoteRepository } from './procedureNoteRepository.js';
import { emptyChecklist, procedureAlerts, type ProcedureChecklist } from '../main/notes/procedureChecklist.js';
import { makeTempDir } from '../test/support/tempDir.js';

const STUDY = '1.2.826.0.1.3680043.8.498.7';

const filled = (overrides: Partial<ProcedureChecklist> = {}): ProcedureChecklist => ({
  ...emptyChecklist(),
  identityChecked: true,
  insuranceChecked: true,
  medications: 'metoprolol 50 mg',
  ecg: { electrodesPlaced: true, gatingQuality: 'good' },
  heartRateBpm: 62,
  breathHold: { instructed: true, compliance: 'good' },
  metalRemoved: true,
  pregnancy: { asked: true, answer: 'not-applicable' },
  contrastGiven: false,
  caffeine: { caffeineToday: false, fastHeartRate: false },
  anxiety: { present: false, whatHelped: '' },
  scanCompleted: true,
  timeInRoomMinutes: 12,
  freeText: 'uneventful',
  ...overrides,
});

describe('ProcedureNoteRepository (real SQLite file)', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let db: ArchiveDatabase;
  let notes: ProcedureNoteRepository;

  beforeEach(async () => {
    temp = await makeTempDir('notes-repo');
    db = openArchiveDatabase(join(temp.dir, 'archive.sqlite'));
    notes = new ProcedureNoteRepository(db);
  });
  afterEach(async () => {
    db.close();
    await temp.remove();
  });

  it('saves versions with author and time; history stays, newest first', () => {
    const first = notes.save(STUDY, 0, filled(), 'tech a');
    expect(first).toMatchObject({ saved: { version: 1, author: 'tech a' } });
    const second = notes.save(STUDY, 1, filled({ anxiety: { present: true, whatHelped: 'music, talking' }, scanCompleted: false }), 'tech b');
    expect(second).toMatchObject({ saved: { version: 2, author: 'tech b' } });
    const versions = notes.versions(STUDY);
    expect(versions.map((version) => [version.version, version.author])).toEqual([
      [2, 'tech b'],
      [1, 'tech a'],
    ]);
    expect(versions[1].checklist.anxiety.present).toBe(false);
    expect(Date.parse(versions[0].recordedAt)).toBeGreaterThanOrEqual(Date.parse(versions[1].recordedAt));
    expect(procedureAlerts(notes.current(STUDY)!.checklist)).toEqual(['Claustrophobia/anxiety: scan not completed (helped: music, talking)']);
  });

  it('refuses a save on a stale version and writes nothing', () => {
    notes.save(STUDY, 0, filled(), 'tech a');
    notes.save(STUDY, 1, filled({ heartRateBpm: 70 }), 'tech b');
    expect(notes.save(STUDY, 1, filled({ heartRateBpm: 99 }), 'tech a')).toEqual({ conflict: { currentVersion: 2 } });
    expect(notes.save(STUDY, 0, filled(), 'tech c')).toEqual({ conflict: { currentVersion: 2 } });
    expect(notes.versions(STUDY)).toHaveLength(2);
    expect(notes.current(STUDY)?.checklist.heartRateBpm).toBe(70);
  });

  it('the database refuses UPDATE and DELETE of a note version', () => {
    notes.save(STUDY, 0, filled(), 'tech a');
    expect(() => db.prepare('UPDATE procedure_notes SET author = ? WHERE study_instance_uid = ?').run('someone else', STUDY)).toThrow(/cannot be changed/);
    expect(() => db.prepare('DELETE FROM procedure_notes WHERE study_instance_uid = ?').run(STUDY)).toThrow(/cannot be deleted/);
    expect(notes.current(STUDY)?.author).toBe('tech a');
  });

  it('refuses an invalid checklist with the item named, and writes nothing', () => {
    const bad = { ...filled(), heartRateBpm: -5, pregnancy: { asked: true, answer: 'maybe' } };
    expect(() => notes.save(STUDY, 0, bad, 'tech a')).toThrow(ProcedureNoteError);
    try {
      notes.save(STUDY, 0, bad, 'tech a');
    } catch (error) {
      expect((error as ProcedureNoteError).problems).toEqual([
        'heartRateBpm: the heart rate must be at least 20 bpm',
        expect.stringMatching(/^pregnancy\.answer: the pregnancy answer is one of not-pregnant, pregnant/),
      ]);
    }
    const missing: Record<string, unknown> = { ...filled() };
    delete missing.metalRemoved;
    expect(() => notes.save(STUDY, 0, missing, 'tech a')).toThrow(/metalRemoved/);
    expect(notes.versions(STUDY)).toEqual([]);
  });

  it('accepts "not applicable" as the pregnancy answer and an unfinished form (nulls)', () => {
    expect(notes.save(STUDY, 0, emptyChecklist(), 'tech a')).toMatchObject({ saved: { version: 1 } });
    expect(procedureAlerts(emptyChecklist())).toEqual([]);
    expect(procedureAlerts(filled({ scanCompleted: false }))).toEqual(['Incomplete scan']);
  });
});
