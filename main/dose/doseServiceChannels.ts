/**
 * The dose.* and notes.* channels of the handler table (main/api/handlers.ts spreads these in):
 * requests arrive validated by the contract's schemas; the dose service's typed errors become
 * typed API errors; every access to the log and every export goes into the audit log.
 */
import { actorLabel } from '../auth/actor.js';
import type { z } from 'zod';
import { ApiFailure } from '../api/apiError.js';
import type { ArchiveStore } from '../archive/archiveStore.js';
import type { SettingsStore } from '../api/settingsStore.js';
import { DoseEntryError } from '../../db/doseRepository.js';
import { ProcedureNoteError } from '../../db/procedureNoteRepository.js';
import { doseRequestSchemas, type DoseResponseByChannel } from './doseLogContract.js';
import { notesRequestSchemas, type NotesResponseByChannel } from '../notes/notesContract.js';
import { DoseConflictError, DoseNotFoundError, doseServiceFor, type DoseService } from './doseService.js';

type Schemas = typeof doseRequestSchemas & typeof notesRequestSchemas;
type ResponseByChannel = DoseResponseByChannel & NotesResponseByChannel;
export type DoseChannel = keyof Schemas;
export type DoseChannelImplementation = {
  [C in DoseChannel]: (request: z.output<Schemas[C]>) => Promise<ResponseByChannel[C]> | ResponseByChannel[C];
};

export interface DoseChannelServices {
  store: ArchiveStore;
  settings: SettingsStore;
}

/** The archive's dose service, configured from the settings store (shared by every table on it). */
export function doseServiceOf(services: DoseChannelServices): DoseService {
  const { store, settings } = services;
  return doseServiceFor(store, { settings: () => settings.get().dose, user: () => actorLabel() });
}

export function createDoseChannels(services: DoseChannelServices): DoseChannelImplementation {
  const { store, settings } = services;
  const dose = doseServiceOf(services);
  const user = () => actorLabel();
  const audit = (action: string, subject: string | undefined, details?: Record<string, unknown>) => store.audit.record({ actor: user(), action, subject, details });

  return {
    'dose.get': async ({ studyInstanceUid }) => {
      if (store.instances.listSeries(studyInstanceUid).length === 0 && !dose.doses.current(studyInstanceUid)) {
        throw new ApiFailure('not-found', `study ${studyInstanceUid} is not in the archive`);
      }
      const view = await dose.view(studyInstanceUid);
      audit('dose-viewed', studyInstanceUid, { source: view.current?.source ?? null });
      return view;
    },

    'dose.recordManual': (entry) =>
      typed(() => {
        const view = dose.recordManual(entry);
        audit('dose-recorded-manually', entry.studyInstanceUid, { doseRecordId: view.current?.id, events: entry.events.length, dlpTotalMgyCm: view.current?.dlpTotalMgyCm });
        return view;
      }),

    'dose.setReason': ({ studyInstanceUid, reason }) =>
      typed(() => {
        const view = dose.setReason(studyInstanceUid, reason);
        audit('dose-reason-recorded', studyInstanceUid, { doseRecordId: view.reason?.doseRecordId });
        return view;
      }),

    'dose.log': (filter) => {
      const log = dose.log(filter);
      audit('dose-log-viewed', undefined, { ...filter, rows: log.rows.length });
      return log;
    },

    'dose.patientHistory': ({ patientId }) =>
      typed(() => {
        const history = dose.patientHistory(patientId);
        audit('dose-history-viewed', patientId, { studies: history.studies.length });
        return history;
      }),

    'dose.exportCsv': (filter) => {
      const exported = dose.exportCsv(filter);
      audit('dose-log-exported', undefined, { ...filter, rows: exported.rows, fileName: exported.fileName });
      return exported;
    },

    'notes.get': ({ studyInstanceUid }) => {
      const view = dose.notesView(studyInstanceUid);
      audit('notes-viewed', studyInstanceUid, { version: view.current?.version ?? 0 });
      return view;
    },

    'notes.save': ({ studyInstanceUid, baseVersion, checklist }) =>
      typed(() => {
        const outcome = dose.saveNotes(studyInstanceUid, baseVersion, checklist);
        if ('conflict' in outcome) {
          throw new ApiFailure(
            'conflict',
            `the procedure note of this study was saved by someone else (version ${outcome.conflict.currentVersion}) after you opened it (version ${baseVersion}): reload it and make your change again`,
          );
        }
        audit('notes-saved', studyInstanceUid, { version: outcome.saved.version });
        return dose.notesView(studyInstanceUid);
      }),
  };
}

/** The dose service's typed errors as API errors. */
function typed<T>(work: () => T): T {
  try {
    return work();
  } catch (reason) {
    if (reason instanceof DoseEntryError || reason instanceof ProcedureNoteError) throw new ApiFailure('bad-request', reason.message, reason.problems);
    if (reason instanceof DoseNotFoundError) throw new ApiFailure('not-found', reason.message);
    if (reason instanceof DoseConflictError) throw new ApiFailure('conflict', reason.message);
    throw reason;
  }
}
