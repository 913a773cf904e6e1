/**
 * The procedure notes form's editing state: the checklist with its number fields kept as the text
 * typed (so a half-typed or refused value is never lost), converted to the API's checklist on save.
 * Pure: tested beside it.
 */
import type { ProcedureChecklist } from '../../main/notes/procedureChecklist.js';

export interface ChecklistDraft {
  checklist: ProcedureChecklist;
  heartRateText: string;
  timeInRoomText: string;
}

export function draftFrom(checklist: ProcedureChecklist): ChecklistDraft {
  return {
    checklist: structuredClone(checklist),
    heartRateText: checklist.heartRateBpm === null ? '' : String(checklist.heartRateBpm),
    timeInRoomText: checklist.timeInRoomMinutes === null ? '' : String(checklist.timeInRoomMinutes),
  };
}

/**
 * Empty text is "not recorded" (null); anything else goes to the API as a number, or as the text
 * itself when it is not one, so the API's message ("the heart rate is a number ...") names the field.
 */
export function numberOrText(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed.replace(',', '.'));
  return (Number.isFinite(value) ? value : trimmed) as number;
}

export function checklistFrom(draft: ChecklistDraft): ProcedureChecklist {
  return { ...draft.checklist, heartRateBpm: numberOrText(draft.heartRateText), timeInRoomMinutes: numberOrText(draft.timeInRoomText) };
}

/** Yes / no / not recorded as the select's value. */
export function yesNoValue(value: boolean | null): '' | 'yes' | 'no' {
  return value === null ? '' : value ? 'yes' : 'no';
}

export function yesNoFrom(value: string): boolean | null {
  return value === 'yes' ? true : value === 'no' ? false : null;
}

export const YES_NO_LABEL = (value: boolean | null): string => (value === null ? 'not recorded' : value ? 'yes' : 'no');
