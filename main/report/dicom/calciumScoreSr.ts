/**
 * The signed calcium score as a DICOM Comprehensive SR (1.2.840.10008.5.1.4.1.1.88.33), filed in the
 * images' study so any PACS shows it beside them and any SR reader (dsrdump, viewers) gets the numbers.
 *
 * Why Comprehensive SR: the widest PACS and viewer support of the SR classes that can carry NUM
 * items with coded units (Basic Text SR cannot), and dcmtk and dicom3tools validate it fully. The
 * tree uses only CONTAINER/NUM/TEXT/CODE/PNAME/UIDREF and by-value relationships, so it would also
 * be valid Enhanced SR; no template is claimed (no TID fits CAC scoring), hence no Content Template
 * Sequence.
 *
 * Tree: title "Coronary artery calcium score" (SCT 450360000), language, observer (the reader), the
 * study UID, one Measurement Group per artery (Finding Site = the vessel) and one for the total,
 * each with Calcium score (Agatston method), Calcium Volume, Calcium Mass and the lesion count;
 * then the method (threshold, minimum area, mass calibration factor, algorithm), the categories
 * (CAC-DRS) and the findings and impression text.
 */
import { ARTERIES, type Artery } from '../../../native-worker/scoring/arteries.js';
import type { CalciumScore } from '../../../native-worker/scoring/scores.js';
import type { ReportVersion } from '../reportContent.js';
import {
  ReportDicomError,
  checkedText,
  contentMoment,
  equipment,
  optionalString,
  patientAndStudy,
  personName,
  utcDateTime,
  writePart10,
  type Dataset,
  type ReportDicomOptions,
} from './dicomCommon.js';
import { COMPREHENSIVE_SR_STORAGE, isValidUid, reportObjectUids } from './reportUids.js';
import { ARTERY_CODES, PRIVATE_SCHEME, SR_CODES, UNITS, type CodedConcept } from './srCodes.js';

export { ReportDicomError } from './dicomCommon.js';

/** Verifying Organization when the site's institution name is not configured (the attribute is Type 1). */
export const UNCONFIGURED_ORGANIZATION = 'Institution not configured';

/** Tracking Identifier text of the total's Measurement Group (the arteries use LM, LAD, LCX, RCA). */
export const TOTAL_TRACKING_ID = 'Total';

// ---------------------------------------------------------------------------------------------
// Content items (dcmjs naturalized form).

function codeItem(code: CodedConcept): Dataset {
  return { CodeValue: code.value, CodingSchemeDesignator: code.scheme, CodeMeaning: code.meaning };
}

type Relationship = 'CONTAINS' | 'HAS CONCEPT MOD' | 'HAS OBS CONTEXT' | 'HAS PROPERTIES';

function container(relationship: Relationship, concept: CodedConcept, children: Dataset[]): Dataset {
  return {
    RelationshipType: relationship,
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [codeItem(concept)],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: children,
  };
}

/**
 * A DS value of at most 16 characters that reads back as the number written (to the 0.01 the
 * report promises, and exactly for every value with <= 15 significant digits).
 */
export function decimalString(value: number, what: string): string {
  if (!Number.isFinite(value)) throw new ReportDicomError(`${what} is ${value}: only finite numbers can be written to the SR`);
  const plain = String(value);
  if (plain.length <= 16 && !/e/i.test(plain)) return plain;
  for (let digits = 15; digits >= 1; digits -= 1) {
    const candidate = String(Number(value.toPrecision(digits)));
    if (candidate.length <= 16) return candidate;
    const scientific = value.toExponential(digits - 1).replace('e+', 'E').replace('e-', 'E-');
    if (scientific.length <= 16) return scientific;
  }
  throw new ReportDicomError(`${what} ${value} cannot be written as a 16-character DICOM decimal`);
}

