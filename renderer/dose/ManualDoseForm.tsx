/**
 * Manual dose entry (no RDSR, or a correction): one row of inputs per irradiation event with the
 * unit beside each input. The API checks the ranges and records the whole entry or nothing; its
 * refusals stand next to the fields they name, and what was typed stays in the form.
 */
import { useState } from 'react';
import type { DoseView } from '../../main/api/contract.js';
import { ApiCallError, cacClient } from '../api/cacClient.js';
import { errorMessage, problemsByField } from './doseFormat.js';
import { EVENT_NUMBER_FIELDS, emptyEventDraft, emptyManualDraft, manualDoseRequest, type ManualDoseDraft } from './manualDoseDraft.js';

export function ManualDoseForm({ studyInstanceUid, defaultProtocol, onRecorded, onCancel }: { studyInstanceUid: string; defaultProtocol?: string; onRecorded: (view: DoseView) => void; onCancel?: () => void }) {
  const [draft, setDraft] = useState<ManualDoseDraft>(() => emptyManualDraft(defaultProtocol ?? ''));
  const [refusal, setRefusal] = useState<{ message: string; fields: Map<string, string> }>();
  const [saving, setSaving] = useState(false);

  const record = async () => {
    setSaving(true);
    try {
      const view = await cacClient.call('dose.recordManual', manualDoseRequest(studyInstanceUid, draft));
      setRefusal(undefined);
      setDraft(emptyManualDraft(defaultProtocol ?? ''));
      onRecorded(view);
    } catch (reason) {
      setRefusal({ message: errorMessage(reason), fields: problemsByField(reason instanceof ApiCallError ? reason.details : undefined) });
    } finally {
      setSaving(false);
    }
  };

  const setEvent = (index: number, change: (event: ManualDoseDraft['events'][number]) => ManualDoseDraft['events'][number]) =>
    setDraft((current) => ({ ...current, events: current.events.map((event, at) => (at === index ? change(event) : event)) }));

  const problem = (path: string) => refusal?.fields.get(path);
  const fieldError = (path: string, testId: string) =>
    problem(path) ? (
      <span className="field-error" data-testid={`${testId}-error`}>
        {problem(path)}
      </span>
    ) : null;

  return (
    <form
      className="manual-dose"
      data-testid="manual-dose-form"
      onSubmit={(event) => {
        event.preventDefault();
        void record();
      }}
    >
      <h3>Enter the dose manually (from the scanner’s dose page)</h3>
      {refusal && (
        <div className="error" role="alert" data-testid="manual-dose-error">
          Not recorded — nothing was saved. {refusal.fields.size > 0 ? 'Correct the marked values:' : refusal.message}
          {refusal.fields.size > 0 && (
            <ul>
              {[...refusal.fields].map(([field, message]) => (
                <li key={field}>{message}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {draft.events.map((event, index) => (
        <fieldset key={index} className="dose-event" data-testid="manual-dose-event">
          <legend>
            Irradiation event {index + 1}
            {draft.events.length > 1 && (
              <button type="button" className="link" onClick={() => setDraft((current) => ({ ...current, events: current.events.filter((_, at) => at !== index) }))}>
                remove
              </button>
            )}
          </legend>
          {EVENT_NUMBER_FIELDS.map((field) => {
            const path = `events.${index}.${field.key}`;
            const testId = `manual-${field.key}-${index}`;
            return (
              <label key={field.key} className={`field${problem(path) ? ' invalid' : ''}`}>
                <span className="field-label">
                  {field.label}
                  {field.required ? ' *' : ''}
                </span>
                <span className="with-unit">
                  <input
                    data-testid={testId}
                    type="text"
                    inputMode="decimal"
                    value={event.numbers[field.key]}
                    onChange={(change) => setEvent(index, (current) => ({ ...current, numbers: { ...current.numbers, [field.key]: change.target.value } }))}
                  />
                  <span className="unit">{field.unit}</span>
                </span>
                {fieldError(path, testId)}
              </label>
            );
          })}
          <label className="field">
            <span className="field-label">CTDI phantom</span>
            <select data-testid={`manual-phantom-${index}`} value={event.phantom} onChange={(change) => setEvent(index, (current) => ({ ...current, phantom: change.target.value as 'body-32' | 'head-16' }))}>
              <option value="body-32">32 cm body</option>
              <option value="head-16">16 cm head</option>
            </select>
          </label>
          <label className={`field${problem(`events.${index}.acquisitionType`) ? ' invalid' : ''}`}>
            <span className="field-label">Acquisition type</span>
            <input data-testid={`manual-acquisitionType-${index}`} type="text" placeholder="e.g. Sequenced Acquisition" value={event.acquisitionType} onChange={(change) => setEvent(index, (current) => ({ ...current, acquisitionType: change.target.value }))} />
            {fieldError(`events.${index}.acquisitionType`, `manual-acquisitionType-${index}`)}
          </label>
          <label className={`field${problem(`events.${index}.protocol`) ? ' invalid' : ''}`}>
            <span className="field-label">Protocol</span>
            <input data-testid={`manual-protocol-${index}`} type="text" placeholder="e.g. Calcium score" value={event.protocol} onChange={(change) => setEvent(index, (current) => ({ ...current, protocol: change.target.value }))} />
            {fieldError(`events.${index}.protocol`, `manual-protocol-${index}`)}
          </label>
        </fieldset>
      ))}
      <div className="dose-study-fields">
        <label className={`field${problem('dlpTotalMgyCm') ? ' invalid' : ''}`}>
          <span className="field-label">Total DLP</span>
          <span className="with-unit">
            <input data-testid="manual-dlpTotal" type="text" inputMode="decimal" placeholder="sum of the events" value={draft.dlpTotalText} onChange={(change) => setDraft((current) => ({ ...current, dlpTotalText: change.target.value }))} />
            <span className="unit">mGy·cm</span>
          </span>
          {fieldError('dlpTotalMgyCm', 'manual-dlpTotal')}
        </label>
        <label className={`field${problem('scanner') ? ' invalid' : ''}`}>
          <span className="field-label">Scanner</span>
          <input data-testid="manual-scanner" type="text" value={draft.scanner} onChange={(change) => setDraft((current) => ({ ...current, scanner: change.target.value }))} />
          {fieldError('scanner', 'manual-scanner')}
        </label>
        <label className={`field wide${problem('comment') ? ' invalid' : ''}`}>
          <span className="field-label">Comment (why entered or corrected)</span>
          <input data-testid="manual-comment" type="text" placeholder="e.g. RDSR not sent" value={draft.comment} onChange={(change) => setDraft((current) => ({ ...current, comment: change.target.value }))} />
          {fieldError('comment', 'manual-comment')}
        </label>
      </div>
      <div className="form-footer">
        <button type="button" data-testid="manual-add-event" disabled={draft.events.length >= 20} onClick={() => setDraft((current) => ({ ...current, events: [...current.events, emptyEventDraft(current.events[0]?.protocol ?? '')] }))}>
          + Add an event
        </button>
        <span className="muted">* required. Nothing is saved unless every value is accepted.</span>
        <span className="spacer" />
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" data-testid="manual-dose-save" disabled={saving}>
          {saving ? 'Recording…' : 'Record dose'}
        </button>
      </div>
    </form>
  );
}
