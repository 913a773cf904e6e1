/**
 * The Settings view (#/settings): everything a site configures without editing files, one section
 * per part of the settings, each saved on its own (settings.update of that section only), so a
 * refusal in one never loses what is typed in another.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ReceiverStatus, SettingsResponse } from '../../main/api/contract.js';
import type { Settings } from '../../main/api/settings.js';
import { cacClient } from '../api/cacClient.js';
import { DisplaySection } from './DisplaySection.js';
import { DoseSection } from './DoseSection.js';
import { ReceiverSection } from './ReceiverSection.js';
import { ReportSection } from './ReportSection.js';
import { ScoringSection } from './ScoringSection.js';
import { UnsavedContext } from './SettingsSection.js';
import { SessionSection } from './UserSection.js';
import { BackupSection } from '../backup/BackupSection.js';
import { useOptionalSession } from '../auth/useSession.js';

const CONTENTS = [
  { id: 'session', title: 'Sessions' },
  { id: 'scoring', title: 'Scoring' },
  { id: 'dose', title: 'Dose' },
  { id: 'report', title: 'Report' },
  { id: 'receiver', title: 'DICOM receiver' },
  { id: 'display', title: 'Display' },
  { id: 'backup', title: 'Backup' },
] as const;

/** The sections a physicist may change (main/auth/channelAccess.ts PHYSICIST_SETTINGS); the administrator changes them all and makes backups. */
const PHYSICIST_SECTIONS: readonly string[] = ['scoring', 'dose', 'display'];

export function SettingsView({ onSaved }: { onSaved?: (response: SettingsResponse) => void }) {
  const [settings, setSettings] = useState<Settings>();
  const [receiver, setReceiver] = useState<ReceiverStatus>();
  const [restartRequired, setRestartRequired] = useState(false);
  const [error, setError] = useState<string>();
  const [unsaved, setUnsaved] = useState<string[]>([]);
  const roles = useOptionalSession()?.session.user.roles;
  // Without a session (a test mounting the view alone) everything shows; main refuses what the role may not.
  const admin = roles === undefined || roles.includes('admin');
  const shows = (id: string) => admin || (id !== 'backup' && PHYSICIST_SECTIONS.includes(id));
  const contents = CONTENTS.filter((entry) => shows(entry.id));
  const reportUnsaved = useCallback((id: string, dirty: boolean) => setUnsaved((current) => (dirty ? (current.includes(id) ? current : [...current, id]) : current.filter((entry) => entry !== id))), []);

  // Closing or reloading the window with unsaved changes asks first (the browser's own question).
  useEffect(() => {
    if (unsaved.length === 0) return;
    const ask = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [unsaved.length]);

  const load = useCallback(() => {
    cacClient.call('settings.get', {}).then(
      (response) => {
        setSettings(response.settings);
        setReceiver(response.receiver);
        setError(undefined);
      },
      (reason: Error) => setError(`The settings could not be read: ${reason.message}`),
    );
  }, []);
  useEffect(load, [load]);

  const saved = useCallback(
    (response: SettingsResponse) => {
      setSettings(response.settings);
      if (response.receiver) setReceiver(response.receiver);
      if (response.restartRequired) setRestartRequired(true);
      onSaved?.(response);
    },
    [onSaved],
  );

  // The hash is the route, so the contents scroll instead of using #anchors.
  const show = (id: string) => document.getElementById(`settings-${id}`)?.scrollIntoView({ behavior: 'smooth', block: 'start' });

  return (
    <div className="settings-view" data-testid="settings-view" data-loaded={settings !== undefined}>
      <nav className="settings-contents" aria-label="Settings sections">
        <strong>Settings</strong>
        {contents.map((entry) => (
          <button key={entry.id} className="link" data-testid={`settings-goto-${entry.id}`} onClick={() => show(entry.id)}>
            {entry.title}
          </button>
        ))}
        <span className="spacer" />
        {unsaved.length > 0 && (
          <span className="settings-unsaved" data-testid="settings-unsaved-summary">
            unsaved changes in {contents.filter((entry) => unsaved.includes(entry.id)).map((entry) => entry.title).join(', ')}
          </span>
        )}
        <button data-testid="settings-reload" onClick={load} title="Read the stored settings again (unsaved changes in a section are kept)">
          Reload
        </button>
      </nav>
      {error && (
        <div className="error" role="alert" data-testid="settings-load-error">
          {error}
        </div>
      )}
      {restartRequired && (
        <div className="notice" data-testid="settings-restart">
          Some changes take effect after the workstation is restarted.
        </div>
      )}
      {!settings ? (
        !error && <div className="loading">Loading the settings…</div>
      ) : (
        <UnsavedContext.Provider value={reportUnsaved}>
          <div className="settings-body">
            {shows('session') && <SessionSection settings={settings} onSaved={saved} />}
            {shows('scoring') && <ScoringSection settings={settings} onSaved={saved} />}
            {shows('dose') && <DoseSection settings={settings} onSaved={saved} />}
            {shows('report') && <ReportSection settings={settings} onSaved={saved} />}
            {shows('receiver') && <ReceiverSection settings={settings} status={receiver} onSaved={saved} />}
            {shows('display') && <DisplaySection settings={settings} onSaved={saved} />}
            {shows('backup') && (
              // The contents' "Backup" link scrolls to this id.
              <div id="settings-backup">
                <BackupSection />
              </div>
            )}
          </div>
        </UnsavedContext.Provider>
      )}
    </div>
  );
}
