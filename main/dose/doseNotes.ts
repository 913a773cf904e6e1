/**
 * What must be said beside a DLP wherever it is shown (dose panel, dose log, report, PDF, CLI):
 * that it was estimated from the image headers, and which CTDI phantom it was measured in.
 * Pure, no Node imports: the renderer shows the same words.
 *
 * DLP in the 16 cm head phantom is about twice the DLP in the 32 cm body phantom for the same
 * exposure (GE reports small-field cardiac and paediatric scans in the head phantom). The two are
 * not the same quantity: they are never added as they are, and k (AAPM Report 96, adult chest) is
 * defined for body-phantom DLP. The head-phantom part is converted to its body-phantom equivalent
 * with HEAD_TO_BODY_DLP_FACTOR before k is applied, and the note says so with both figures.
 */
import type { DoseEvent, DoseSource } from './doseTypes.js';

/** Shown after a DLP that the workstation estimated (mean CTDIvol x scanned length), not the scanner's value. */
export const DLP_ESTIMATE_LABEL = 'estimated from the image headers';

/**
 * Body (32 cm) / head (16 cm) phantom CTDI ratio at 120 kVp: about 0.5 (AAPM Report 204, 2011,
 * and the ImPACT CT dosimetry tables give 0.45-0.55 over 80-140 kVp). An approximation, said so
 * in the note; the scanner's own body-phantom value, when entered manually, is better.
 */
export const HEAD_TO_BODY_DLP_FACTOR = 0.5;
export const HEAD_TO_BODY_DLP_FACTOR_SOURCE = 'AAPM Report 204: CTDI in the 32 cm phantom is about half that in the 16 cm phantom at 120 kVp';

export interface DoseForNotes {
  source: DoseSource;
  events: DoseEvent[];
  dlpTotalMgyCm: number | null;
}

export interface PhantomDlp {
  body32MgyCm: number;
  head16MgyCm: number;
}

/** The events' DLP per CTDI phantom (events without a phantom or DLP add nothing). */
export function dlpByPhantom(events: readonly DoseEvent[]): PhantomDlp {
  let body32MgyCm = 0;
  let head16MgyCm = 0;
  for (const event of events) {
    if (event.dlpMgyCm === null) continue;
    if (event.phantom === 'head-16') head16MgyCm += event.dlpMgyCm;
    else if (event.phantom === 'body-32') body32MgyCm += event.dlpMgyCm;
  }
  return { body32MgyCm, head16MgyCm };
}

/**
 * The DLP that k multiplies: the total with its head-phantom part replaced by the body-phantom
 * equivalent. Equal to the total when no event was measured in the head phantom.
 */
export function bodyPhantomDlpMgyCm(dose: Pick<DoseForNotes, 'events' | 'dlpTotalMgyCm'>): number | null {
  if (dose.dlpTotalMgyCm === null) return null;
  const { head16MgyCm } = dlpByPhantom(dose.events);
  if (head16MgyCm === 0) return dose.dlpTotalMgyCm;
  return Math.max(0, dose.dlpTotalMgyCm - head16MgyCm * (1 - HEAD_TO_BODY_DLP_FACTOR));
}

const mGyCm = (value: number): string => `${value.toFixed(1)} mGy·cm`;

/** One sentence per thing the reader of the dose must know; empty when the DLP is the scanner's, in the body phantom. */
export function doseNotes(dose: DoseForNotes): string[] {
  const notes: string[] = [];
  if (dose.source === 'image-header' && dose.dlpTotalMgyCm !== null) {
    notes.push(`DLP ${DLP_ESTIMATE_LABEL} (mean CTDIvol x scanned length), not the scanner's value: usually somewhat below it`);
  }
  const { body32MgyCm, head16MgyCm } = dlpByPhantom(dose.events);
  if (head16MgyCm > 0 && dose.dlpTotalMgyCm !== null) {
    const equivalent = bodyPhantomDlpMgyCm(dose)!;
    const measured =
      body32MgyCm > 0
        ? `DLP was measured in two CTDI phantoms: ${mGyCm(body32MgyCm)} in the 32 cm body phantom and ${mGyCm(head16MgyCm)} in the 16 cm head phantom (the scanner's total adds the two as they are)`
        : `DLP was measured in the 16 cm head phantom (${mGyCm(head16MgyCm)}), not the 32 cm body phantom that k is defined for`;
    notes.push(
      `${measured}; for the effective dose the head-phantom DLP is taken x ${HEAD_TO_BODY_DLP_FACTOR} (${HEAD_TO_BODY_DLP_FACTOR_SOURCE}): ${mGyCm(equivalent)} body-phantom equivalent in all`,
    );
  }
  return notes;
}
