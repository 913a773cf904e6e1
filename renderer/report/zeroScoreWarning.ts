/**
 * Before a CAC 0 is signed: is it a real zero, or calcium nobody assigned? A total of 0 while
 * candidate lesions are still unassigned, or a reading with no assignment at all, needs the
 * reader to confirm explicitly; a 0 after every candidate was excluded (bone, noise) does not.
 */
export interface ZeroScoreFacts {
  /** The Agatston total of the version being signed. */
  totalAgatston: number;
  /** Assignments in the reading (arteries and exclusions). */
  assignments: number;
  /** Candidate lesions no plaque of which is assigned; undefined when the reading does not say. */
  unassignedLesions: number | undefined;
}

/** The warning to confirm, or undefined when there is nothing to confirm. */
export function zeroScoreWarning({ totalAgatston, assignments, unassignedLesions }: ZeroScoreFacts): string | undefined {
  if (totalAgatston > 0) return undefined;
  const unassigned = unassignedLesions ?? 0;
  if (unassigned === 0 && assignments > 0) return undefined;
  const lesions = unassigned === 1 ? '1 candidate lesion' : `${unassigned} candidate lesions`;
  if (unassigned === 0) return 'No calcium assigned: nothing was assigned in this reading and no candidate lesion was found. The report will say CAC 0.';
  return `No calcium assigned; ${lesions} unassigned. The report will say CAC 0: check that none of them is coronary calcium.`;
}
