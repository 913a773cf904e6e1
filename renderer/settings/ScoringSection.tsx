/**
 * Scoring parameters for new readings (CLINICAL.md section 2): threshold, kV-adjusted bounds,
 * minimum plaque area, mass calibration. A reading already made keeps the parameters it was
 * scored with (they are stored with it and printed on its report).
 */
import type { SettingsResponse } from '../../main/api/contract.js';
import type { Settings } from '../../main/api/settings.js';
import { Field, SettingsSection } from './SettingsSection.js';
import { numberText, parseNumber, parseOptionalNumber } from './settingsText.js';
import { useSettingsSection, type PatchOrProblems } from './useSettingsSection.js';

interface ScoringDraft {
  thresholdHu: string;
  kvAdjusted: boolean;
  minAreaMm2: string;
  massFactor: string;
}

const fromSettings = ({ scoring }: Settings): ScoringDraft => ({
  thresholdHu: numberText(scoring.thresholdHu),
  kvAdjusted: scoring.kvAdjusted,
  minAreaMm2: numberText(scoring.minAreaMm2),
  massFactor: numberText(scoring.massFactor),
});

function toPatch(draft: ScoringDraft): PatchOrProblems {
  const threshold = parseNumber(draft.thresholdHu, { integer: true });
  const minArea = parseNumber(draft.minAreaMm2);
  const massFactor = parseOptionalNumber(draft.massFactor);
  const problems = new Map<string, string>();
  if ('problem' in threshold) problems.set('scoring.thresholdHu', threshold.problem);
  if ('problem' in minArea) problems.set('scoring.minAreaMm2', minArea.problem);
  if ('problem' in massFactor) problems.set('scoring.massFactor', massFactor.problem);
  if ('problem' in threshold || 'problem' in minArea || 'problem' in massFactor) return { problems };
  return { patch: { scoring: { thresholdHu: threshold.value, kvAdjusted: draft.kvAdjusted, minAreaMm2: minArea.value, massFactor: massFactor.value } } };
}

export function ScoringSection({ settings, onSaved }: { settings: Settings; onSaved: (response: SettingsResponse) => void }) {
  const form = useSettingsSection(settings, fromSettings, toPatch, onSaved);
  return (
    <SettingsSection id="scoring" title="Scoring" form={form} intro="For new readings. A reading already made keeps the parameters it was scored with.">
      <div className="settings-grid">
        <Field label="Threshold" unit="HU" testId="settings-threshold" problem={form.problem('scoring.thresholdHu')} hint="Standard (Agatston, 120 kVp): 130 HU. Allowed 100–1000.">
          <input data-testid="settings-threshold" inputMode="numeric" value={form.draft.thresholdHu} onChange={(event) => form.change({ thresholdHu: event.target.value })} />
        </Field>
        <Field label="Minimum plaque area" unit="mm²" testId="settings-min-area" problem={form.problem('scoring.minAreaMm2')} hint="Smaller plaques are noise and dropped. Default 1.0 mm² (CLINICAL.md 2).">
          <input data-testid="settings-min-area" inputMode="decimal" value={form.draft.minAreaMm2} onChange={(event) => form.change({ minAreaMm2: event.target.value })} />
        </Field>
        <Field
          label="Mass calibration factor"
          unit="mg HA/cm³ per HU"
          testId="settings-mass-factor"
          problem={form.problem('scoring.massFactor')}
          hint="From this scanner's phantom calibration. Empty: take it from the images (Calcium Scoring Mass Factor); without one there is no mass score (default)."
        >
          <input data-testid="settings-mass-factor" inputMode="decimal" placeholder="from the images" value={form.draft.massFactor} onChange={(event) => form.change({ massFactor: event.target.value })} />
        </Field>
        <Field
          label="kV-adjusted bounds"
          testId="settings-kv-adjusted"
          problem={form.problem('scoring.kvAdjusted')}
          wide
          hint="For scans not at 120 kVp, use the kV-adjusted lower bounds of the weights 1–4 (Grani et al., EHJ-CVI 2018): 70 kV 207/318/477/636, 80 kV 177/271/408/544, 100 kV 145/222/334/446, 135 kV 119/183/274/364 HU. Off (default): the standard bounds 130/200/300/400 HU, with a warning."
        >
          <span className="settings-check">
            <input type="checkbox" data-testid="settings-kv-adjusted" checked={form.draft.kvAdjusted} onChange={(event) => form.change({ kvAdjusted: event.target.checked })} /> use kV-adjusted bounds
          </span>
        </Field>
      </div>
    </SettingsSection>
  );
}
