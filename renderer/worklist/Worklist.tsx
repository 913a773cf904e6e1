/** The worklist: archive studies with search and sort, folder import with progress and cancel. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { StudySummary } from '../../db/archiveRepository.js';
import type { CacEvents } from '../../main/api/contract.js';
import { cacClient } from '../api/cacClient.js';
import { importStatusText } from './importStatus.js';
import { PacsPanel } from './PacsPanel.js';
// ---- dose log and procedure notes (issue 5): flags per study
import { ProcedureAlertChips } from '../notes/ProcedureAlerts.js';
// ---- end dose log and procedure notes

type SortKey = 'patientName' | 'studyDate' | 'studyDescription' | 'status' | 'seriesCount';

const STATUS_LABEL: Record<StudySummary['status'], string> = { new: 'new', 'in-progress': 'in progress', signed: 'signed' };

function formatDate(date: string | null): string {
  if (!date || date.length !== 8) return date ?? '';
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
}

function formatName(name: string | null): string {
  return (name ?? '(no name)').replace(/\^+/g, ', ').replace(/, $/, '');
}

export function Worklist({ onOpen, onOpenProcedure }: { onOpen: (study: StudySummary) => void; onOpenProcedure?: (study: StudySummary) => void }) {
  const [studies, setStudies] = useState<StudySummary[]>([]);
  const [text, setText] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'studyDate', descending: true });
  const [selected, setSelected] = useState(0);
  const [error, setError] = useState<string>();
  const [importPath, setImportPath] = useState('');
  const [job, setJob] = useState<{ id: number; progress?: CacEvents['import.progress']['progress']; done?: CacEvents['import.done']['summary'] }>();
  // A small import (an empty folder, one non-DICOM file) can finish before import.start answers:
  // its events arrive first, so they are kept by job id until the job is known.
  const early = useRef(new Map<number, { progress?: CacEvents['import.progress']['progress']; done?: CacEvents['import.done']['summary'] }>());

  const refresh = useCallback(async () => {
    try {
      const { studies: listed } = await cacClient.call('studies.list', text.trim() ? { text: text.trim() } : {});
      setStudies(listed);
      setError(undefined);
    } catch (reason) {
      setError((reason as Error).message);
    }
  }, [text]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    const offChanged = cacClient.on('studies.changed', () => void refresh());
    const offProgress = cacClient.on('import.progress', ({ importJobId, progress }) => {
      early.current.set(importJobId, { ...early.current.get(importJobId), progress });
      setJob((current) => (current && current.id === importJobId ? { ...current, progress } : current));
    });
    const offDone = cacClient.on('import.done', ({ importJobId, summary }) => {
      early.current.set(importJobId, { ...early.current.get(importJobId), done: summary });
      setJob((current) => (current && current.id === importJobId ? { ...current, done: summary } : current));
      void refresh();
    });
    return () => {
      offChanged();
      offProgress();
      offDone();
    };
  }, [refresh]);

  const sorted = useMemo(() => {
    const rows = [...studies];
    rows.sort((a, b) => {
      const left = a[sort.key] ?? '';
      const right = b[sort.key] ?? '';
      const order = typeof left === 'number' && typeof right === 'number' ? left - right : String(left).localeCompare(String(right));
      return sort.descending ? -order : order;
    });
    return rows;
  }, [studies, sort]);

  const startImport = async () => {
    try {
      const { importJobId } = await cacClient.call('import.start', { path: importPath });
      const seen = early.current.get(importJobId);
      early.current.clear();
      setJob({ id: importJobId, ...seen });
      setError(undefined);
    } catch (reason) {
      setError((reason as Error).message);
    }
  };

  const cancelImport = async () => {
    if (!job) return;
    try {
      const { cancelled } = await cacClient.call('import.cancel', { importJobId: job.id });
      // Nothing was running any more (its end was missed): free the form rather than wait for ever.
      if (!cancelled) setJob((current) => (current && current.id === job.id && !current.done ? undefined : current));
    } catch (reason) {
      setError((reason as Error).message);
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.target instanceof HTMLInputElement) return;
    if (event.key === 'ArrowDown') setSelected((index) => Math.min(sorted.length - 1, index + 1));
    else if (event.key === 'ArrowUp') setSelected((index) => Math.max(0, index - 1));
    else if (event.key === 'Enter' && sorted[selected]) onOpen(sorted[selected]);
    else return;
    event.preventDefault();
  };

  const header = (key: SortKey, label: string) => (
    <th
      data-testid={`sort-${key}`}
      onClick={() => setSort((current) => ({ key, descending: current.key === key ? !current.descending : false }))}
      className={sort.key === key ? 'sorted' : undefined}
    >
      {label}
      {sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : ''}
    </th>
  );

  const progress = job?.progress;
  const fraction = job?.done ? 1 : progress && progress.filesTotal > 0 ? progress.filesDone / progress.filesTotal : 0;

  return (
    <section className="worklist" data-testid="worklist" tabIndex={0} autoFocus onKeyDown={onKeyDown}>
      <div className="toolbar">
        <input data-testid="worklist-search" placeholder="Search patient, ID, accession, description" value={text} onChange={(event) => setText(event.target.value)} />
        <span className="spacer" />
        <input data-testid="import-path" className="path" placeholder="Folder or DICOMDIR to import (full path)" value={importPath} onChange={(event) => setImportPath(event.target.value)} />
        <button data-testid="import-start" disabled={!importPath.trim() || (job !== undefined && !job.done)} onClick={() => void startImport()}>
          Import
        </button>
      </div>
      {job && (
        <div className="import-status" data-testid="import-status">
          <progress data-testid="import-progress" max={1} value={fraction} />
          <span data-testid="import-status-text">{importStatusText(progress, job.done)}</span>
          {!job.done && (
            <button data-testid="import-cancel" onClick={() => void cancelImport()}>
              Cancel
            </button>
          )}
        </div>
      )}
      <PacsPanel />
      {error && (
        <div className="error" role="alert" data-testid="worklist-error">
          {error}
        </div>
      )}
      <table className="studies">
        <thead>
          <tr>
            {header('patientName', 'Patient')}
            <th>ID</th>
            {header('studyDate', 'Date')}
            {header('studyDescription', 'Description')}
            {header('status', 'Status')}
            {header('seriesCount', 'Series')}
            <th>Flags</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sorted.map((study, index) => (
            <tr
              key={study.studyInstanceUid}
              data-testid="study-row"
              data-study-uid={study.studyInstanceUid}
              className={index === selected ? 'selected' : undefined}
              onClick={() => setSelected(index)}
              onDoubleClick={() => onOpen(study)}
            >
              <td>{formatName(study.patientName)}</td>
              <td>{study.patientId}</td>
              <td>{formatDate(study.studyDate)}</td>
              <td>{study.studyDescription ?? ''}</td>
              <td>
                <span className={`status status-${study.status}`}>{STATUS_LABEL[study.status]}</span>
              </td>
              <td className="number">{study.seriesCount}</td>
              <td className="flags" data-testid="study-flags">
                {study.doseAboveReference && (
                  <span className="dose-flag" data-testid="dose-above-reference" title="Dose above the protocol's reference level: see the dose panel">
                    ▲ dose above reference
                  </span>
                )}
                <ProcedureAlertChips alerts={study.procedureAlerts} />
              </td>
              <td className="row-actions">
                <button data-testid="open-study" onClick={() => onOpen(study)}>
                  Open
                </button>
                {onOpenProcedure && (
                  <button data-testid="open-procedure" title="Procedure notes and dose" onClick={() => onOpenProcedure(study)}>
                    Notes & dose
                  </button>
                )}
              </td>
            </tr>
          ))}
          {sorted.length === 0 && (
            <tr>
              <td colSpan={8} className="empty">
                No studies{text ? ` match “${text}”` : ' in the archive yet: import a folder or send from the scanner'}.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
