/**
 * The reading view: slice view with the calcium overlay, legend, current artery and scope, score
 * table, acquisition warnings, undo/redo, and the 3D calcium map.
 */
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { OtherReading, ReadingChange, ReadingView as Reading } from '../../main/api/contract.js';
import type { AssignmentTarget, ClickScope } from '../../native-worker/scoring/arteries.js';
import { ApiCallError, cacClient, fetchLabels, fetchVolume } from '../api/cacClient.js';
import { cssColour, TARGET_CODE, TARGET_KEYS } from './palette.js';
import { ScoreTable } from './ScoreTable.js';
import { SliceView, WINDOW_PRESETS, type WindowLevel } from './SliceView.js';
import type { Vec3 } from './sliceGeometry.js';
import { pointToIndex } from './sliceGeometry.js';
import type { StudySummary } from '../../db/archiveRepository.js';
import type { Settings } from '../../main/api/settings.js';
import { patientBanner } from './patientBanner.js';
// ---- procedure notes (issue 5): the technologist's alerts above the reading
import { ProcedureAlertBanner } from '../notes/ProcedureAlerts.js';
// ---- end procedure notes
// ---- report (issue 6): the report panel, shown in place of the images
import { ReportPanel } from '../report/ReportPanel.js';
// ---- end report

const CalciumMap3D = lazy(() => import('../vtk/CalciumMap3D.js'));