function num(relationship: Relationship, concept: CodedConcept, value: number, unit: CodedConcept, what: string): Dataset {
  return {
    RelationshipType: relationship,
    ValueType: 'NUM',
    ConceptNameCodeSequence: [codeItem(concept)],
    MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: [codeItem(unit)], NumericValue: decimalString(value, what) }],
  };
}

function textItem(relationship: Relationship, concept: CodedConcept, value: string, what: string): Dataset {
  const text = checkedText(value, what);
  if (text.trim() === '') throw new ReportDicomError(`${what} is empty: an SR TEXT item needs a value`);
  return { RelationshipType: relationship, ValueType: 'TEXT', ConceptNameCodeSequence: [codeItem(concept)], TextValue: text };
}

function codedItem(relationship: Relationship, concept: CodedConcept, value: CodedConcept): Dataset {
  return { RelationshipType: relationship, ValueType: 'CODE', ConceptNameCodeSequence: [codeItem(concept)], ConceptCodeSequence: [codeItem(value)] };
}

// ---------------------------------------------------------------------------------------------
// The tree.

function checkScore(score: CalciumScore, where: string): void {
  for (const [name, value] of [['Agatston score', score.agatston], ['volume', score.volumeMm3], ['lesion count', score.lesions]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new ReportDicomError(`${where} ${name} is ${value}: scores must be finite and >= 0`);
  }
  if (!Number.isInteger(score.lesions)) throw new ReportDicomError(`${where} lesion count ${score.lesions} is not a whole number`);
  if (score.massMg !== null && (!Number.isFinite(score.massMg) || score.massMg < 0)) {
    throw new ReportDicomError(`${where} mass is ${score.massMg}: it must be finite and >= 0, or null when not calibrated`);
  }
}

function scoreGroup(trackingId: string, site: CodedConcept, score: CalciumScore): Dataset {
  checkScore(score, trackingId);
  const agatston = num('CONTAINS', SR_CODES.calciumScore, score.agatston, UNITS.agatston, `${trackingId} Agatston score`);
  agatston.ContentSequence = [codedItem('HAS CONCEPT MOD', SR_CODES.measurementMethod, SR_CODES.agatstonMethod)];
  return container('CONTAINS', SR_CODES.measurementGroup, [
    textItem('HAS OBS CONTEXT', SR_CODES.trackingIdentifier, trackingId, 'tracking identifier'),
    codedItem('HAS CONCEPT MOD', SR_CODES.findingSite, site),
    agatston,
    num('CONTAINS', SR_CODES.calciumVolume, score.volumeMm3, UNITS.cubicMillimetre, `${trackingId} volume`),
    score.massMg === null
      ? textItem('CONTAINS', SR_CODES.comment, 'Calcium mass not computed: no calibration factor (not calibrated).', 'mass comment')
      : num('CONTAINS', SR_CODES.calciumMass, score.massMg, UNITS.milligram, `${trackingId} mass`),
    num('CONTAINS', SR_CODES.lesionCount, score.lesions, UNITS.lesions, `${trackingId} lesion count`),
  ]);
}

function methodContainer(version: ReportVersion): Dataset {
  const method = version.content.method;
  if (!Number.isFinite(method.minAreaMm2) || method.minAreaMm2 < 0) throw new ReportDicomError(`minimum lesion area ${method.minAreaMm2} mm2 is not a valid area`);
  const children: Dataset[] = [
    codedItem('CONTAINS', SR_CODES.measurementMethod, SR_CODES.agatstonMethod),
    num('CONTAINS', SR_CODES.agatstonThreshold, method.thresholdHu, UNITS.hounsfield, 'threshold'),
    num('CONTAINS', SR_CODES.minimumLesionArea, method.minAreaMm2, UNITS.squareMillimetre, 'minimum lesion area'),
    method.massFactor === null
      ? textItem('CONTAINS', SR_CODES.comment, `No calcium mass calibration factor (${method.massFactorSource}).`, 'mass factor comment')
      : num('CONTAINS', SR_CODES.massCalibrationFactor, method.massFactor, UNITS.massFactor, 'mass calibration factor'),
    textItem('CONTAINS', SR_CODES.algorithmName, method.software, 'software'),
    textItem('CONTAINS', SR_CODES.algorithmVersion, method.algorithmVersion, 'algorithm version'),
    textItem('CONTAINS', SR_CODES.comment, `Threshold source: ${method.thresholdSource}; mass factor source: ${method.massFactorSource}.`, 'method comment'),
  ];
  return container('CONTAINS', SR_CODES.scoringMethod, children);
}

function categoriesContainer(version: ReportVersion): Dataset {
  const { categories } = version.content;
  return container('CONTAINS', SR_CODES.categories, [
    textItem('CONTAINS', SR_CODES.cacDrs, categories.cacDrs.text, 'CAC-DRS'),
    textItem('CONTAINS', SR_CODES.cacCategory, categories.seed.label, 'category'),
    ...(categories.wording.text.trim() ? [textItem('CONTAINS', SR_CODES.comment, categories.wording.text, 'category wording')] : []),
  ]);
}

function contentTree(version: ReportVersion): Dataset[] {
  const { content } = version;
  const items: Dataset[] = [
    codedItem('HAS CONCEPT MOD', SR_CODES.language, SR_CODES.english),
    codedItem('HAS OBS CONTEXT', SR_CODES.observerType, SR_CODES.person),
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'PNAME', ConceptNameCodeSequence: [codeItem(SR_CODES.personObserverName)], PersonName: personName(withoutUsername(content.reading.reader), 'reader') },
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'UIDREF', ConceptNameCodeSequence: [codeItem(SR_CODES.procedureStudyUid)], UID: content.study.studyInstanceUid },
  ];
  for (const artery of ARTERIES) {
    const score = content.scores.arteries[artery];
    if (!score) throw new ReportDicomError(`the report has no score for ${artery}: every artery must be scored (0 when free of calcium)`);
    items.push(scoreGroup(artery, ARTERY_CODES[artery], score));
  }
  items.push(scoreGroup(TOTAL_TRACKING_ID, SR_CODES.coronaryArtery, content.scores.total));
  items.push(methodContainer(version), categoriesContainer(version));
  const narrative: Dataset[] = [];
  if (content.findings.trim()) narrative.push(textItem('CONTAINS', SR_CODES.finding, content.findings, 'findings'));
  if (content.impression.trim()) narrative.push(textItem('CONTAINS', SR_CODES.impression, content.impression, 'impression'));
  if (narrative.length) items.push(container('CONTAINS', SR_CODES.findings, narrative));
  return items;
}

