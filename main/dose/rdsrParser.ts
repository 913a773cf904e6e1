/**
 * Reading the dose of a CT study from a Radiation Dose Structured Report (CLINICAL.md 4): the X-Ray
 * Radiation Dose SR (TID 10011, one CT Acquisition container per irradiation event, TID 10013) or an
 * Enhanced / Comprehensive SR titled "X-Ray Radiation Dose Report" (older GE form). Any other object
 * gives null; a dose report that cannot be trusted gives a DoseReportError naming the file and what
 * is wrong.
 */
import dicomParser from 'dicom-parser';
import { describeParseFailure, hasPart10Prefix, inflateDataSet, truncatedElement } from '../../native-worker/dicom/dicomFile.js';
import { isoDate } from '../../native-worker/dicom/dicomDate.js';
import type { DoseCheckAlert, DoseEvent, DosePhantom, StudyDose } from './doseTypes.js';
import { DOSE_RANGES, outOfRange, type DoseRange } from './doseRanges.js';
import {
  codedValue,
  codeMatches,
  contentItems,
  documentTitle,
  findChild,
  findChildren,
  hasMeasuredValue,
  measurement,
  text,
  textValue,
  type ContentItem,
  type KnownCode,
} from './srContent.js';

export const XRAY_RADIATION_DOSE_SR = '1.2.840.10008.5.1.4.1.1.88.67';
/** SR classes that older scanners used for the same report (recognised by the document title). */
const GENERIC_SR_CLASSES = new Set([
  '1.2.840.10008.5.1.4.1.1.88.11', // Basic Text SR
  '1.2.840.10008.5.1.4.1.1.88.22', // Enhanced SR
  '1.2.840.10008.5.1.4.1.1.88.33', // Comprehensive SR
  '1.2.840.10008.5.1.4.1.1.88.34', // Comprehensive 3D SR
]);

/** The dose report is there but cannot be used as it is; the message names the file and the problem. */
export class DoseReportError extends Error {
  constructor(
    readonly fileLabel: string,
    readonly problem: string,
  ) {
    super(`${fileLabel}: ${problem}`);
    this.name = 'DoseReportError';
  }
}

const C = {
  doseReport: { value: '113701', meaning: 'X-Ray Radiation Dose Report' },
  procedureReported: { value: '121058', meaning: 'Procedure reported' },
  ctProcedure: { value: 'P5-08000', scheme: 'SRT', meaning: 'Computed Tomography X-Ray' },
  accumulatedCt: { value: '113811', meaning: 'CT Accumulated Dose Data' },
  dlpTotal: { value: '113813', meaning: 'CT Dose Length Product Total' },
  acquisition: { value: '113819', meaning: 'CT Acquisition' },
  protocol: { value: '125203', meaning: 'Acquisition Protocol' },
  targetRegion: { value: '123014', meaning: 'Target Region' },
  acquisitionType: { value: '113820', meaning: 'CT Acquisition Type' },
  constantAngle: { value: '113805', meaning: 'Constant Angle Acquisition' },
  eventUid: { value: '113769', meaning: 'Irradiation Event UID' },
  startedAt: { value: '111526', meaning: 'DateTime Started' },
  parameters: { value: '113822', meaning: 'CT Acquisition Parameters' },
  exposureTime: { value: '113824', meaning: 'Exposure Time' },
  scanLength: { value: '113825', meaning: 'Scanning Length' },
  sourceParameters: { value: '113831', meaning: 'CT X-Ray Source Parameters' },
  kvp: { value: '113733', meaning: 'KVP' },
  tubeCurrent: { value: '113734', meaning: 'X-Ray Tube Current' },
  ctDose: { value: '113829', meaning: 'CT Dose' },
  ctdivol: { value: '113830', meaning: 'Mean CTDIvol' },
  dlp: { value: '113838', meaning: 'DLP' },
  phantom: { value: '113835', meaning: 'CTDIw Phantom Type' },
  bodyPhantom: { value: '113691', meaning: 'IEC Body Dosimetry Phantom' },
  headPhantom: { value: '113690', meaning: 'IEC Head Dosimetry Phantom' },
  alertDetails: { value: '113900', meaning: 'Dose Check Alert Details' },
  dlpAlertConfigured: { value: '113901', meaning: 'DLP Alert Value Configured' },
  ctdivolAlertConfigured: { value: '113902', meaning: 'CTDIvol Alert Value Configured' },
  dlpNotificationConfigured: { value: '113909', meaning: 'DLP Notification Value Configured' },
  ctdivolNotificationConfigured: { value: '113910', meaning: 'CTDIvol Notification Value Configured' },
  dlpAlertValue: { value: '113903', meaning: 'DLP Alert Value' },
  ctdivolAlertValue: { value: '113904', meaning: 'CTDIvol Alert Value' },
  accumulatedDlpForward: { value: '113905', meaning: 'Accumulated DLP Forward Estimate' },
  accumulatedCtdivolForward: { value: '113906', meaning: 'Accumulated CTDIvol Forward Estimate' },
  reasonForProceeding: { value: '113907', meaning: 'Reason For Proceeding' },
  notificationDetails: { value: '113908', meaning: 'Dose Check Notification Details' },
  dlpNotificationValue: { value: '113911', meaning: 'DLP Notification Value' },
  ctdivolNotificationValue: { value: '113912', meaning: 'CTDIvol Notification Value' },
  dlpForward: { value: '113913', meaning: 'DLP Forward Estimate' },
  ctdivolForward: { value: '113914', meaning: 'CTDIvol Forward Estimate' },
  personName: { value: '113870', meaning: 'Person Name' },
  studyUid: { value: '110180', meaning: 'Study Instance UID' },
  observerName: { value: '121013', meaning: 'Device Observer Name' },
  observerManufacturer: { value: '121014', meaning: 'Device Observer Manufacturer' },
  observerModel: { value: '121015', meaning: 'Device Observer Model Name' },
  observerSerial: { value: '121016', meaning: 'Device Observer Serial Number' },
} satisfies Record<string, KnownCode>;