export interface ReadingTarget {
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

type LoadState =
  | { phase: 'opening' }
  | { phase: 'failed'; message: string }
  // Other readers have saved readings and you have none: take one over or start your own (issue 10).
  | { phase: 'choose'; message: string; otherReadings: OtherReading[] }
  | { phase: 'ready'; reading: Reading; hu: Int16Array | Float32Array };
type ReadingStart = 'own' | 'new' | { takeOver: number };

export function ReadingView({ target, onClose }: { target: ReadingTarget; onClose: () => void }) {
  const [state, setState] = useState<LoadState>({ phase: 'opening' });
  const [change, setChange] = useState<ReadingChange>();
  const [labels, setLabels] = useState<Uint8Array>();
  /** The revision the shown label volume belongs to (it arrives just after the scores). */
  const [labelsRevision, setLabelsRevision] = useState<number>();
  const [slice, setSlice] = useState(0);
  const [windowLevel, setWindowLevel] = useState<WindowLevel>(WINDOW_PRESETS.calcium);
  const [artery, setArtery] = useState<AssignmentTarget>('LAD');
  const [scope, setScope] = useState<ClickScope>('lesion');
  const [message, setMessage] = useState<string>();
  const [show3d, setShow3d] = useState(false);
  // The reader's choice applies to one open only; a later open (another series) asks for their own again.
  const start = useRef<ReadingStart>('own');
  const [attempt, setAttempt] = useState(0);
  const choose = (choice: ReadingStart) => {
    start.current = choice;
    setState({ phase: 'opening' });
    setAttempt((n) => n + 1);
  };
  const [showReport, setShowReport] = useState(false); // report (issue 6)
  const [marker, setMarker] = useState<Vec3>();
  const queue = useRef<Promise<void>>(Promise.resolve());
  const revision = useRef(0);
  const [study, setStudy] = useState<StudySummary>();
  const [display, setDisplay] = useState<Settings['display']>();

  // Who is being read (the header) and how the site wants the overlay and the score table shown.
  useEffect(() => {
    let cancelled = false;
    // No single-study channel: the worklist's list (one local query) has the identification.
    cacClient.call('studies.list', { limit: 5000 }).then(
      ({ studies }) => {
        if (!cancelled) setStudy(studies.find((entry) => entry.studyInstanceUid === target.studyInstanceUid));
      },
      () => undefined,
    );
    cacClient.call('settings.get', {}).then(
      ({ settings }) => {
        if (!cancelled) setDisplay(settings.display);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [target.studyInstanceUid]);

  useEffect(() => {
    let cancelled = false;
    let openedId: number | undefined;
    void (async () => {
      try {
        const choice = start.current;
        start.current = 'own';
        const reading = await cacClient.call('reading.open', { ...target, start: choice });
        openedId = reading.readingId;
        const [volume, labelBytes] = await Promise.all([fetchVolume(reading.readingId), fetchLabels(reading.readingId)]);
        if (cancelled) return;
        const hu = reading.volume.huType === 'int16' ? new Int16Array(volume) : new Float32Array(volume);
        revision.current = reading.revision;
        setChange({ revision: reading.revision, scores: reading.scores, assignments: reading.assignments.length, redoDepth: reading.redoDepth });
        setLabels(new Uint8Array(labelBytes));
        setLabelsRevision(reading.revision);
        setSlice(Math.floor(reading.geometry.slices / 2));
        setState({ phase: 'ready', reading, hu });
      } catch (reason) {
        if (cancelled) return;
        if (reason instanceof ApiCallError && reason.otherReadings?.length) setState({ phase: 'choose', message: reason.message, otherReadings: reason.otherReadings });
        else setState({ phase: 'failed', message: (reason as Error).message });
      }
    })();
    return () => {
      cancelled = true;
      if (openedId !== undefined) void cacClient.call('reading.close', { readingId: openedId }).catch(() => undefined);
    };
  }, [target.studyInstanceUid, target.seriesInstanceUid, attempt]);

  const reading = state.phase === 'ready' ? state.reading : undefined;

  const applyChange = useCallback(
    async (next: ReadingChange) => {
      if (!reading) return;
      revision.current = next.revision;
      setChange(next);
      const bytes = new Uint8Array(await fetchLabels(reading.readingId));
      if (revision.current === next.revision) {
        setLabels(bytes);
        setLabelsRevision(next.revision);
      }
    },
    [reading],
  );

  /** Requests run one after another (each needs the revision the previous one produced); none is dropped. */
  const run = useCallback((action: () => Promise<void>) => {
    const next = queue.current.then(action).catch((reason: unknown) => setMessage((reason as Error).message));
    queue.current = next;
    return next;
  }, []);

  const assignAt = useCallback(
    (point: Vec3) =>
      run(async () => {
        if (!reading) return;
        const response = await cacClient.call('reading.assign', { readingId: reading.readingId, revision: revision.current, assignment: { artery, point, scope } });
        setMessage(response.outcome.applied ? undefined : (response.outcome.message ?? 'no calcium under the click'));
        await applyChange(response);
      }),
    [reading, artery, scope, run, applyChange],
  );

  const undoRedo = useCallback(
    (channel: 'reading.undo' | 'reading.redo') =>
      run(async () => {
        if (!reading) return;
        const response = await cacClient.call(channel, { readingId: reading.readingId, revision: revision.current });
        setMessage(response.assignment ? undefined : channel === 'reading.undo' ? 'nothing to undo' : 'nothing to redo');
        await applyChange(response);
      }),
    [reading, run, applyChange],
  );

  useEffect(() => {
    if (!reading) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
      const key = event.key;
      if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === 'z') {
        void undoRedo(event.shiftKey ? 'reading.redo' : 'reading.undo');
      } else if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === 'y') {
        void undoRedo('reading.redo');
      } else if (event.ctrlKey || event.metaKey || event.altKey) {
        return;
      } else if (TARGET_KEYS.some((entry) => entry.key === key.toUpperCase())) {
        setArtery(TARGET_KEYS.find((entry) => entry.key === key.toUpperCase())!.target);
      } else if (key === 's' || key === 'S') {
        setScope((current) => (current === 'lesion' ? 'slice' : 'lesion'));
      } else if (key === 'ArrowUp' || key === 'ArrowRight' || key === 'PageUp') {
        setSlice((current) => Math.min(reading.geometry.slices - 1, current + 1));
      } else if (key === 'ArrowDown' || key === 'ArrowLeft' || key === 'PageDown') {
        setSlice((current) => Math.max(0, current - 1));
      } else if (key === 'c' || key === 'C') {
        setWindowLevel(WINDOW_PRESETS.calcium);
      } else if (key === 'm' || key === 'M') {
        setWindowLevel(WINDOW_PRESETS.mediastinum);
      } else if (key === 'b' || key === 'B') {
        setWindowLevel(WINDOW_PRESETS.bone);
      } else if (key === 'Escape') {
        onClose();
      } else {
        return;
      }
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [reading, undoRedo, onClose]);

  const selectFrom3d = useCallback(
    (point: Vec3) => {
      if (!reading) return;
      setSlice(pointToIndex(reading.geometry, point).k);
      setMarker(point);
    },
    [reading],
  );

  if (state.phase === 'opening') return <div className="loading" data-testid="reading-loading">Opening the series…</div>;
  if (state.phase === 'choose')
    return (
      <div className="reading-choose" role="alert" data-testid="reading-choose">
        <p>{state.message}</p>
        <ul>
          {state.otherReadings.map((other) => (
            <li key={other.readingId} data-testid="reading-choose-other">
              {other.reader}: {other.assignments} assignments, saved {other.updatedAt}{' '}
              <button data-testid="reading-take-over" onClick={() => choose({ takeOver: other.readingId })}>
                Continue {other.reader}'s reading (take over)
              </button>
            </li>
          ))}
        </ul>
        <button data-testid="reading-start-own" onClick={() => choose('new')}>Start my own</button>{' '}
        <button onClick={onClose}>Back to the worklist</button>
      </div>
    );
  if (state.phase === 'failed')
    return (
      <div className="error" role="alert" data-testid="reading-error">
        {state.message} <button onClick={onClose}>Back to the worklist</button>
      </div>
    );

  const { reading: current, hu } = state;
  const warnings = current.issues.filter((issue) => issue.severity !== 'note');
  const notes = current.issues.filter((issue) => issue.severity === 'note');
  const banner = study && patientBanner(study);
  return (
    <section className="reading" data-testid="reading-view" data-reading-id={current.readingId} data-revision={change?.revision} data-labels-revision={labelsRevision}>
      <header className="reading-header">
        <button data-testid="back-to-worklist" onClick={onClose}>
          ◀ Worklist
        </button>
        {banner && (
          <span className="patient-banner" data-testid="reading-patient">
            <strong data-testid="reading-patient-name">{banner.name}</strong>
            <span data-testid="reading-patient-id">ID {banner.patientId}</span>
            <span data-testid="reading-patient-birth">{banner.birth}</span>
            <span data-testid="reading-study-date">{banner.studyDate}</span>
          </span>
        )}
        <span className="title">
          {current.series.seriesDescription ?? 'Series'} · {current.series.kvp ? `${current.series.kvp} kVp` : 'kVp unknown'} ·{' '}
          {current.series.sliceThicknessMm ? `${current.series.sliceThicknessMm} mm` : ''} · reader {current.reader}
        </span>
        <span className="spacer" />
        {(['calcium', 'mediastinum', 'bone'] as const).map((preset) => (
          <button key={preset} data-testid={`preset-${preset}`} onClick={() => setWindowLevel(WINDOW_PRESETS[preset])}>
            {preset} ({preset[0].toUpperCase()})
          </button>
        ))}
        <button data-testid="toggle-3d" className={show3d ? 'active' : undefined} onClick={() => setShow3d((value) => !value)}>
          3D map
        </button>
        {/* ---- report (issue 6) */}
        <button data-testid="toggle-report" className={showReport ? 'active' : undefined} aria-pressed={showReport} onClick={() => setShowReport((value) => !value)}>
          {showReport ? '◀ Images' : 'Report'}
        </button>
        {/* ---- end report */}
      </header>
      {/* ---- procedure notes (issue 5): claustrophobia, incomplete scan ... from the technologist */}
      <ProcedureAlertBanner studyInstanceUid={target.studyInstanceUid} />
      {/* ---- end procedure notes */}
      {(warnings.length > 0 || current.restored.missed.length > 0 || current.restored.algorithmVersionChanged) && (
        <ul className="warnings" data-testid="acquisition-warnings">
          {warnings.map((issue, index) => (
            <li key={index} className={issue.severity}>
              ⚠ {issue.message}
            </li>
          ))}
          {current.restored.algorithmVersionChanged && <li className="warning">⚠ {current.restored.algorithmVersionChanged.message}</li>}
          {current.restored.missed.map((missed, index) => (
            <li key={`missed-${index}`} className="warning">
              ⚠ a saved {missed.assignment.artery} click found no calcium when replayed{missed.message ? `: ${missed.message}` : ''}
            </li>
          ))}
        </ul>
      )}
      <div className="reading-body">
        {/* ---- report (issue 6): the panel hides the viewports (CSS) but keeps their state */}
        {showReport && change && (
          <ReportPanel
            studyInstanceUid={target.studyInstanceUid}
            seriesInstanceUid={target.seriesInstanceUid}
            readingId={current.readingId}
            readingRevision={change.revision}
            assignments={change.assignments}
            totalAgatston={change.scores.total.agatston}
            unassignedLesions={change.scores.candidates.unassignedLesions}
          />
        )}
        {/* ---- end report */}
        <div className="viewports">
          <SliceView
            geometry={current.geometry}
            hu={hu}
            labels={labels}
            slice={slice}
            onSlice={setSlice}
            windowLevel={windowLevel}
            onWindowLevel={setWindowLevel}
            onPick={(point) => void assignAt(point)}
            marker={marker}
            overlayOpacity={display?.overlayOpacity}
          />
          {show3d && labels && (
            <Suspense fallback={<div className="loading">Loading the 3D map…</div>}>
              <CalciumMap3D geometry={current.geometry} labels={labels} revision={change?.revision ?? 0} onSelect={selectFrom3d} />
            </Suspense>
          )}
        </div>
        <aside className="side-panel">
          <div className="tools" data-testid="artery-picker">
            {TARGET_KEYS.map(({ key, target }) => (
              <button
                key={target}
                data-testid={`artery-${target}`}
                className={artery === target ? 'active' : undefined}
                aria-pressed={artery === target}
                onClick={() => setArtery(target)}
              >
                <span className="swatch" style={{ background: cssColour(TARGET_CODE[target]) }} />
                {target} <kbd>{key}</kbd>
              </button>
            ))}
          </div>
          <div className="tools">
            <button data-testid="scope-toggle" data-scope={scope} onClick={() => setScope((value) => (value === 'lesion' ? 'slice' : 'lesion'))}>
              Scope: {scope === 'lesion' ? 'whole lesion' : 'this slice'} <kbd>S</kbd>
            </button>
            <button data-testid="undo" disabled={!change || change.assignments === 0} onClick={() => void undoRedo('reading.undo')}>
              Undo <kbd>Ctrl+Z</kbd>
            </button>
            <button data-testid="redo" disabled={!change || change.redoDepth === 0} onClick={() => void undoRedo('reading.redo')}>
              Redo <kbd>Ctrl+Shift+Z</kbd>
            </button>
          </div>
          <div className="legend" data-testid="legend">
            {TARGET_KEYS.map(({ target }) => (
              <span key={target}>
                <span className="swatch" style={{ background: cssColour(TARGET_CODE[target]) }} />
                {target}
              </span>
            ))}
            <span>
              <span className="swatch" style={{ background: cssColour(6) }} />
              unassigned calcium
            </span>
          </div>
          {message && (
            <div className="message" role="status" data-testid="reading-message">
              {message}
            </div>
          )}
          {change && <ScoreTable scores={change.scores} lmWithLad={display?.reportLmWithLad ?? false} />}
          <div className="assignment-count" data-testid="assignment-count">
            {change?.assignments ?? 0} assignments · revision {change?.revision ?? 0}
          </div>
          {notes.length > 0 && (
            <ul className="notes">
              {notes.map((issue, index) => (
                <li key={index}>{issue.message}</li>
              ))}
            </ul>
          )}
        </aside>
      </div>
    </section>
  );
}