// ---------------------------------------------------------------------------------------------
// Header.

/** Hierarchical reference to the scored images (Current Requested Procedure Evidence, Source Instances). */
export function scoredImagesReference(version: ReportVersion): Dataset {
  const { study, series } = version.content;
  if (!isValidUid(series.seriesInstanceUid)) throw new ReportDicomError(`scored series UID "${series.seriesInstanceUid}" is not a valid DICOM UID`);
  if (!isValidUid(series.sopClassUid)) throw new ReportDicomError(`scored images' SOP Class UID "${series.sopClassUid}" is not a valid DICOM UID`);
  if (series.sopInstanceUids.length === 0) throw new ReportDicomError('the report lists no scored images: the SR must reference the images it was scored on');
  for (const uid of series.sopInstanceUids) {
    if (!isValidUid(uid)) throw new ReportDicomError(`scored image UID "${uid}" is not a valid DICOM UID`);
  }
  return {
    StudyInstanceUID: study.studyInstanceUid,
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: series.seriesInstanceUid,
        ReferencedSOPSequence: series.sopInstanceUids.map((uid) => ({ ReferencedSOPClassUID: series.sopClassUid, ReferencedSOPInstanceUID: uid })),
      },
    ],
  };
}

/** "Anna Smith (asmith)" -> "Anna Smith": the account's user name is not part of a person's name. */
function withoutUsername(label: string): string {
  return label.replace(/\s*\([^()]*\)\s*$/, '') || label;
}

