/**
 * The dose.* and notes.* channels of the handler table (main/api/handlers.ts spreads these in):
 * requests arrive validated by the contract's schemas; every access and export is audited.
 */
import type { z } from 'zod';
import { ApiFailure } from '../api/apiError.js';
import type { ArchiveStore } from '../archive/archiveStore.js';
import type { SettingsStore } from '../api/settingsStore.js';
import { doseRequestSchemas, type DoseResponseByChannel } from './doseLogContract.js';
import { notesRequestSchemas, type NotesResponseByChannel } from '../notes/notesContract.js';

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

export function createDoseChannels(_services: DoseChannelServices): DoseChannelImplementation {
  const notYet = (): never => {
    throw new ApiFailure('internal', 'the dose log is not available yet in this build');
  };
  return {
    'dose.get': notYet,
    'dose.recordManual': notYet,
    'dose.setReason': notYet,
    'dose.log': notYet,
    'dose.patientHistory': notYet,
    'dose.exportCsv': notYet,
    'notes.get': notYet,
    'notes.save': notYet,
  };
}
