/**
 * The workstation shell: the session gate (first admin, login, lock, password change) around the
 * signed-in person's workspace: worklist, dose log (#/dose), a study's procedure notes and dose
 * (#/procedure/<study>) or reading view (#/reading/<study>/<series>), deliveries, settings, users
 * (#/users) and the audit trail (#/audit), chosen by the address's hash so a reload keeps the
 * place. Tabs a role cannot use are hidden (main refuses them anyway).
 */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { StudySummary } from '../db/archiveRepository.js';
import type { AppInfo } from '../main/api/contract.js';
import { CLINICAL_ROLES, type Role } from '../main/auth/roles.js';
import { cacClient } from './api/cacClient.js';
import { SessionGate } from './auth/SessionGate.js';
import { mayAny, rolesText, useSession } from './auth/useSession.js';
import { AuditView } from './audit/AuditView.js';
import { StudyProcedureView } from './notes/StudyProcedureView.js';
import { ReadingView, type ReadingTarget } from './reading/ReadingView.js';
// ---- settings view: #/settings
import { SettingsView } from './settings/SettingsView.js';
// ---- end settings view
// ---- deliveries view (issue 6): #/deliveries and the header tab with its badge
import { DeliveriesTab } from './outbound/DeliveriesTab.js';
import { DeliveriesView } from './outbound/DeliveriesView.js';
// ---- end deliveries view
import { UsersView } from './users/UsersView.js';
import { Worklist } from './worklist/Worklist.js';

function targetFromHash(): ReadingTarget | undefined {
  const match = /^#\/reading\/([0-9.]+)\/([0-9.]+)$/.exec(window.location.hash);
  return match ? { studyInstanceUid: match[1], seriesInstanceUid: match[2] } : undefined;
}

// ---- dose log and procedure notes (issue 5): the other hash routes
/** Loaded on first visit: chart.js stays out of the worklist's start-up bundle. */
const DoseLogView = lazy(() => import('./dose/DoseLogView.js').then((module) => ({ default: module.DoseLogView })));

type Place =
  | { view: 'worklist' }
  | { view: 'dose' }
  | { view: 'settings' }
  | { view: 'deliveries' }
  | { view: 'users' }
  | { view: 'audit' }
  | { view: 'procedure'; studyInstanceUid: string };