/** UCUM units accepted per quantity and the factor to the unit in the field name; others are refused. */
const UNITS = {
  mGy: { mGy: 1, Gy: 1000, uGy: 0.001 },
  mGyCm: { 'mGy.cm': 1, mGycm: 1, 'mGy*cm': 1, 'Gy.cm': 1000, 'mGy.mm': 0.1, 'Gy.m': 100000 },
  kV: { kV: 1, kVp: 1, V: 0.001 },
  mA: { mA: 1, A: 1000 },
  s: { s: 1, ms: 0.001 },
  mm: { mm: 1, cm: 10, m: 1000 },
} as const satisfies Record<string, Record<string, number>>;

type Unit = keyof typeof UNITS;

/** A parse that keeps what was read when the bytes end early, so a cut RDSR is still recognised. */
function parseLeniently(bytes: Uint8Array): { dataSet: dicomParser.DataSet | null; failure: string | null } {
  const options: dicomParser.ParseDicomOptions = {
    inflater: inflateDataSet as unknown as dicomParser.ParseDicomOptions['inflater'],
  };
  if (!hasPart10Prefix(bytes)) options.TransferSyntaxUID = '1.2.840.10008.1.2';
  try {
    const dataSet = dicomParser.parseDicom(bytes, options);
    return { dataSet, failure: truncatedElement(dataSet) };
  } catch (reason) {
    const partial = (reason as { dataSet?: dicomParser.DataSet })?.dataSet ?? null;
    return { dataSet: partial, failure: `${bytes.length} bytes, the data set cannot be read to its end: ${describeParseFailure(reason)}` };
  }
}

function isCtDoseReport(dataSet: dicomParser.DataSet): boolean {
  const sopClass = text(dataSet, 'x00080016');
  const titled = codeMatches(documentTitle(dataSet), C.doseReport);
  if (sopClass === XRAY_RADIATION_DOSE_SR) return true;
  return titled && sopClass !== null && GENERIC_SR_CLASSES.has(sopClass);
}

export function readDoseReport(bytes: Uint8Array, fileLabel: string): StudyDose | null {
  try {
    return readDoseReportOrThrow(bytes, fileLabel);
  } catch (reason) {
    if (reason instanceof DoseReportError) throw reason;
    // The parser's own exceptions (an element running past the end...) are not for a technologist.
    throw new DoseReportError(fileLabel, 'the file is damaged and cannot be read (no dose was taken from it); copy it again from the scanner or PACS');
  }
}

