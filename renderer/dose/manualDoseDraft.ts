/**
 * The manual dose form's editing state: every value kept as the text typed, converted to the
 * dose.recordManual request on save. The API validates the ranges (one place for the rules); this
 * only turns text into numbers, leaving a required value out when empty so the refusal says it is
 * missing. Pure: tested beside it.
 */
import type { CacRequest } from '../../main/api/contract.js';
import { numberOrText } from '../notes/checklistDraft.js';

/** The numeric inputs of one irradiation event, with their units as shown next to the input. */
export const EVENT_NUMBER_FIELDS = [
  { key: 'ctdivolMgy', label: 'CTDIvol', unit: 'mGy', required: true },
  { key: 'dlpMgyCm', label: 'DLP', unit: 'mGy·cm', required: true },
  { key: 'kvp', label: 'Tube voltage', unit: 'kV', required: false },
  { key: 'tubeCurrentMa', label: 'Tube current', unit: 'mA', required: false },
  { key: 'exposureTimeS', label: 'Exposure time', unit: 's', required: false },
  { key: 'scanLengthMm', label: 'Scan length', unit: 'mm', required: false },
] as const;

export type EventNumberKey = (typeof EVENT_NUMBER_FIELDS)[number]['key'];

export interface DoseEventDraft {
  numbers: Record<EventNumberKey, string>;
  phantom: 'body-32' | 'head-16';
  acquisitionType: string;
  protocol: string;
}

export interface ManualDoseDraft {
  events: DoseEventDraft[];
  dlpTotalText: string;
  scanner: string;
  comment: string;
}

export function emptyEventDraft(protocol = ''): DoseEventDraft {
  return { numbers: { ctdivolMgy: '', dlpMgyCm: '', kvp: '', tubeCurrentMa: '', exposureTimeS: '', scanLengthMm: '' }, phantom: 'body-32', acquisitionType: '', protocol };
}

export function emptyManualDraft(protocol = ''): ManualDoseDraft {
  return { events: [emptyEventDraft(protocol)], dlpTotalText: '', scanner: '', comment: '' };
}

const textOrNull = (text: string): string | null => (text.trim() === '' ? null : text.trim());

export function manualDoseRequest(studyInstanceUid: string, draft: ManualDoseDraft): CacRequest<'dose.recordManual'> {
  return {
    studyInstanceUid,
    events: draft.events.map((event) => {
      const numbers: Record<string, number | null | undefined> = {};
      for (const field of EVENT_NUMBER_FIELDS) {
        const value = numberOrText(event.numbers[field.key]);
        // A required value left empty is sent as missing: the API then says "... is missing: enter it in mGy".
        numbers[field.key] = value === null && field.required ? undefined : value;
      }
      return {
        ...(numbers as { ctdivolMgy: number; dlpMgyCm: number }),
        kvp: numbers.kvp ?? null,
        tubeCurrentMa: numbers.tubeCurrentMa ?? null,
        exposureTimeS: numbers.exposureTimeS ?? null,
        scanLengthMm: numbers.scanLengthMm ?? null,
        phantom: event.phantom,
        acquisitionType: textOrNull(event.acquisitionType),
        protocol: textOrNull(event.protocol),
      };
    }),
    dlpTotalMgyCm: numberOrText(draft.dlpTotalText),
    scanner: textOrNull(draft.scanner),
    comment: textOrNull(draft.comment),
  };
}
