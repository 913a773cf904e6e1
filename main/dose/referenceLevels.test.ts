import { describe, expect, it } from 'vitest';
import { checkReferenceLevel, DEFAULT_REFERENCE_LEVELS, defaultDoseSettings, doseSettingsSchema, referenceLevelFor } from './referenceLevels.js';

const levels = [
  { name: 'Calcium score', match: 'calcium|cascore|smartscore', ctdivolMgy: 10, dlpMgyCm: 200 },
  { name: 'Chest', match: 'thorax|chest', ctdivolMgy: 15, dlpMgyCm: 600 },
];

describe('reference levels', () => {
  it('matches case-insensitively on the protocol, then the study description; the first matching level wins', () => {
    expect(referenceLevelFor(levels, 'SmartScore - Gated 0.5 sec', null)?.name).toBe('Calcium score');
    expect(referenceLevelFor(levels, 'Topogram', 'CT CHEST calcium')?.name).toBe('Calcium score');
    expect(referenceLevelFor(levels, 'Thorax routine', null)?.name).toBe('Chest');
    expect(referenceLevelFor(levels, 'Abdomen', 'Abdomen')).toBeNull();
    expect(referenceLevelFor(levels, null, null)).toBeNull();
  });

  it('flags a value strictly above its level; at the level is not above; unknown values stay unknown', () => {
    expect(checkReferenceLevel(levels[0], 10, 200)).toEqual({ level: levels[0], ctdivolAbove: false, dlpAbove: false, above: false });
    expect(checkReferenceLevel(levels[0], 10.01, null)).toEqual({ level: levels[0], ctdivolAbove: true, dlpAbove: null, above: true });
    expect(checkReferenceLevel(levels[0], 3, 250).above).toBe(true);
    expect(checkReferenceLevel(null, 300, 5000)).toEqual({ level: null, ctdivolAbove: null, dlpAbove: null, above: false });
  });

  it('ships a calcium-score example level that flags nothing typical (about 1-3 mSv) and validates', () => {
    const settings = defaultDoseSettings();
    expect(doseSettingsSchema.parse(settings)).toEqual(settings);
    expect(settings.kFactor).toBe('adult-chest');
    // 3 mSv at k = 0.014 is 214 mGy cm: the example DLP level sits just under it, so only unusual studies are flagged.
    expect(checkReferenceLevel(DEFAULT_REFERENCE_LEVELS[0], 4, 150).above).toBe(false);
    expect(referenceLevelFor(settings.referenceLevels, 'CaScore', null)?.name).toBe('Calcium score');
  });

  it('refuses levels that are not positive or absurd, with the unit in the message', () => {
    const result = doseSettingsSchema.safeParse({ kFactor: 'adult-chest', referenceLevels: [{ name: 'x', match: 'x', ctdivolMgy: -1, dlpMgyCm: 9000 }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['the CTDIvol level must be more than 0 mGy', 'the DLP level must be at most 5000 mGy·cm']);
    expect(doseSettingsSchema.safeParse({ kFactor: 'pediatric', referenceLevels: [] }).success).toBe(false);
  });
});
