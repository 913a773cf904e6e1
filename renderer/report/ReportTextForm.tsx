/**
 * Findings and impression of the draft: prefilled from the category by the service, edited here,
 * saved with report.saveText. The text is owned by the panel (so the preview shows it unsaved and
 * signing can refuse unsaved text); a refused save keeps what was typed.
 */
export interface TextDraft {
  findings: string;
  impression: string;
}

export function ReportTextForm({
  text,
  onChange,
  dirty,
  readOnly,
  saving,
  error,
  onSave,
  onRevert,
}: {
  text: TextDraft;
  onChange: (text: TextDraft) => void;
  dirty: boolean;
  readOnly: boolean;
  saving: boolean;
  error?: string;
  onSave: () => void;
  onRevert: () => void;
}) {
  return (
    <section
      className="report-section report-text-form"
      data-testid="report-text-form"
      onKeyDown={(event) => {
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
          event.preventDefault();
          if (dirty && !readOnly && !saving) onSave();
        }
      }}
    >
      <h3>
        Findings and impression{' '}
        {dirty ? (
          <span className="report-unsaved-mark" data-testid="text-unsaved">
            ● unsaved changes
          </span>
        ) : (
          <span className="saved" data-testid="text-saved">
            {readOnly ? '' : 'saved'}
          </span>
        )}
      </h3>
      <label className="field">
        <span className="field-label">Findings</span>
        <textarea
          data-testid="report-findings-input"
          rows={5}
          value={text.findings}
          readOnly={readOnly}
          disabled={readOnly}
          onChange={(event) => onChange({ ...text, findings: event.target.value })}
        />
      </label>
      <label className="field">
        <span className="field-label">Impression</span>
        <textarea
          data-testid="report-impression-input"
          rows={3}
          value={text.impression}
          readOnly={readOnly}
          disabled={readOnly}
          onChange={(event) => onChange({ ...text, impression: event.target.value })}
        />
      </label>
      {error && (
        <div className="error" role="alert" data-testid="text-error">
          {error}
        </div>
      )}
      {!readOnly && (
        <div className="form-footer">
          <button className="primary" data-testid="report-save-text" disabled={!dirty || saving} onClick={onSave}>
            {saving ? 'Saving…' : 'Save text'}
          </button>
          <button data-testid="report-revert-text" disabled={!dirty || saving} onClick={onRevert}>
            Revert
          </button>
          <span className="muted">Ctrl+S saves</span>
        </div>
      )}
    </section>
  );
}
