/**
 * The worklist's PACS panel: pick a PACS from the settings (or add one), search its studies, and
 * retrieve one with a progress bar and cancel. Retrieved studies reach the worklist through the
 * studies.changed event like any other arrival.
 */
import { useEffect, useState } from 'react';
import type { RetrieveProgressEvent } from '../../main/api/contract.js';
import type { NamedPacsNode } from '../../main/api/settings.js';
import type { StudyMatch } from '../../main/pacs/pacsMatches.js';
import type { RetrieveSummary } from '../../main/pacs/retrieveJob.js';
import { cacClient } from '../api/cacClient.js';

interface RetrieveState {
  jobId: string;
  progress?: RetrieveProgressEvent;
  summary?: RetrieveSummary;
  error?: string;
}

const EMPTY_NODE = { name: '', aeTitle: '', host: '', port: '104', callingAeTitle: 'CACWS', dicomWebUrl: '' };

/** DICOM dates are YYYYMMDD; the date inputs give YYYY-MM-DD. */
const dicomDate = (value: string) => value.replaceAll('-', '');

function newJobId(): string {
  return `retrieve-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function PacsPanel() {
  const [nodes, setNodes] = useState<NamedPacsNode[]>([]);
  const [chosen, setChosen] = useState('');
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState(EMPTY_NODE);
  const [query, setQuery] = useState({ patientName: '', patientId: '', from: '', to: '', modality: '', accessionNumber: '' });
  const [matches, setMatches] = useState<StudyMatch[]>();
  const [searching, setSearching] = useState(false);
  const [retrieves, setRetrieves] = useState<Record<string, RetrieveState>>({});
  const [error, setError] = useState<string>();
  // Collapsed until used: most days studies come from the scanner and the folder import.
  const [expanded, setExpanded] = useState(false);

  useEffect(() => {
    cacClient.call('settings.get', {}).then(
      ({ settings }) => {
        setNodes(settings.pacsNodes);
        setChosen((current) => current || settings.pacsNodes[0]?.name || '');
      },
      (reason: Error) => setError(reason.message),
    );
  }, []);

  useEffect(() => {
    const update = (studyInstanceUid: string, change: (state: RetrieveState) => RetrieveState, jobId: string) =>
      setRetrieves((current) => (current[studyInstanceUid]?.jobId === jobId ? { ...current, [studyInstanceUid]: change(current[studyInstanceUid]) } : current));
    const offProgress = cacClient.on('retrieve.progress', (progress) => update(progress.studyInstanceUid, (state) => ({ ...state, progress }), progress.jobId));
    const offDone = cacClient.on('retrieve.done', ({ jobId, studyInstanceUid, summary, error: failure }) =>
      update(studyInstanceUid, (state) => ({ ...state, summary, error: failure?.message }), jobId),
    );
    return () => {
      offProgress();
      offDone();
    };
  }, []);

  const addNode = async () => {
    try {
      const node = {
        name: draft.name.trim(),
        aeTitle: draft.aeTitle.trim(),
        host: draft.host.trim(),
        port: Number(draft.port),
        callingAeTitle: draft.callingAeTitle.trim(),
        ...(draft.dicomWebUrl.trim() ? { dicomWebUrl: draft.dicomWebUrl.trim() } : {}),
      };
      const { settings } = await cacClient.call('settings.update', { patch: { pacsNodes: [...nodes, node] } });
      setNodes(settings.pacsNodes);
      setChosen(node.name);
      setAdding(false);
      setDraft(EMPTY_NODE);
      setError(undefined);
    } catch (reason) {
      setError((reason as Error).message);
    }
  };

  const search = async () => {
    setSearching(true);
    try {
      const keys = {
        ...(query.patientName.trim() ? { patientName: query.patientName.trim() } : {}),
        ...(query.patientId.trim() ? { patientId: query.patientId.trim() } : {}),
        ...(query.from ? { studyDateFrom: dicomDate(query.from) } : {}),
        ...(query.to ? { studyDateTo: dicomDate(query.to) } : {}),
        ...(query.modality.trim() ? { modality: query.modality.trim() } : {}),
        ...(query.accessionNumber.trim() ? { accessionNumber: query.accessionNumber.trim() } : {}),
      };
      const { studies } = await cacClient.call('pacs.findStudies', { pacs: chosen, query: keys });
      setMatches(studies);
      setError(undefined);
    } catch (reason) {
      setError((reason as Error).message);
    } finally {
      setSearching(false);
    }
  };

  const retrieve = (study: StudyMatch) => {
    const jobId = newJobId();
    setRetrieves((current) => ({ ...current, [study.studyInstanceUid]: { jobId } }));
    // The answer repeats retrieve.done; it also covers a missed event (WebSocket reconnecting).
    cacClient.call('pacs.retrieve', { pacs: chosen, studyInstanceUid: study.studyInstanceUid, method: 'C-GET', jobId }).then(
      (summary) => setRetrieves((current) => (current[study.studyInstanceUid]?.jobId === jobId ? { ...current, [study.studyInstanceUid]: { ...current[study.studyInstanceUid], summary } } : current)),
      (reason: Error) =>
        setRetrieves((current) => (current[study.studyInstanceUid]?.jobId === jobId ? { ...current, [study.studyInstanceUid]: { ...current[study.studyInstanceUid], error: reason.message } } : current)),
    );
  };

  const cancel = (jobId: string) => void cacClient.call('pacs.cancel', { jobId }).catch((reason: Error) => setError(reason.message));

  const field = (key: keyof typeof EMPTY_NODE, label: string, width = 9) => (
    <label>
      {label}
      <input data-testid={`pacs-node-${key}`} size={width} value={draft[key]} onChange={(event) => setDraft({ ...draft, [key]: event.target.value })} />
    </label>
  );

  return (
    <section className={`pacs-panel${expanded ? ' expanded' : ''}`} data-testid="pacs-panel" data-expanded={expanded}>
      <div className="toolbar">
        <button data-testid="pacs-toggle" className="pacs-toggle" aria-expanded={expanded} onClick={() => setExpanded((value) => !value)}>
          {expanded ? '▾' : '▸'} PACS query / retrieve
        </button>
        {!expanded && <span className="muted">{nodes.length === 0 ? 'no PACS configured' : nodes.map((node) => node.name).join(', ')}</span>}
      </div>
      {expanded && (
        <>
          <div className="toolbar">
            <select data-testid="pacs-node" value={chosen} onChange={(event) => setChosen(event.target.value)} disabled={nodes.length === 0}>
              {nodes.length === 0 && <option value="">no PACS configured</option>}
              {nodes.map((node) => (
                <option key={node.name} value={node.name}>
                  {node.name} ({node.aeTitle}@{node.host}:{node.port})
                </option>
              ))}
            </select>
            <button data-testid="pacs-add" onClick={() => setAdding((value) => !value)}>
              {adding ? 'Close' : 'Add PACS…'}
            </button>
          </div>
          {(adding || nodes.length === 0) && (
            <div className="toolbar pacs-form" data-testid="pacs-form">
              {field('name', 'Name')}
              {field('aeTitle', 'AE title')}
              {field('host', 'Host', 12)}
              {field('port', 'Port', 5)}
              {field('callingAeTitle', 'Our AE')}
              {field('dicomWebUrl', 'DICOMweb URL (optional)', 24)}
              <button data-testid="pacs-save" disabled={!draft.name.trim() || !draft.aeTitle.trim() || !draft.host.trim()} onClick={() => void addNode()}>
                Save PACS
              </button>
            </div>
          )}
          <div className="toolbar">
            <input data-testid="pacs-patient-name" placeholder="Patient name (* wildcards)" value={query.patientName} onChange={(event) => setQuery({ ...query, patientName: event.target.value })} />
            <input data-testid="pacs-patient-id" placeholder="Patient ID" size={10} value={query.patientId} onChange={(event) => setQuery({ ...query, patientId: event.target.value })} />
            <input data-testid="pacs-date-from" type="date" title="Study date from" value={query.from} onChange={(event) => setQuery({ ...query, from: event.target.value })} />
            <input data-testid="pacs-date-to" type="date" title="Study date to" value={query.to} onChange={(event) => setQuery({ ...query, to: event.target.value })} />
            <input data-testid="pacs-modality" placeholder="Modality" size={5} value={query.modality} onChange={(event) => setQuery({ ...query, modality: event.target.value })} />
            <input data-testid="pacs-accession" placeholder="Accession" size={10} value={query.accessionNumber} onChange={(event) => setQuery({ ...query, accessionNumber: event.target.value })} />
            <button data-testid="pacs-search" disabled={!chosen || searching} onClick={() => void search()}>
              {searching ? 'Searching…' : 'Search PACS'}
            </button>
          </div>
          {error && (
            <div className="error" role="alert" data-testid="pacs-error">
              {error}
            </div>
          )}
          {matches && (
            <table className="studies" data-testid="pacs-results">
              <thead>
                <tr>
                  <th>Patient</th>
                  <th>ID</th>
                  <th>Date</th>
                  <th>Description</th>
                  <th>Modalities</th>
                  <th>Images</th>
                  <th>Retrieve</th>
                </tr>
              </thead>
              <tbody>
                {matches.map((study) => {
                  const state = retrieves[study.studyInstanceUid];
                  const progress = state?.progress;
                  const finished = state?.summary !== undefined || state?.error !== undefined;
                  const total = progress ? progress.requested + progress.skipped : 0;
                  const fraction = state?.summary?.status === 'done' ? 1 : progress && total > 0 ? (progress.completed + progress.failed + progress.skipped) / total : 0;
                  return (
                    <tr key={study.studyInstanceUid} data-testid="pacs-study-row" data-study-uid={study.studyInstanceUid}>
                      <td>{(study.patientName ?? '(no name)').replace(/\^+/g, ', ').replace(/, $/, '')}</td>
                      <td>{study.patientId}</td>
                      <td>{study.studyDate?.length === 8 ? `${study.studyDate.slice(0, 4)}-${study.studyDate.slice(4, 6)}-${study.studyDate.slice(6, 8)}` : study.studyDate}</td>
                      <td>{study.studyDescription}</td>
                      <td>{study.modalitiesInStudy.join(', ')}</td>
                      <td className="number">{study.numberOfInstances ?? ''}</td>
                      <td className="retrieve-cell">
                        {(!state || finished) && (
                          <button data-testid="pacs-retrieve" onClick={() => retrieve(study)}>
                            Retrieve
                          </button>
                        )}
                        {state && (
                          <span data-testid="pacs-retrieve-status" data-status={state.summary?.status ?? (state.error ? 'failed' : 'running')}>
                            <progress data-testid="pacs-retrieve-progress" max={1} value={fraction} />{' '}
                            {state.error
                              ? `failed: ${state.error}`
                              : state.summary
                                ? `${state.summary.status}: ${state.summary.stored} stored, ${state.summary.alreadyArchived} already here`
                                : progress
                                  ? `${progress.completed + progress.skipped} / ${total}`
                                  : 'starting…'}
                          </span>
                        )}
                        {state && !finished && (
                          <button data-testid="pacs-retrieve-cancel" onClick={() => cancel(state.jobId)}>
                            Cancel
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
                {matches.length === 0 && (
                  <tr>
                    <td colSpan={7} className="empty">
                      No studies at this PACS match.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
