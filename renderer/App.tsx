/**
 * The workstation shell: worklist, dose log (#/dose), a study's procedure notes and dose
 * (#/procedure/<study>) or reading view (#/reading/<study>/<series>), chosen by the address's hash
 * so a reload keeps the place.
 */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { StudySummary } from '../db/archiveRepository.js';
import type { AppInfo } from '../main/api/contract.js';
import { cacClient } from './api/cacClient.js';
import { StudyProcedureView } from './notes/StudyProcedureView.js';
import { ReadingView, type ReadingTarget } from './reading/ReadingView.js';
// ---- settings view: #/settings
import { SettingsView } from './settings/SettingsView.js';
// ---- end settings view
// ---- deliveries view (issue 6): #/deliveries and the header tab with its badge
import { DeliveriesTab } from './outbound/DeliveriesTab.js';
import { DeliveriesView } from './outbound/DeliveriesView.js';
// ---- end deliveries view
import { Worklist } from './worklist/Worklist.js';

function targetFromHash(): ReadingTarget | undefined {
  const match = /^#\/reading\/([0-9.]+)\/([0-9.]+)$/.exec(window.location.hash);
  return match ? { studyInstanceUid: match[1], seriesInstanceUid: match[2] } : undefined;
}

// ---- dose log and procedure notes (issue 5): the other hash routes
/** Loaded on first visit: chart.js stays out of the worklist's start-up bundle. */
const DoseLogView = lazy(() => import('./dose/DoseLogView.js').then((module) => ({ default: module.DoseLogView })));

type Place = { view: 'worklist' } | { view: 'dose' } | { view: 'settings' } | { view: 'deliveries' } | { view: 'procedure'; studyInstanceUid: string };

function placeFromHash(): Place {
  if (/^#\/dose\/?$/.test(window.location.hash)) return { view: 'dose' };
  if (/^#\/settings\/?$/.test(window.location.hash)) return { view: 'settings' };
  if (/^#\/deliveries\/?$/.test(window.location.hash)) return { view: 'deliveries' }; // deliveries view
  const procedure = /^#\/procedure\/([0-9.]+)$/.exec(window.location.hash);
  return procedure ? { view: 'procedure', studyInstanceUid: procedure[1] } : { view: 'worklist' };
}

const openProcedure = (studyInstanceUid: string) => {
  window.location.hash = `#/procedure/${studyInstanceUid}`;
};
// ---- end dose log and procedure notes

export function App() {
  const [info, setInfo] = useState<AppInfo>();
  const [target, setTarget] = useState<ReadingTarget | undefined>(targetFromHash);
  const [place, setPlace] = useState<Place>(placeFromHash);
  const [error, setError] = useState<string>();
  const [crash, setCrash] = useState<string>();

  useEffect(() => {
    cacClient.call('app.info', {}).then(setInfo, (reason: Error) => setError(reason.message));
    const onHash = () => {
      setTarget(targetFromHash());
      setPlace(placeFromHash());
    };
    window.addEventListener('hashchange', onHash);
    const offCrash = cacClient.on('worker.crashed', ({ message }) => setCrash(message));
    return () => {
      window.removeEventListener('hashchange', onHash);
      offCrash();
    };
  }, []);

  const open = useCallback(async (study: StudySummary) => {
    try {
      const { series } = await cacClient.call('studies.series', { studyInstanceUid: study.studyInstanceUid });
      const ct = series.filter((entry) => (entry.modality ?? 'CT') === 'CT');
      const chosen = [...(ct.length ? ct : series)].sort((a, b) => b.instanceCount - a.instanceCount)[0];
      if (!chosen) throw new Error('this study has no series to read');
      window.location.hash = `#/reading/${study.studyInstanceUid}/${chosen.seriesInstanceUid}`;
    } catch (reason) {
      setError((reason as Error).message);
    }
  }, []);

  const close = useCallback(() => {
    window.location.hash = '#/';
  }, []);

  return (
    <div className="app">
      <nav className="app-bar">
        <span className="product" data-testid="product-name">
          {info?.productName ?? 'CAC Workstation'}
        </span>
        <span className="muted">{info ? `v${info.version} · algorithm ${info.algorithmVersion} · ${info.reader}` : ''}</span>
        <span className="nav-tabs" role="tablist">
          <a href="#/" role="tab" data-testid="nav-worklist" aria-selected={!target && place.view !== 'dose' && place.view !== 'settings' && place.view !== 'deliveries'} className={!target && place.view !== 'dose' && place.view !== 'settings' && place.view !== 'deliveries' ? 'active' : undefined}>
            Worklist
          </a>
          <a href="#/dose" role="tab" data-testid="nav-dose-log" aria-selected={place.view === 'dose'} className={place.view === 'dose' ? 'active' : undefined}>
            Dose log
          </a>
          {/* settings view */}
          <a href="#/settings" role="tab" data-testid="nav-settings" aria-selected={!target && place.view === 'settings'} className={!target && place.view === 'settings' ? 'active' : undefined}>
            Settings
          </a>
          {/* deliveries view */}
          <DeliveriesTab active={!target && place.view === 'deliveries'} />
        </span>
        <span className="spacer" />
        {info && (
          <span className={`receiver ${info.receiver.listening ? 'on' : 'off'}`} data-testid="receiver-status">
            DICOM receiver {info.receiver.listening ? `${info.receiver.aeTitle}:${info.receiver.port}` : info.receiver.enabled ? `not listening${info.receiver.problem ? `: ${info.receiver.problem}` : ''}` : 'off'}
          </span>
        )}
      </nav>
      {info?.notices.map((notice) => (
        <div key={notice} className="notice">
          {notice}
        </div>
      ))}
      {crash && (
        <div className="error" role="alert">
          {crash}
        </div>
      )}
      {error && (
        <div className="error" role="alert" data-testid="app-error">
          {error}
        </div>
      )}
      {target ? (
        <ReadingView key={`${target.studyInstanceUid}/${target.seriesInstanceUid}`} target={target} onClose={close} />
      ) : place.view === 'dose' ? (
        <Suspense fallback={<div className="loading">Loading the dose log…</div>}>
          <DoseLogView onOpenStudy={openProcedure} />
        </Suspense>
      ) : place.view === 'settings' ? (
        // settings view: the header's reader and receiver status follow what was saved
        <SettingsView onSaved={() => void cacClient.call('app.info', {}).then(setInfo, (reason: Error) => setError(reason.message))} />
      ) : place.view === 'deliveries' ? (
        // deliveries view: the study link opens its procedure page
        <DeliveriesView onOpenStudy={openProcedure} />
      ) : place.view === 'procedure' ? (
        <StudyProcedureView key={place.studyInstanceUid} studyInstanceUid={place.studyInstanceUid} onClose={close} />
      ) : (
        <Worklist onOpen={(study) => void open(study)} onOpenProcedure={(study) => openProcedure(study.studyInstanceUid)} />
      )}
    </div>
  );
}
