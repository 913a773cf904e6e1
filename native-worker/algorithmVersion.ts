/**
 * The version of the scoring definition. Bump it whenever any score for the same input and
 * parameters could change: stored results carry it so a report can be reproduced exactly.
 */
export const ALGORITHM_VERSION = 'cac-scoring/1.0.0';
