/**
 * Dose settings (CLINICAL.md section 4): which k converts DLP to effective dose for new records, and
 * the per-protocol reference levels a study is checked against (first matching row wins, so the
 * order matters).
 */
import type { SettingsResponse } from '../../main/api/contract.js';
import type { Settings } from '../../main/api/settings.js';
import { K_FACTORS, type KFactorChoice } from '../../main/dose/effectiveDose.js';
import { K_FACTOR_CHOICES } from '../../main/dose/referenceLevels.js';
import { Field, SettingsSection } from './SettingsSection.js';
import { friendlyProblem, numberText, parseNumber } from './settingsText.js';
import { useSettingsSection, type PatchOrProblems } from './useSettingsSection.js';

interface LevelDraft {
  name: string;
  match: string;
  ctdivolMgy: string;
  dlpMgyCm: string;
}

interface DoseDraft {
  kFactor: KFactorChoice;
  levels: LevelDraft[];
}

const K_LABEL: Record<KFactorChoice, string> = { 'adult-chest': 'Adult chest', cardiac: 'Cardiac' };

const fromSettings = ({ dose }: Settings): DoseDraft => ({
  kFactor: dose.kFactor,
  levels: dose.referenceLevels.map((level) => ({ name: level.name, match: level.match, ctdivolMgy: numberText(level.ctdivolMgy), dlpMgyCm: numberText(level.dlpMgyCm) })),
});

function toPatch(draft: DoseDraft): PatchOrProblems {
  const problems = new Map<string, string>();
  const referenceLevels = draft.levels.map((level, index) => {
    const ctdivol = parseNumber(level.ctdivolMgy);
    const dlp = parseNumber(level.dlpMgyCm);
    if ('problem' in ctdivol) problems.set(`dose.referenceLevels.${index}.ctdivolMgy`, ctdivol.problem);
    if ('problem' in dlp) problems.set(`dose.referenceLevels.${index}.dlpMgyCm`, dlp.problem);
    return { name: level.name, match: level.match, ctdivolMgy: 'value' in ctdivol ? ctdivol.value : 0, dlpMgyCm: 'value' in dlp ? dlp.value : 0 };
  });
  return problems.size > 0 ? { problems } : { patch: { dose: { kFactor: draft.kFactor, referenceLevels } } };
}

const COLUMNS = [
  { key: 'name', label: 'Name', unit: '', placeholder: 'Calcium score', size: 16 },
  { key: 'match', label: 'Protocol text (| between alternatives)', unit: '', placeholder: 'calcium|cascore', size: 30 },
  { key: 'ctdivolMgy', label: 'CTDIvol', unit: 'mGy', placeholder: '10', size: 6 },
  { key: 'dlpMgyCm', label: 'DLP', unit: 'mGy·cm', placeholder: '200', size: 6 },
] as const;

export function DoseSection({ settings, onSaved }: { settings: Settings; onSaved: (response: SettingsResponse) => void }) {
  const form = useSettingsSection(settings, fromSettings, toPatch, onSaved);
  const levels = form.draft.levels;
  const rowProblems = form.problemsUnder('dose.referenceLevels.');
  const tableProblem = form.problem('dose.referenceLevels');
  const setLevels = (next: LevelDraft[]) => form.change((draft) => ({ ...draft, levels: next }));
  const editLevel = (index: number, key: keyof LevelDraft, value: string) => setLevels(levels.map((level, at) => (at === index ? { ...level, [key]: value } : level)));
  const move = (index: number, by: number) => {
    const next = [...levels];
    [next[index], next[index + by]] = [next[index + by], next[index]];
    setLevels(next);
  };

  return (
    <SettingsSection id="dose" title="Dose" form={form}>
      <Field
        label="k factor for effective dose (E = k × DLP)"
        testId="settings-k-factor"
        problem={form.problem('dose.kFactor')}
        wide
        hint="Used for doses recorded from now on. Doses already recorded keep the k (and its source) they were computed with."
      >
        <span className="settings-choices" role="radiogroup">
          {K_FACTOR_CHOICES.map((choice) => (
            <label key={choice} className="settings-choice">
              <input type="radio" name="settings-k-factor" data-testid={`settings-k-factor-${choice}`} checked={form.draft.kFactor === choice} onChange={() => form.change({ kFactor: choice })} />{' '}
              <strong>
                {K_LABEL[choice]} {K_FACTORS[choice].kFactor}
              </strong>{' '}
              mSv/(mGy·cm) <span className="muted">— {K_FACTORS[choice].source}</span>
            </label>
          ))}
        </span>
      </Field>

      <h3 className="settings-subtitle">Reference levels per protocol</h3>
      <p className="settings-note" data-testid="settings-reference-note">
        A study above its protocol's CTDIvol or DLP level is flagged and the technologist records why. The protocol text is looked for (ignoring case) in the protocol name, else the
        study description; the first matching row is used. The defaults are <strong>example values</strong> for the site to review and replace with its own or national reference
        levels.
      </p>
      <table className="settings-levels" data-testid="settings-reference-levels">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th key={column.key} className={`settings-col-${column.key}`}>
                {column.label}
                {column.unit && <span className="muted"> ({column.unit})</span>}
              </th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {levels.map((level, index) => (
            <tr key={index} data-testid="settings-level-row">
              {COLUMNS.map((column) => {
                const problem = rowProblems.get(`${index}.${column.key}`);
                return (
                  <td key={column.key} className={problem ? 'settings-invalid' : undefined}>
                    <input
                      data-testid={`settings-level-${column.key}-${index}`}
                      aria-label={`${column.label} of reference level ${index + 1}`}
                      size={column.size}
                      placeholder={column.placeholder}
                      inputMode={column.unit ? 'decimal' : undefined}
                      value={level[column.key]}
                      onChange={(event) => editLevel(index, column.key, event.target.value)}
                    />
                    {problem && (
                      <span className="field-error" data-testid={`settings-level-${column.key}-${index}-error`}>
                        {friendlyProblem(problem, column.unit)}
                      </span>
                    )}
                  </td>
                );
              })}
              <td className="settings-row-actions">
                <button title="Move up (checked earlier)" aria-label={`Move reference level ${index + 1} up`} disabled={index === 0} onClick={() => move(index, -1)}>
                  ↑
                </button>
                <button title="Move down" aria-label={`Move reference level ${index + 1} down`} disabled={index === levels.length - 1} onClick={() => move(index, 1)}>
                  ↓
                </button>
                <button data-testid={`settings-level-remove-${index}`} onClick={() => setLevels(levels.filter((_, at) => at !== index))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
          {levels.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No reference levels: no study is checked.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {tableProblem && (
        <span className="field-error" data-testid="settings-reference-levels-error">
          {friendlyProblem(tableProblem)}
        </span>
      )}
      <div>
        <button data-testid="settings-level-add" disabled={levels.length >= 50} onClick={() => setLevels([...levels, { name: '', match: '', ctdivolMgy: '', dlpMgyCm: '' }])}>
          Add reference level
        </button>
      </div>
    </SettingsSection>
  );
}
