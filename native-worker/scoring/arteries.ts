/** The coronary arteries a reader assigns calcium to, and the codes used in label volumes. */

export const ARTERIES = ['LM', 'LAD', 'LCX', 'RCA'] as const;
export type Artery = (typeof ARTERIES)[number];
/** What a click can assign: an artery, or "excluded" for non-coronary calcium (never scored). */
export type AssignmentTarget = Artery | 'excluded';
export const ASSIGNMENT_TARGETS: readonly AssignmentTarget[] = [...ARTERIES, 'excluded'];

/** Label volume codes. 0 is background; UNASSIGNED marks kept plaques nobody has assigned yet. */
export const LABEL_CODE: Readonly<Record<AssignmentTarget, number>> = { LM: 1, LAD: 2, LCX: 3, RCA: 4, excluded: 5 };
export const UNASSIGNED = 6;
export const NO_LABEL = 0;

export function targetOfCode(code: number): AssignmentTarget | undefined {
  return ASSIGNMENT_TARGETS[code - 1];
}

export type ClickScope = 'lesion' | 'slice';

export interface Assignment {
  artery: AssignmentTarget;
  /** Where the reader clicked, LPS mm. */
  point: [number, number, number];
  scope: ClickScope;
}
