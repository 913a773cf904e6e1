/**
 * The report's part of the settings, while the workstation has no settings dialog: who is reading
 * and in which role (only radiologists and cardiologists sign), the site printed in the header, and
 * the PACS every signed report goes to.
 */
import { useEffect, useState } from 'react';
import { READER_ROLES, type Settings } from '../../main/api/settings.js';
import { cacClient } from '../api/cacClient.js';

export function ReportSettings({ settings, onSaved }: { settings: Settings; onSaved: (settings: Settings) => void }) {
  const [form, setForm] = useState(() => ({ readerName: settings.readerName, readerRole: settings.readerRole, siteName: settings.report.siteName, siteAddress: settings.report.siteAddress, sendTo: settings.report.sendTo }));
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    setForm({ readerName: settings.readerName, readerRole: settings.readerRole, siteName: settings.report.siteName, siteAddress: settings.report.siteAddress, sendTo: settings.report.sendTo });
  }, [settings]);

  const save = async () => {
    try {
      const answer = await cacClient.call('settings.update', {
        patch: { readerName: form.readerName, readerRole: form.readerRole, report: { siteName: form.siteName, siteAddress: form.siteAddress, sendTo: form.sendTo } },
      });
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

  return (
    <section className="report-section report-settings" data-testid="report-settings">
      <div className="report-settings-grid">
        <label className="field">
          <span className="field-label">Reader</span>
          <input data-testid="settings-reader-name" value={form.readerName} onChange={(event) => change({ readerName: event.target.value })} />
        </label>
        <label className="field">
          <span className="field-label">Role</span>
          <select data-testid="settings-reader-role" value={form.readerRole} onChange={(event) => change({ readerRole: event.target.value as Settings['readerRole'] })}>
            {READER_ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Site name (report header)</span>
          <input data-testid="settings-site-name" value={form.siteName} onChange={(event) => change({ siteName: event.target.value })} />
        </label>
        <label className="field">
          <span className="field-label">Site address</span>
          <input data-testid="settings-site-address" value={form.siteAddress} onChange={(event) => change({ siteAddress: event.target.value })} />
        </label>
      </div>
      <div className="field">
        <span className="field-label">Send every signed report to</span>
        {settings.pacsNodes.length === 0 ? (
          <span className="muted">no PACS configured (add one in the worklist's PACS panel)</span>
        ) : (
          <span className="report-send-to">
            {settings.pacsNodes.map((node) => (
              <label key={node.name}>
                <input
                  type="checkbox"
                  data-testid={`settings-send-to-${node.name}`}
                  checked={form.sendTo.includes(node.name)}
                  onChange={(event) => change({ sendTo: event.target.checked ? [...form.sendTo, node.name] : form.sendTo.filter((name) => name !== node.name) })}
                />{' '}
                {node.name}
              </label>
            ))}
          </span>
        )}
      </div>
      {error && (
        <div className="error" role="alert" data-testid="settings-error">
          {error}
        </div>
      )}
      <div className="form-footer">
        <button className="primary" data-testid="settings-save" onClick={() => void save()}>
          Save settings
        </button>
        {saved && (
          <span className="saved" data-testid="settings-saved">
            saved
          </span>
        )}
      </div>
    </section>
  );
}
