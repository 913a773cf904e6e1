import { describe, expect, it } from 'vitest';
import { manualDoseSchema } from '../../main/dose/doseLogContract.js';
import { emptyManualDraft, manualDoseRequest } from './manualDoseDraft.js';
import { problemsByField } from './doseFormat.js';

const UID = '1.2.826.0.1.3680043.2.1125.1';

describe('the manual dose form', () => {
  it('sends typed values as numbers, empty optional ones as null, and a decimal comma as a point', () => {
    const draft = emptyManualDraft('Calcium score');
    draft.events[0].numbers = { ctdivolMgy: '14,2', dlpMgyCm: '260', kvp: '120', tubeCurrentMa: '', exposureTimeS: '0.35', scanLengthMm: '' };
    const request = manualDoseRequest(UID, draft);
    expect(request.events[0]).toMatchObject({ ctdivolMgy: 14.2, dlpMgyCm: 260, kvp: 120, tubeCurrentMa: null, exposureTimeS: 0.35, scanLengthMm: null, phantom: 'body-32', protocol: 'Calcium score', acquisitionType: null });
    expect(request.dlpTotalMgyCm).toBeNull();
    expect(manualDoseSchema.safeParse(request).success).toBe(true);
  });

  it('a required value left empty reaches the API as missing, and its refusal names the field and the unit', () => {
    const draft = emptyManualDraft();
    draft.events[0].numbers.dlpMgyCm = '-3';
    const parsed = manualDoseSchema.safeParse(manualDoseRequest(UID, draft));
    expect(parsed.success).toBe(false);
    const details = parsed.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    const byField = problemsByField(details);
    expect(byField.get('events.0.ctdivolMgy')).toBe('CTDIvol is missing: enter it in mGy');
    expect(byField.get('events.0.dlpMgyCm')).toBe('DLP must be more than 0 mGy·cm');
  });

  it('text that is not a number goes as typed, so the API says which value is not a number', () => {
    const draft = emptyManualDraft();
    draft.events[0].numbers = { ...draft.events[0].numbers, ctdivolMgy: '12', dlpMgyCm: '2oo' };
    const parsed = manualDoseSchema.safeParse(manualDoseRequest(UID, draft));
    expect(parsed.error!.issues.map((issue) => issue.message)).toEqual(['DLP must be a number in mGy·cm']);
  });
});
