import { describe, expect, it } from 'vitest';
import { emptyChecklist, procedureChecklistSchema } from '../../main/notes/procedureChecklist.js';
import { checklistFrom, draftFrom, yesNoFrom, yesNoValue } from './checklistDraft.js';

describe('the procedure notes form state', () => {
  it('round-trips a checklist through the form, numbers included', () => {
    const checklist = { ...emptyChecklist(), heartRateBpm: 64, timeInRoomMinutes: 25, anxiety: { present: true, whatHelped: 'music' }, scanCompleted: false };
    const draft = draftFrom(checklist);
    expect(draft.heartRateText).toBe('64');
    expect(checklistFrom(draft)).toEqual(checklist);
  });

  it('empty number fields are "not recorded"; a refused value is sent as typed for the API to name', () => {
    const draft = draftFrom(emptyChecklist());
    expect(checklistFrom(draft).heartRateBpm).toBeNull();
    draft.heartRateText = '300';
    const refused = procedureChecklistSchema.safeParse(checklistFrom(draft));
    expect(refused.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual(['heartRateBpm: the heart rate must be at most 250 bpm']);
    draft.heartRateText = 'fast';
    expect(procedureChecklistSchema.safeParse(checklistFrom(draft)).error!.issues[0].message).toBe('the heart rate is a number (beats per minute)');
  });

  it('yes / no / not recorded as select values', () => {
    expect([true, false, null].map(yesNoValue)).toEqual(['yes', 'no', '']);
    expect(['yes', 'no', ''].map(yesNoFrom)).toEqual([true, false, null]);
  });
});