function verification(version: ReportVersion, options: ReportDicomOptions): Dataset {
  // Signed (and later superseded) versions are verified; the SR of a version never changes with its status.
  if (!version.signedAt || !version.signedBy) return { VerificationFlag: 'UNVERIFIED' };
  return {
    VerificationFlag: 'VERIFIED',
    VerifyingObserverSequence: [
      {
        // The signer's account display name as printed on the report (older versions: the name they were signed with).
        VerifyingObserverName: personName(version.signature?.printedName ?? withoutUsername(version.signedBy), 'signed by'),
        VerifyingObserverIdentificationCodeSequence: [],
        // Type 1: the site's name; a visible placeholder when the site has not configured one.
        VerifyingOrganization: optionalString(options.institutionName, 'LO', 'institution name') || UNCONFIGURED_ORGANIZATION,
        VerificationDateTime: utcDateTime(version.signedAt, 'signed at').dateTime,
      },
    ],
  };
}

function predecessor(version: ReportVersion): Dataset {
  if (!version.amends) return {};
  const previous = version.amends.version;
  if (!Number.isSafeInteger(previous) || previous < 1 || previous >= version.version) {
    throw new ReportDicomError(`version ${version.version} amends version ${previous}: an amendment must point to an earlier version`);
  }
  const uids = reportObjectUids(version.content.study.studyInstanceUid, version.reportId, previous, 'sr');
  return {
    PredecessorDocumentsSequence: [
      {
        StudyInstanceUID: version.content.study.studyInstanceUid,
        ReferencedSeriesSequence: [
          {
            SeriesInstanceUID: uids.seriesInstanceUid,
            ReferencedSOPSequence: [{ ReferencedSOPClassUID: COMPREHENSIVE_SR_STORAGE, ReferencedSOPInstanceUID: uids.sopInstanceUid }],
          },
        ],
      },
    ],
  };
}

/** The SR of one report version as a Part 10 file (Explicit VR Little Endian). Same input, same bytes. */
export function writeCalciumScoreSr(version: ReportVersion, options: ReportDicomOptions = {}): Uint8Array {
  const studyUid = version.content.study.studyInstanceUid;
  const uids = reportObjectUids(studyUid, version.reportId, version.version, 'sr');
  const moment = contentMoment(version);
  const created = utcDateTime(version.createdAt, 'created at');
  const dataset: Dataset = {
    SOPClassUID: COMPREHENSIVE_SR_STORAGE,
    SOPInstanceUID: uids.sopInstanceUid,
    InstanceCreationDate: moment.date,
    InstanceCreationTime: moment.time,
    ...patientAndStudy(version, options),
    Modality: 'SR',
    SeriesInstanceUID: uids.seriesInstanceUid,
    SeriesNumber: String(uids.seriesNumber),
    SeriesDescription: 'Calcium score report (SR)',
    SeriesDate: created.date,
    SeriesTime: created.time,
    ReferencedPerformedProcedureStepSequence: [],
    ...equipment(version, options),
    InstanceNumber: String(uids.instanceNumber),
    CompletionFlag: 'COMPLETE',
    ...verification(version, options),
    ContentDate: moment.date,
    ContentTime: moment.time,
    ...predecessor(version),
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [scoredImagesReference(version)],
    CodingSchemeIdentificationSequence: [
      {
        CodingSchemeDesignator: PRIVATE_SCHEME.designator,
        CodingSchemeName: PRIVATE_SCHEME.name,
        CodingSchemeResponsibleOrganization: PRIVATE_SCHEME.responsibleOrganization,
      },
    ],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [codeItem(SR_CODES.documentTitle)],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: contentTree(version),
  };
  return writePart10(dataset, COMPREHENSIVE_SR_STORAGE, uids.sopInstanceUid);
}

export type { Artery };
