/**
 * Who signs, from the report panel: the reader's name and role (only radiologists and
 * cardiologists sign), switched here when another physician takes over the workstation. The site
 * header and the automatic sending are shown read-only: they are site settings (Settings → Report).
 */
import { useEffect, useState } from 'react';
import { READER_ROLES, SIGNING_ROLES, type Settings } from '../../main/api/settings.js';
import { cacClient } from '../api/cacClient.js';

export function ReportSettings({ settings, onSaved }: { settings: Settings; onSaved: (settings: Settings) => void }) {
  const [form, setForm] = useState(() => ({ readerName: settings.readerName, readerRole: settings.readerRole }));
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    setForm({ readerName: settings.readerName, readerRole: settings.readerRole });
  }, [settings]);

  const save = async () => {
    try {
      const answer = await cacClient.call('settings.update', { patch: { readerName: form.readerName, readerRole: form.readerRole } });
      setError(undefined);
      setSaved(true);
      onSaved(answer.settings);
    } catch (reason) {
      setError((reason as Error).message);
      setSaved(false);
    }
  };
  const change = (patch: Partial<typeof form>) => {
    setForm((current) => ({ ...current, ...patch }));
    setSaved(false);
  };
  const dirty = form.readerName !== settings.readerName || form.readerRole !== settings.readerRole;

  return (
    <section className="report-section report-settings" data-testid="report-settings">
      <h3>Signer</h3>
      <div className="report-settings-grid">
        <label className="field">
          <span className="field-label">Reader</span>
          <input data-testid="report-signer-name" value={form.readerName} maxLength={64} onChange={(event) => change({ readerName: event.target.value })} />
        </label>
        <label className="field">
          <span className="field-label">Role</span>
          <select data-testid="report-signer-role" value={form.readerRole} onChange={(event) => change({ readerRole: event.target.value as Settings['readerRole'] })}>
            {READER_ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
                {SIGNING_ROLES.includes(role) ? ' (signs reports)' : ''}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <div className="error" role="alert" data-testid="report-signer-error">
          {error}
        </div>
      )}
      <div className="form-footer">
        <button className="primary" data-testid="report-signer-save" disabled={!dirty} onClick={() => void save()}>
          Save signer
        </button>
        {saved && !dirty && (
          <span className="saved" data-testid="report-signer-saved">
            saved
          </span>
        )}
      </div>
      <h3>Site</h3>
      <dl className="report-site-summary" data-testid="report-site-summary">
        <div>
          <dt>Header</dt>
          <dd>{settings.report.siteName ? `${settings.report.siteName}${settings.report.siteAddress ? `, ${settings.report.siteAddress}` : ''}` : 'no site name set'}</dd>
        </div>
        <div>
          <dt>Sent on signing to</dt>
          <dd>{settings.report.sendTo.length ? settings.report.sendTo.join(', ') : 'no PACS (send by hand from Delivery)'}</dd>
        </div>
      </dl>
      <p className="muted">
        Site name, address, automatic sending and the CAC-DRS wording are site settings: <a href="#/settings">Settings → Report</a> (leaves the reading; it reopens as saved).
      </p>
    </section>
  );
}