function readDoseReportOrThrow(bytes: Uint8Array, fileLabel: string): StudyDose | null {
  if (bytes.length < 8) return null;
  const { dataSet, failure } = parseLeniently(bytes);
  if (!dataSet || !isCtDoseReport(dataSet)) return null;
  const fail = (problem: string): never => {
    throw new DoseReportError(fileLabel, problem);
  };
  if (failure) fail(`the dose report is truncated or damaged (${failure}); copy it again from the scanner or PACS`);

  const root = contentItems(dataSet);
  if (!root) fail('the dose report has no content (Content Sequence (0040,A730) is missing)');
  const items = root!;
  if (!codeMatches(documentTitle(dataSet), C.doseReport)) {
    fail(`the document title is "${documentTitle(dataSet)?.meaning ?? 'missing'}", not "X-Ray Radiation Dose Report" (113701)`);
  }
  const accumulated = findChild(items, C.accumulatedCt);
  const acquisitions = findChildren(items, C.acquisition);
  const procedure = codedValue(findChild(items, C.procedureReported));
  if (!accumulated && acquisitions.length === 0) {
    // The same SOP class carries projection X-ray dose (TID 10001): not a CT report, not ours.
    if (!codeMatches(procedure, C.ctProcedure)) return null;
    fail('the CT dose report has neither CT Accumulated Dose Data (113811) nor any CT Acquisition (113819)');
  }

  const events = acquisitions.map((acquisition, index) => readEvent(acquisition, index + 1, fail));
  const alerts = acquisitions.flatMap((acquisition, index) => readAlerts(acquisition, events[index].irradiationEventUid, index + 1, fail));

  const totalItem = accumulated ? findChild(accumulated.children, C.dlpTotal) : undefined;
  let dlpTotalMgyCm = totalItem ? quantity(totalItem, 'mGyCm', 'CT Dose Length Product Total (113813)', fail, DOSE_RANGES.dlpMgyCm) : null;
  if (dlpTotalMgyCm === null) dlpTotalMgyCm = sumOrNull(events.map((event) => event.dlpMgyCm));

  const scopeStudyUid = items.flatMap((item) => item.children).find((child) => codeMatches(child.concept, C.studyUid));
  const studyInstanceUid = text(dataSet, 'x0020000d') ?? textValue(scopeStudyUid) ?? fail('the dose report has no Study Instance UID (0020,000D)');

  const observer = (known: KnownCode) => textValue(findChild(items, known));
  const sopInstanceUid = text(dataSet, 'x00080018');
  return {
    studyInstanceUid,
    source: 'rdsr',
    sourceSopInstanceUids: sopInstanceUid ? [sopInstanceUid] : [],
    events,
    dlpTotalMgyCm,
    scanner: {
      manufacturer: text(dataSet, 'x00080070') ?? observer(C.observerManufacturer),
      model: text(dataSet, 'x00081090') ?? observer(C.observerModel),
      stationName: text(dataSet, 'x00081010') ?? observer(C.observerName),
      deviceSerial: text(dataSet, 'x00181000') ?? observer(C.observerSerial),
    },
    alerts,
    studyDate: isoDate(text(dataSet, 'x00080020')),
  };
}

type Fail = (problem: string) => never;

/**
 * A NUM item in the unit of the field name; a unit that cannot be converted is refused, not guessed,
 * and so is a value outside the quantity's physical range (doseRanges.ts) or one that is not a number.
 */
function quantity(item: ContentItem | undefined, unit: Unit, label: string, fail: Fail, range: DoseRange): number | null {
  const measured = measurement(item);
  if (!measured) {
    if (hasMeasuredValue(item)) fail(`${label} is not a number; the dose report is refused`);
    return null;
  }
  const factors: Record<string, number> = UNITS[unit];
  const factor = factors[measured.unit];
  if (factor === undefined) {
    fail(`${label} is given in "${measured.unit || 'no unit'}", expected ${Object.keys(factors)[0]}`);
  }
  const value = measured.value * factor;
  const refusal = outOfRange(label, value, range);
  if (refusal) fail(`${refusal}; the dose report is refused`);
  return value;
}

function readEvent(acquisition: ContentItem, ordinal: number, fail: Fail): DoseEvent {
  const where = `irradiation event ${ordinal}`;
  const children = acquisition.children;
  const acquisitionType = codedValue(findChild(children, C.acquisitionType));
  const parameters = findChild(children, C.parameters)?.children ?? [];
  const sources = findChildren(parameters, C.sourceParameters);
  // Dual-source scanners report each tube: the higher kVp and current describe the event.
  const perSource = (known: KnownCode, unit: Unit, label: string, range: DoseRange) =>
    maxOrNull(sources.map((source) => quantity(findChild(source.children, known), unit, `${where}: ${label}`, fail, range)));
  const dose = findChild(children, C.ctDose);

  let ctdivolMgy: number | null = null;
  let dlpMgyCm: number | null = null;
  let phantom: DosePhantom | null = null;
  if (dose) {
    ctdivolMgy = quantity(findChild(dose.children, C.ctdivol), 'mGy', `${where}: Mean CTDIvol (113830)`, fail, DOSE_RANGES.ctdivolMgy);
    if (ctdivolMgy === null) fail(`${where} has no Mean CTDIvol (113830)`);
    dlpMgyCm = quantity(findChild(dose.children, C.dlp), 'mGyCm', `${where}: DLP (113838)`, fail, DOSE_RANGES.dlpMgyCm);
    if (dlpMgyCm === null) fail(`${where} has no DLP (113838)`);
    phantom = phantomOf(codedValue(findChild(dose.children, C.phantom)));
  } else if (acquisitionType && !codeMatches(acquisitionType, C.constantAngle)) {
    // TID 10013: only a constant angle acquisition (a scout) may leave out its CT Dose.
    fail(`${where} (${acquisitionType.meaning || 'unknown type'}) has no CT Dose container (113829) with its Mean CTDIvol (113830)`);
  }

  return {
    irradiationEventUid: textValue(findChild(children, C.eventUid)),
    ctdivolMgy,
    dlpMgyCm,
    phantom,
    kvp: perSource(C.kvp, 'kV', 'KVP (113733)', DOSE_RANGES.kvp),
    tubeCurrentMa: perSource(C.tubeCurrent, 'mA', 'X-Ray Tube Current (113734)', DOSE_RANGES.tubeCurrentMa),
    exposureTimeS: quantity(findChild(parameters, C.exposureTime), 's', `${where}: Exposure Time (113824)`, fail, DOSE_RANGES.exposureTimeS),
    scanLengthMm: quantity(findChild(parameters, C.scanLength), 'mm', `${where}: Scanning Length (113825)`, fail, DOSE_RANGES.scanLengthMm),
    acquisitionType: acquisitionType?.meaning || null,
    protocol: textValue(findChild(children, C.protocol)),
    targetRegion: codedValue(findChild(children, C.targetRegion))?.meaning || null,
    startedAt: isoDateTime(textValue(findChild(children, C.startedAt))),
  };
}