function placeFromHash(): Place {
  const hash = window.location.hash;
  if (/^#\/dose\/?$/.test(hash)) return { view: 'dose' };
  if (/^#\/settings\/?$/.test(hash)) return { view: 'settings' };
  if (/^#\/deliveries\/?$/.test(hash)) return { view: 'deliveries' }; // deliveries view
  if (/^#\/users\/?$/.test(hash)) return { view: 'users' };
  if (/^#\/audit\/?$/.test(hash)) return { view: 'audit' };
  const procedure = /^#\/procedure\/([0-9.]+)$/.exec(hash);
  return procedure ? { view: 'procedure', studyInstanceUid: procedure[1] } : { view: 'worklist' };
}

const openProcedure = (studyInstanceUid: string) => {
  window.location.hash = `#/procedure/${studyInstanceUid}`;
};
// ---- end dose log and procedure notes

/** Who sees which top-level view (the server's channel table decides what they may do in it). */
const VIEW_ROLES: Record<Place['view'], readonly Role[]> = {
  worklist: CLINICAL_ROLES,
  dose: CLINICAL_ROLES,
  deliveries: CLINICAL_ROLES,
  procedure: CLINICAL_ROLES,
  settings: ['admin', 'physicist'],
  users: ['admin'],
  audit: ['admin', 'physicist'],
};

export function App() {
  const [info, setInfo] = useState<AppInfo>();
  const [error, setError] = useState<string>();
  // app.info is public: the product name and receiver are shown on the login screen too.
  const loadInfo = useCallback(() => {
    cacClient.call('app.info', {}).then(
      (answer) => {
        setInfo(answer);
        setError(undefined);
      },
      (reason: Error) => setError(reason.message),
    );
  }, []);
  useEffect(loadInfo, [loadInfo]);

  return (
    <SessionGate product={info?.productName ?? 'CAC Workstation'}>
      <Workspace info={info} infoError={error} reloadInfo={loadInfo} />
    </SessionGate>
  );
}

function Workspace({ info, infoError, reloadInfo }: { info: AppInfo | undefined; infoError: string | undefined; reloadInfo: () => void }) {
  const { session, lock, logOut, refresh } = useSession();
  const [target, setTarget] = useState<ReadingTarget | undefined>(targetFromHash);
  const [place, setPlace] = useState<Place>(placeFromHash);
  const [error, setError] = useState<string>();
  const [crash, setCrash] = useState<string>();
  const may = (view: Place['view']) => mayAny(session, VIEW_ROLES[view]);
  const clinical = may('worklist');

  useEffect(() => {
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

  // A place the role cannot use falls back to the person's first view (an administrator alone: Users).
  const home: Place['view'] = clinical ? 'worklist' : may('users') ? 'users' : may('audit') ? 'audit' : 'worklist';
  const shown: Place = may(place.view) ? place : { view: home };
  const reading = target && clinical ? target : undefined;
  const tab = (view: Place['view']) => !reading && shown.view === view;

  return (
    <div className="app">
      <nav className="app-bar">
        <span className="product" data-testid="product-name">
          {info?.productName ?? 'CAC Workstation'}
        </span>
        <span className="muted">{info ? `v${info.version} · algorithm ${info.algorithmVersion}` : ''}</span>
        <span className="nav-tabs" role="tablist">
          {clinical && (
            <>
              <a href="#/" role="tab" data-testid="nav-worklist" aria-selected={tab('worklist')} className={tab('worklist') ? 'active' : undefined}>
                Worklist
              </a>
              <a href="#/dose" role="tab" data-testid="nav-dose-log" aria-selected={tab('dose')} className={tab('dose') ? 'active' : undefined}>
                Dose log
              </a>
            </>
          )}
          {/* settings view */}
          {may('settings') && (
            <a href="#/settings" role="tab" data-testid="nav-settings" aria-selected={tab('settings')} className={tab('settings') ? 'active' : undefined}>
              Settings
            </a>
          )}
          {/* deliveries view */}
          {clinical && <DeliveriesTab active={tab('deliveries')} />}
          {may('users') && (
            <a href="#/users" role="tab" data-testid="nav-users" aria-selected={tab('users')} className={tab('users') ? 'active' : undefined}>
              Users
            </a>
          )}
          {may('audit') && (
            <a href="#/audit" role="tab" data-testid="nav-audit" aria-selected={tab('audit')} className={tab('audit') ? 'active' : undefined}>
              Audit
            </a>
          )}
        </span>
        <span className="spacer" />
        {info && (
          <span className={`receiver ${info.receiver.listening ? 'on' : 'off'}`} data-testid="receiver-status">
            DICOM receiver {info.receiver.listening ? `${info.receiver.aeTitle}:${info.receiver.port}` : info.receiver.enabled ? `not listening${info.receiver.problem ? `: ${info.receiver.problem}` : ''}` : 'off'}
          </span>
        )}
        <span className="session-user" data-testid="session-user" title={`${session.user.username}: ${rolesText(session.user.roles)}`}>
          <strong data-testid="session-user-name">{session.user.displayName}</strong>
          <span className="muted" data-testid="session-user-roles">
            {rolesText(session.user.roles)}
          </span>
        </span>
        <button data-testid="session-lock" onClick={lock} title="Lock the workstation; your open work stays (Ctrl+L)">
          Lock<kbd>Ctrl+L</kbd>
        </button>
        <button data-testid="session-logout" onClick={logOut} title="End your session: open work is closed (saved work stays saved)">
          Log out
        </button>
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
      {(error ?? infoError) && (
        <div className="error" role="alert" data-testid="app-error">
          {error ?? infoError}
        </div>
      )}
      {reading ? (
        <ReadingView key={`${reading.studyInstanceUid}/${reading.seriesInstanceUid}`} target={reading} onClose={close} />
      ) : shown.view === 'dose' ? (
        <Suspense fallback={<div className="loading">Loading the dose log…</div>}>
          <DoseLogView onOpenStudy={openProcedure} />
        </Suspense>
      ) : shown.view === 'settings' ? (
        // settings view: the header's receiver status and the idle lock follow what was saved
        <SettingsView
          onSaved={() => {
            reloadInfo();
            refresh();
          }}
        />
      ) : shown.view === 'deliveries' ? (
        // deliveries view: the study link opens its procedure page
        <DeliveriesView onOpenStudy={openProcedure} />
      ) : shown.view === 'users' ? (
        <UsersView />
      ) : shown.view === 'audit' ? (
        <AuditView />
      ) : shown.view === 'procedure' ? (
        <StudyProcedureView key={shown.studyInstanceUid} studyInstanceUid={shown.studyInstanceUid} onClose={close} />
      ) : (
        <Worklist onOpen={(study) => void open(study)} onOpenProcedure={(study) => openProcedure(study.studyInstanceUid)} />
      )}
    </div>
  );
}
