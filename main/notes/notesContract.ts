/**
 * The procedure notes' part of the API contract: notes.get and notes.save. Each save is a new
 * version on top of the version the form was opened with; a stale base version is a conflict
 * (another technologist saved first), never a silent overwrite. No Node imports.
 */
import { z } from 'zod';
import { procedureChecklistSchema, type ProcedureChecklist } from './procedureChecklist.js';

import { uidSchema as studyUidSchema } from '../api/uidSchema.js';

export const notesRequestSchemas = {
  'notes.get': z.strictObject({ studyInstanceUid: studyUidSchema }),
  'notes.save': z.strictObject({
    studyInstanceUid: studyUidSchema,
    /** The version the form was opened with (0 when the study had no note yet). */
    baseVersion: z.number().int().nonnegative(),
    checklist: procedureChecklistSchema,
  }),
} as const;

export interface ProcedureNoteVersion {
  version: number;
  checklist: ProcedureChecklist;
  author: string;
  recordedAt: string;
}

export interface NotesView {
  studyInstanceUid: string;
  /** The newest version, or null when nothing was recorded. */
  current: ProcedureNoteVersion | null;
  /** Every version, newest first. */
  versions: ProcedureNoteVersion[];
  /** What the reader must see (claustrophobia, incomplete scan ...), from the current version. */
  alerts: string[];
}

export interface NotesResponseByChannel {
  'notes.get': NotesView;
  'notes.save': NotesView;
}
