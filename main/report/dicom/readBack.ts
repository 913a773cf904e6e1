/**
 * Reads the scores back out of a calcium score SR written by calciumScoreSr (or any SR laid out the
 * same way): one Measurement Group per artery, found by its Finding Site code (or its Tracking
 * Identifier), and the total. Used by the tests and the PACS round-trip check; parsing is
 * dicom-parser plus the SR tree reader of the dose module, so it shares nothing with the writer.
 */
import dicomParser from 'dicom-parser';
import { ARTERIES, type Artery } from '../../../native-worker/scoring/arteries.js';
import { codedValue, contentItems, documentTitle, findChild, findChildren, measurement, text, textValue, type ContentItem } from '../../dose/srContent.js';
import { TOTAL_TRACKING_ID } from './calciumScoreSr.js';
import { ARTERY_CODES, SR_CODES, type CodedConcept } from './srCodes.js';

export interface ReadScore {
  agatston: number;
  volumeMm3: number;
  /** null when the SR says the mass was not computed. */
  massMg: number | null;
  lesions: number;
}

export interface ReadSr {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  verificationFlag: string | null;
  arteries: Record<Artery, ReadScore>;
  total: ReadScore;
  thresholdHu: number | null;
}

export class SrReadError extends Error {
  override name = 'SrReadError';
}

const known = (code: CodedConcept) => ({ value: code.value, scheme: code.scheme, meaning: code.meaning });

function numberOf(group: ContentItem, concept: CodedConcept, where: string): number | null {
  const item = findChild(group.children, known(concept));
  if (!item) return null;
  const value = measurement(item);
  if (!value) throw new SrReadError(`${where}: "${concept.meaning}" has no numeric value`);
  return value.value;
}

function readGroup(group: ContentItem, where: string): ReadScore {
  const agatston = numberOf(group, SR_CODES.calciumScore, where);
  const volumeMm3 = numberOf(group, SR_CODES.calciumVolume, where);
  const lesions = numberOf(group, SR_CODES.lesionCount, where);
  if (agatston === null || volumeMm3 === null || lesions === null) throw new SrReadError(`${where}: calcium score, volume or lesion count missing`);
  return { agatston, volumeMm3, massMg: numberOf(group, SR_CODES.calciumMass, where), lesions };
}

function groupKey(group: ContentItem): Artery | 'total' | null {
  const site = codedValue(findChild(group.children, known(SR_CODES.findingSite)));
  for (const artery of ARTERIES) {
    if (site && site.value === ARTERY_CODES[artery].value && site.scheme === ARTERY_CODES[artery].scheme) return artery;
  }
  if (site && site.value === SR_CODES.coronaryArtery.value) return 'total';
  const tracking = textValue(findChild(group.children, known(SR_CODES.trackingIdentifier)));
  if (tracking === TOTAL_TRACKING_ID) return 'total';
  return (ARTERIES as readonly string[]).includes(tracking ?? '') ? (tracking as Artery) : null;
}

/** The per-artery and total scores of a calcium score SR (Part 10 bytes). */
export function readSrScores(bytes: Uint8Array): ReadSr {
  let dataSet: dicomParser.DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes);
  } catch (error) {
    throw new SrReadError(`not a readable DICOM file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const title = documentTitle(dataSet);
  if (!title || title.value !== SR_CODES.documentTitle.value) {
    throw new SrReadError(`not a calcium score SR: document title is ${title ? `${title.value} "${title.meaning}"` : 'missing'}`);
  }
  const root = contentItems(dataSet) ?? [];
  const groups = findChildren(root, known(SR_CODES.measurementGroup));
  const arteries: Partial<Record<Artery, ReadScore>> = {};
  let total: ReadScore | null = null;
  for (const group of groups) {
    const key = groupKey(group);
    if (key === 'total') total = readGroup(group, 'total');
    else if (key) arteries[key] = readGroup(group, key);
  }
  const missing = ARTERIES.filter((artery) => !arteries[artery]);
  if (missing.length || !total) throw new SrReadError(`the SR lacks scores for ${[...missing, ...(total ? [] : ['the total'])].join(', ')}`);
  const method = findChild(root, known(SR_CODES.scoringMethod));
  return {
    sopClassUid: text(dataSet, 'x00080016') ?? '',
    sopInstanceUid: text(dataSet, 'x00080018') ?? '',
    studyInstanceUid: text(dataSet, 'x0020000d') ?? '',
    seriesInstanceUid: text(dataSet, 'x0020000e') ?? '',
    verificationFlag: text(dataSet, 'x0040a493'),
    arteries: arteries as Record<Artery, ReadScore>,
    total,
    thresholdHu: method ? numberOf(method, SR_CODES.agatstonThreshold, 'method') : null,
  };
}
