import { describe, expect, it } from 'vitest';
import { emptyChecklist, procedureAlerts, procedureChecklistSchema, type ProcedureChecklist } from './procedureChecklist.js';

const with_ = (overrides: Partial<ProcedureChecklist>): ProcedureChecklist => ({ ...emptyChecklist(), ...overrides });

describe('procedure checklist', () => {
  it('raises the alerts the reader must see, most important first', () => {
    expect(procedureAlerts(with_({ anxiety: { present: true, whatHelped: '' }, scanCompleted: false }))).toEqual(['Claustrophobia/anxiety: scan not completed']);
    expect(procedureAlerts(with_({ anxiety: { present: true, whatHelped: 'music' }, scanCompleted: true }))).toEqual(['Claustrophobia/anxiety: scan completed (helped: music)']);
    expect(procedureAlerts(with_({ scanCompleted: false }))).toEqual(['Incomplete scan']);
    expect(
      procedureAlerts(
        with_({
          ecg: { electrodesPlaced: true, gatingQuality: 'poor' },
          breathHold: { instructed: true, compliance: 'partial' },
          heartRateBpm: 96,
          contrastGiven: true,
          pregnancy: { asked: true, answer: 'possibly-pregnant' },
          metalRemoved: false,
        }),
      ),
    ).toEqual(['Poor ECG gating', 'Breath-hold partly followed', 'Fast heart rate (96 bpm)', 'Contrast was given', 'Possibly pregnant', 'Metal not removed']);
    expect(procedureAlerts(with_({ caffeine: { caffeineToday: true, fastHeartRate: true } }))).toEqual(['Fast heart rate']);
    expect(procedureAlerts(emptyChecklist())).toEqual([]);
  });

  it('refuses wrong types and ranges with the item and unit named; accepts an unfinished form', () => {
    expect(procedureChecklistSchema.safeParse(emptyChecklist()).success).toBe(true);
    const result = procedureChecklistSchema.safeParse({ ...emptyChecklist(), heartRateBpm: 72.5, timeInRoomMinutes: -3, metalRemoved: 'yes', extra: 1 });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'heartRateBpm: the heart rate is a whole number of beats per minute',
        'timeInRoomMinutes: the time in room cannot be negative (minutes)',
        'metalRemoved: answer yes (true), no (false) or leave it unrecorded (null)',
      ]),
    );
    expect(messages.some((message) => message.includes('extra'))).toBe(true);
  });
});
