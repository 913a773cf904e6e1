/**
 * The report's site settings: the header (site name and address), the PACS every signed report is
 * sent to, and the site's own recommendation text per CAC-DRS grade (blank: the neutral default,
 * shown as the placeholder). PACS themselves are added in the worklist's PACS panel.
 */
import type { SettingsResponse } from '../../main/api/contract.js';
import type { Settings } from '../../main/api/settings.js';
import { DEFAULT_CATEGORY_WORDING } from '../../native-worker/risk/categories.js';
import { Field, SettingsSection } from './SettingsSection.js';
import { useSettingsSection, type PatchOrProblems } from './useSettingsSection.js';

const GRADES = ['A0', 'A1', 'A2', 'A3'] as const;
type Grade = (typeof GRADES)[number];
const GRADE_LABEL: Record<Grade, string> = { A0: 'CAC-DRS A0 (score 0)', A1: 'CAC-DRS A1 (1–99)', A2: 'CAC-DRS A2 (100–299)', A3: 'CAC-DRS A3 (≥ 300)' };

interface ReportDraft {
  siteName: string;
  siteAddress: string;
  sendTo: string[];
  wording: Record<Grade, string>;
}

const fromSettings = ({ report }: Settings): ReportDraft => ({
  siteName: report.siteName,
  siteAddress: report.siteAddress,
  sendTo: [...report.sendTo],
  wording: { A0: report.cacDrsWording.A0 ?? '', A1: report.cacDrsWording.A1 ?? '', A2: report.cacDrsWording.A2 ?? '', A3: report.cacDrsWording.A3 ?? '' },
});

const toPatch = (draft: ReportDraft): PatchOrProblems => ({
  patch: { report: { siteName: draft.siteName, siteAddress: draft.siteAddress, sendTo: draft.sendTo, cacDrsWording: { ...draft.wording } } },
});

export function ReportSection({ settings, onSaved }: { settings: Settings; onSaved: (response: SettingsResponse) => void }) {
  const form = useSettingsSection(settings, fromSettings, toPatch, onSaved);
  const { draft } = form;
  // A name saved earlier whose PACS was since removed still shows, so it can be unticked.
  const pacsNames = [...settings.pacsNodes.map((node) => node.name), ...draft.sendTo.filter((name) => !settings.pacsNodes.some((node) => node.name === name))];
  const sendToProblems = [form.problem('report.sendTo'), ...form.problemsUnder('report.sendTo.').values()].filter(Boolean).join('; ');

  return (
    <SettingsSection id="report" title="Report" form={form}>
      <div className="settings-grid">
        <Field label="Site name" testId="settings-site-name" problem={form.problem('report.siteName')} hint="Printed in the report header.">
          <input data-testid="settings-site-name" maxLength={128} value={draft.siteName} onChange={(event) => form.change({ siteName: event.target.value })} />
        </Field>
        <Field label="Site address" testId="settings-site-address" problem={form.problem('report.siteAddress')} hint="Printed under the site name.">
          <input data-testid="settings-site-address" maxLength={256} value={draft.siteAddress} onChange={(event) => form.change({ siteAddress: event.target.value })} />
        </Field>
      </div>
      <div className={`field settings-field settings-wide${sendToProblems ? ' invalid' : ''}`} data-testid="settings-send-to">
        <span className="field-label">Send every signed report (PDF, structured report, key images) to</span>
        {pacsNames.length === 0 ? (
          <span className="muted" data-testid="settings-no-pacs">
            No PACS configured yet.
          </span>
        ) : (
          <span className="settings-choices settings-inline">
            {pacsNames.map((name) => {
              const node = settings.pacsNodes.find((candidate) => candidate.name === name);
              return (
                <label key={name} className="settings-choice">
                  <input
                    type="checkbox"
                    data-testid={`settings-send-to-${name}`}
                    checked={draft.sendTo.includes(name)}
                    onChange={(event) => form.change({ sendTo: event.target.checked ? [...draft.sendTo, name] : draft.sendTo.filter((entry) => entry !== name) })}
                  />{' '}
                  {name} <span className="muted">{node ? `${node.aeTitle}@${node.host}:${node.port}` : '(no longer configured)'}</span>
                </label>
              );
            })}
          </span>
        )}
        <span className="settings-hint">
          PACS are added in the <a href="#/" data-testid="settings-pacs-link">worklist's PACS panel</a>. Nothing ticked: reports are sent only when someone sends them.
        </span>
        {sendToProblems && (
          <span className="field-error" data-testid="settings-send-to-error">
            {sendToProblems}
          </span>
        )}
      </div>
      <h3 className="settings-subtitle">Recommendation wording per CAC-DRS grade</h3>
      <p className="settings-note">The site's own text printed with each grade. Leave blank to print the neutral default shown in grey.</p>
      <div className="settings-wording">
        {GRADES.map((grade) => (
          <Field key={grade} label={GRADE_LABEL[grade]} testId={`settings-wording-${grade}`} problem={form.problem(`report.cacDrsWording.${grade}`)}>
            <textarea
              data-testid={`settings-wording-${grade}`}
              rows={2}
              maxLength={1000}
              placeholder={DEFAULT_CATEGORY_WORDING.cacDrs[grade]}
              value={draft.wording[grade]}
              onChange={(event) => form.change((current) => ({ ...current, wording: { ...current.wording, [grade]: event.target.value } }))}
            />
          </Field>
        ))}
      </div>
    </SettingsSection>
  );
}
