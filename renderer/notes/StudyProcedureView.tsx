/**
 * The technologist's page of one study (#/procedure/<study>): the procedure notes beside the dose
 * panel, under the study's identification and the alerts the reader will see.
 */
import { useCallback, useEffect, useState } from 'react';
import type { StudySummary } from '../../db/archiveRepository.js';
import type { NotesView } from '../../main/api/contract.js';
import { cacClient } from '../api/cacClient.js';
import { DosePanel } from '../dose/DosePanel.js';
import { formatPersonName, formatStudyDate } from '../dose/doseFormat.js';
import { ProcedureAlertChips } from './ProcedureAlerts.js';
import { ProcedureNotesForm } from './ProcedureNotesForm.js';

export function StudyProcedureView({ studyInstanceUid, onClose }: { studyInstanceUid: string; onClose: () => void }) {
  const [study, setStudy] = useState<StudySummary>();
  const [alerts, setAlerts] = useState<string[]>([]);
  const onNotes = useCallback((notes: NotesView) => setAlerts(notes.alerts), []);

  useEffect(() => {
    let cancelled = false;
    // No single-study channel: the worklist's list (one local query) has the identification.
    cacClient.call('studies.list', { limit: 5000 }).then(
      ({ studies }) => {
        if (!cancelled) setStudy(studies.find((entry) => entry.studyInstanceUid === studyInstanceUid));
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [studyInstanceUid]);

  return (
    <section className="procedure-view" data-testid="procedure-view" data-study-uid={studyInstanceUid}>
      <header className="reading-header">
        <button data-testid="procedure-back" onClick={onClose}>
          ◀ Worklist
        </button>
        <span className="title" data-testid="procedure-study">
          {study
            ? `${formatPersonName(study.patientName)} · ${study.patientId} · ${formatStudyDate(study.studyDate)} · ${study.studyDescription ?? 'no description'}`
            : studyInstanceUid}
        </span>
        <ProcedureAlertChips alerts={alerts} />
      </header>
      <div className="procedure-body">
        <ProcedureNotesForm studyInstanceUid={studyInstanceUid} onNotes={onNotes} />
        <DosePanel studyInstanceUid={studyInstanceUid} defaultProtocol={study?.studyDescription ?? undefined} />
      </div>
    </section>
  );
}
