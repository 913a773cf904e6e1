/**
 * The frame every settings section shares: title, "unsaved changes" badge, the fields, and a foot
 * with Save / Revert, the "saved" confirmation and any refusal (problems no field shows are listed
 * here, so none is hidden). Field: a label, the input, its unit and hint, and its problem.
 */
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { friendlyProblem } from './settingsText.js';
import type { SectionForm } from './useSettingsSection.js';

/** Told which sections have unsaved changes (the view lists them and warns before the page is left). */
export const UnsavedContext = createContext<(id: string, dirty: boolean) => void>(() => undefined);

export function SettingsSection<D>({
  id,
  title,
  saveLabel = `Save ${title.toLowerCase()}`,
  intro,
  form,
  children,
}: {
  id: string;
  title: string;
  saveLabel?: string;
  intro?: ReactNode;
  form: SectionForm<D>;
  children: ReactNode;
}) {
  const unshown = form.unshown();
  const reportUnsaved = useContext(UnsavedContext);
  useEffect(() => reportUnsaved(id, form.dirty), [reportUnsaved, id, form.dirty]);
  useEffect(() => () => reportUnsaved(id, false), [reportUnsaved, id]);
  return (
    <section className={`settings-section${form.dirty ? ' settings-dirty' : ''}`} data-testid={`settings-${id}`} data-dirty={form.dirty} data-save-attempts={form.attempts} id={`settings-${id}`}>
      <header className="settings-section-header">
        <h2>{title}</h2>
        {form.dirty && (
          <span className="settings-unsaved" data-testid={`settings-${id}-unsaved`}>
            unsaved changes
          </span>
        )}
      </header>
      {intro && <p className="settings-intro">{intro}</p>}
      {children}
      <div className="settings-footer">
        <button className="primary" data-testid={`settings-${id}-save`} disabled={form.saving || !form.dirty} onClick={() => void form.save()}>
          {form.saving ? 'Saving…' : saveLabel}
        </button>
        <button data-testid={`settings-${id}-revert`} disabled={form.saving || !form.dirty} onClick={form.revert}>
          Revert
        </button>
        {form.saved && !form.dirty && (
          <span className="saved" data-testid={`settings-${id}-saved`}>
            ✓ saved
          </span>
        )}
      </div>
      {form.error && (
        <div className="error settings-error" role="alert" data-testid={`settings-${id}-error`}>
          {form.error}
          {unshown.length > 0 && (
            <ul>
              {unshown.map(([path, message]) => (
                <li key={path}>
                  {path}: {friendlyProblem(message)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

export function Field({
  label,
  testId,
  problem,
  unit,
  hint,
  wide,
  children,
}: {
  label: ReactNode;
  testId: string;
  problem?: string;
  unit?: string;
  hint?: ReactNode;
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <label className={`field settings-field${problem ? ' invalid' : ''}${wide ? ' settings-wide' : ''}`}>
      <span className="field-label">{label}</span>
      {unit ? (
        <span className="with-unit">
          {children}
          <span className="unit">{unit}</span>
        </span>
      ) : (
        children
      )}
      {problem && (
        <span className="field-error" data-testid={`${testId}-error`}>
          {friendlyProblem(problem, unit)}
        </span>
      )}
      {hint && <span className="settings-hint">{hint}</span>}
    </label>
  );
}