function phantomOf(code: ReturnType<typeof codedValue>): DosePhantom | null {
  if (!code) return null;
  if (codeMatches(code, C.bodyPhantom)) return 'body-32';
  if (codeMatches(code, C.headPhantom)) return 'head-16';
  return code.meaning || code.value || null;
}

/**
 * Dose Check (TID 10015, NEMA XR-25) in an event's CT Dose: the forward estimates are written only
 * when a configured level was crossed, so a level without its estimate is configuration, not an alert.
 */
function readAlerts(acquisition: ContentItem, irradiationEventUid: string | null, ordinal: number, fail: Fail): DoseCheckAlert[] {
  const dose = findChild(acquisition.children, C.ctDose);
  if (!dose) return [];
  const where = `irradiation event ${ordinal}`;
  const alerts: DoseCheckAlert[] = [];
  const collect = (container: ContentItem | undefined, kind: DoseCheckAlert['kind'], checks: Array<[string, KnownCode, KnownCode, KnownCode, Unit]>) => {
    if (!container) return;
    const children = container.children;
    const reason = textValue(findChild(children, C.reasonForProceeding));
    const person = textValue(findChild(children, C.personName))?.replace(/\^+/g, ' ').trim() || null;
    for (const [quantityName, configuredCode, levelCode, estimateCode, unit] of checks) {
      // Some writers (Spectrum Dynamics) add estimates with no level configured: nothing was crossed.
      if (isNo(codedValue(findChild(children, configuredCode)))) continue;
      const range = unit === 'mGy' ? DOSE_RANGES.accumulatedCtdivolMgy : DOSE_RANGES.accumulatedDlpMgyCm;
      const forwardEstimate = quantity(findChild(children, estimateCode), unit, `${where}: ${estimateCode.meaning} (${estimateCode.value})`, fail, range);
      if (forwardEstimate === null) continue;
      const levelValue = quantity(findChild(children, levelCode), unit, `${where}: ${levelCode.meaning} (${levelCode.value})`, fail, range);
      alerts.push({ kind, quantity: quantityName, levelValue, forwardEstimate, reason, person, irradiationEventUid });
    }
  };
  collect(findChild(dose.children, C.alertDetails), 'alert', [
    ['dlp', C.dlpAlertConfigured, C.dlpAlertValue, C.accumulatedDlpForward, 'mGyCm'],
    ['ctdivol', C.ctdivolAlertConfigured, C.ctdivolAlertValue, C.accumulatedCtdivolForward, 'mGy'],
  ]);
  collect(findChild(dose.children, C.notificationDetails), 'notification', [
    ['dlp', C.dlpNotificationConfigured, C.dlpNotificationValue, C.dlpForward, 'mGyCm'],
    ['ctdivol', C.ctdivolNotificationConfigured, C.ctdivolNotificationValue, C.ctdivolForward, 'mGy'],
  ]);
  return alerts;
}

/** "No" as SNOMED RT (R-00339), SNOMED CT (373067005) or by meaning. */
function isNo(code: ReturnType<typeof codedValue>): boolean {
  if (!code) return false;
  return code.value === 'R-00339' || code.value === '373067005' || code.meaning.toLowerCase() === 'no';
}

export function sumOrNull(values: Array<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length ? known.reduce((sum, value) => sum + value, 0) : null;
}

function maxOrNull(values: Array<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length ? Math.max(...known) : null;
}

function isoDateTime(dt: string | null): string | null {
  const match = dt?.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(\.\d+)?/);
  if (!match) return null;
  return `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6] ?? '00'}${match[7] ?? ''}`;
}
