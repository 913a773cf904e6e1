/**
 * The coded concepts of the calcium score SR (CLINICAL.md 6). Standard codes where DICOM / SNOMED CT
 * define one; the few concepts they do not (lesion count, minimum lesion area, mass calibration
 * factor, category texts) use the private scheme 99CACWS, declared in the Coding Scheme
 * Identification Sequence as PS3.3 C.12.1.1.2.1 asks.
 */
import type { Artery } from '../../../native-worker/scoring/arteries.js';

export interface CodedConcept {
  value: string;
  scheme: string;
  meaning: string;
}

const dcm = (value: string, meaning: string): CodedConcept => ({ value, scheme: 'DCM', meaning });
const sct = (value: string, meaning: string): CodedConcept => ({ value, scheme: 'SCT', meaning });
const ucum = (value: string, meaning: string): CodedConcept => ({ value, scheme: 'UCUM', meaning });

export const PRIVATE_SCHEME = {
  designator: '99CACWS',
  name: 'CAC Workstation local codes',
  responsibleOrganization: 'CAC Workstation',
} as const;
const local = (value: string, meaning: string): CodedConcept => ({ value, scheme: PRIVATE_SCHEME.designator, meaning });

export const SR_CODES = {
  documentTitle: sct('450360000', 'Coronary artery calcium score'),
  language: dcm('121049', 'Language of Content Item and Descendants'),
  english: { value: 'en-US', scheme: 'RFC5646', meaning: 'English (United States)' },
  observerType: dcm('121005', 'Observer Type'),
  person: dcm('121006', 'Person'),
  personObserverName: dcm('121008', 'Person Observer Name'),
  procedureStudyUid: dcm('121018', 'Procedure Study Instance UID'),
  measurementGroup: dcm('125007', 'Measurement Group'),
  trackingIdentifier: dcm('112039', 'Tracking Identifier'),
  findingSite: sct('363698007', 'Finding Site'),
  measurementMethod: sct('370129005', 'Measurement Method'),
  calciumScore: dcm('112058', 'Calcium score'),
  agatstonMethod: dcm('112055', 'Agatston scoring method'),
  calciumVolume: dcm('122660', 'Calcium Volume'),
  calciumMass: dcm('122661', 'Calcium Mass'),
  agatstonThreshold: dcm('122657', 'Agatston Score Threshold'),
  algorithmName: dcm('111001', 'Algorithm Name'),
  algorithmVersion: dcm('111003', 'Algorithm Version'),
  comment: dcm('121106', 'Comment'),
  findings: dcm('121070', 'Findings'),
  finding: dcm('121071', 'Finding'),
  impression: dcm('121073', 'Impression'),
  coronaryArtery: sct('41801008', 'Coronary artery'),
  lesionCount: local('LESIONS', 'Number of calcified lesions'),
  minimumLesionArea: local('MINAREA', 'Minimum lesion area'),
  massCalibrationFactor: local('MASSFACTOR', 'Calcium mass calibration factor'),
  scoringMethod: local('METHOD', 'Calcium scoring method'),
  categories: local('CATEGORIES', 'Calcium score categories'),
  cacCategory: local('CACCAT', 'Calcium score category'),
  cacDrs: local('CACDRS', 'CAC-DRS'),
} as const;

/**
 * The scored vessels (SNOMED CT body structures; CID 3014/3015 use the same concepts). The left
 * main is 3227004 "Left coronary artery main stem" (checked: 6685009 is the right ankle region).
 */
export const ARTERY_CODES: Readonly<Record<Artery, CodedConcept>> = {
  LM: sct('3227004', 'Left coronary artery main stem'),
  LAD: sct('59438005', 'Anterior descending branch of left coronary artery'),
  LCX: sct('41879009', 'Circumflex branch of left coronary artery'),
  RCA: sct('13647002', 'Right coronary artery'),
};

export const UNITS = {
  agatston: ucum('1', 'no units'),
  cubicMillimetre: ucum('mm3', 'cubic millimeter'),
  squareMillimetre: ucum('mm2', 'square millimeter'),
  milligram: ucum('mg', 'milligram'),
  hounsfield: ucum("[hnsf'U]", 'Hounsfield unit'),
  lesions: ucum('{lesions}', 'lesions'),
  massFactor: ucum("mg/cm3/[hnsf'U]", 'milligram per cubic centimeter per Hounsfield unit'),
} as const;
