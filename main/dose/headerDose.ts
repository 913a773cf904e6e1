/**
 * The dose of a CT study from its image headers, for studies that came without an RDSR
 * (CLINICAL.md 4, second source): CTDIvol (0018,9345) per image, one event per series.
 */
import dicomParser from 'dicom-parser';
import { hasPart10Prefix } from '../../native-worker/dicom/dicomFile.js';
import { CT_IMAGE_STORAGE } from '../../native-worker/dicom/sliceHeader.js';
import type { DoseEvent, StudyDose } from './doseTypes.js';
import { text } from './srContent.js';
import { DOSE_RANGES, outOfRange, type DoseRange } from './doseRanges.js';
import { DoseReportError } from './rdsrParser.js';

/** The dose facts of one CT image. */
export interface ImageDose {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  ctdivolMgy: number | null;
  kvp: number | null;
  tubeCurrentMa: number | null;
  /** Exposure Time (0018,1150) is in ms in the header; here in s like the RDSR. */
  exposureTimeS: number | null;
  protocol: string | null;
  /** Position along the patient axis: Image Position (Patient) z, else Slice Location. */
  slicePositionMm: number | null;
  sliceThicknessMm: number | null;
  studyDate: string | null;
  manufacturer: string | null;
  model: string | null;
  stationName: string | null;
  deviceSerial: string | null;
}

function parseHeader(bytes: Uint8Array): dicomParser.DataSet | null {
  const options: dicomParser.ParseDicomOptions = { untilTag: 'x7fe00010' };
  if (!hasPart10Prefix(bytes)) options.TransferSyntaxUID = '1.2.840.10008.1.2';
  try {
    return dicomParser.parseDicom(bytes, options);
  } catch (reason) {
    // A file cut in its pixel data still has a usable header.
    return (reason as { dataSet?: dicomParser.DataSet })?.dataSet ?? null;
  }
}

function number(dataSet: dicomParser.DataSet, tag: string, index = 0): number | null {
  if (!dataSet.elements[tag]) return null;
  const value = dataSet.floatString(tag, index);
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** CTDIvol is FD (binary double); read it as text only where a writer declared DS. */
function ctdivolOf(dataSet: dicomParser.DataSet): number | null {
  const element = dataSet.elements.x00189345;
  if (!element || element.length === 0) return null;
  // Present but not a finite number (NaN, infinity) stays NaN, so the range check refuses it.
  if (element.vr === 'DS') return number(dataSet, 'x00189345') ?? Number.NaN;
  if (element.length !== 8) return null;
  const value = dataSet.double('x00189345');
  return value !== undefined ? value : null;
}

/**
 * Null for anything that is not a classic CT image with its UIDs (an SR, a DICOMDIR, not DICOM).
 * A damaged header, or a dose value outside its physical range (doseRanges.ts), is a
 * DoseReportError naming `fileLabel`: the image's dose is not used.
 */
export function readImageDose(bytes: Uint8Array, fileLabel = 'a CT image'): ImageDose | null {
  let image: ImageDose | null;
  try {
    image = readImageDoseFields(bytes);
  } catch {
    throw new DoseReportError(fileLabel, 'the image header is damaged and cannot be read (no dose was taken from it); copy it again from the scanner or PACS');
  }
  if (!image) return null;
  const checks: Array<[string, number | null, DoseRange]> = [
    ['CTDIvol (0018,9345)', image.ctdivolMgy, DOSE_RANGES.ctdivolMgy],
    ['KVP (0018,0060)', image.kvp, DOSE_RANGES.kvp],
    ['X-Ray Tube Current (0018,1151)', image.tubeCurrentMa, DOSE_RANGES.tubeCurrentMa],
    ['Exposure Time (0018,1150)', image.exposureTimeS, DOSE_RANGES.exposureTimeS],
    ['Slice Thickness (0018,0050)', image.sliceThicknessMm, DOSE_RANGES.sliceThicknessMm],
  ];
  for (const [label, value, range] of checks) {
    const refusal = value === null ? null : outOfRange(label, value, range);
    if (refusal) throw new DoseReportError(fileLabel, `${refusal}; the image's dose is not used`);
  }
  return image;
}

function readImageDoseFields(bytes: Uint8Array): ImageDose | null {
  if (bytes.length < 8) return null;
  const dataSet = parseHeader(bytes);
  if (!dataSet || text(dataSet, 'x00080016') !== CT_IMAGE_STORAGE) return null;
  const sopInstanceUid = text(dataSet, 'x00080018');
  const seriesInstanceUid = text(dataSet, 'x0020000e');
  const studyInstanceUid = text(dataSet, 'x0020000d');
  if (!sopInstanceUid || !seriesInstanceUid || !studyInstanceUid) return null;
  const exposureTimeMs = number(dataSet, 'x00181150');
  const studyDate = text(dataSet, 'x00080020')?.match(/^(\d{4})(\d{2})(\d{2})$/);
  return {
    sopInstanceUid,
    seriesInstanceUid,
    studyInstanceUid,
    ctdivolMgy: ctdivolOf(dataSet),
    kvp: number(dataSet, 'x00180060'),
    tubeCurrentMa: number(dataSet, 'x00181151'),
    exposureTimeS: exposureTimeMs === null ? null : exposureTimeMs / 1000,
    protocol: text(dataSet, 'x00181030') ?? text(dataSet, 'x0008103e'),
    slicePositionMm: number(dataSet, 'x00200032', 2) ?? number(dataSet, 'x00201041'),
    sliceThicknessMm: number(dataSet, 'x00180050'),
    studyDate: studyDate ? `${studyDate[1]}-${studyDate[2]}-${studyDate[3]}` : null,
    manufacturer: text(dataSet, 'x00080070'),
    model: text(dataSet, 'x00081090'),
    stationName: text(dataSet, 'x00081010'),
    deviceSerial: text(dataSet, 'x00181000'),
  };
}

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * One event per series that carries CTDIvol. Null when no image has CTDIvol: the study then needs
 * manual entry. The images must belong to one study.
 *
 * DLP here is an ESTIMATE, not the scanner's value: mean CTDIvol of the series x the length its
 * images cover (span of slice positions + one slice thickness, in cm). It misses over-ranging in
 * helical scans and counts overlapping reconstructions once, so it is usually somewhat below the
 * DLP the scanner reports.
 */
export function studyDoseFromImages(images: ImageDose[]): StudyDose | null {
  const studies = new Set(images.map((image) => image.studyInstanceUid));
  if (studies.size > 1) throw new RangeError(`studyDoseFromImages: images of ${studies.size} studies given, expected one`);
  const bySeries = new Map<string, ImageDose[]>();
  for (const image of images) {
    if (image.ctdivolMgy === null) continue;
    const series = bySeries.get(image.seriesInstanceUid) ?? [];
    series.push(image);
    bySeries.set(image.seriesInstanceUid, series);
  }
  if (bySeries.size === 0) return null;

  const events: DoseEvent[] = [...bySeries.values()].map((series) => {
    const ctdivolMgy = mean(series.map((image) => image.ctdivolMgy!));
    const positions = series.map((image) => image.slicePositionMm).filter((value): value is number => value !== null);
    const thicknesses = series.map((image) => image.sliceThicknessMm).filter((value): value is number => value !== null);
    const coveredMm = positions.length ? Math.max(...positions) - Math.min(...positions) + (thicknesses.length ? mean(thicknesses) : 0) : null;
    const first = series[0];
    // Tube current varies per image under modulation: the highest, as the RDSR reader reports for two tubes.
    const highest = (key: 'kvp' | 'tubeCurrentMa') => Math.max(...series.map((image) => image[key] ?? Number.NEGATIVE_INFINITY));
    const kvp = highest('kvp');
    const tubeCurrentMa = highest('tubeCurrentMa');
    return {
      // A header has no Irradiation Event UID; the series stands in for it.
      irradiationEventUid: null,
      ctdivolMgy,
      dlpMgyCm: coveredMm !== null && coveredMm > 0 ? (ctdivolMgy * coveredMm) / 10 : null,
      // Image headers do not name the phantom; CTDIvol of body protocols refers to the 32 cm phantom but we do not assume it.
      phantom: null,
      kvp: Number.isFinite(kvp) ? kvp : null,
      tubeCurrentMa: Number.isFinite(tubeCurrentMa) ? tubeCurrentMa : null,
      // An image's Exposure Time covers its own data only, not the whole irradiation event.
      exposureTimeS: null,
      scanLengthMm: coveredMm,
      acquisitionType: null,
      protocol: first.protocol,
      targetRegion: null,
      startedAt: null,
    };
  });
  const dlps = events.map((event) => event.dlpMgyCm);
  const first = images.find((image) => image.ctdivolMgy !== null)!;
  return {
    studyInstanceUid: first.studyInstanceUid,
    source: 'image-header',
    sourceSopInstanceUids: [...bySeries.values()].flatMap((series) => series.map((image) => image.sopInstanceUid)),
    events,
    dlpTotalMgyCm: dlps.every((dlp) => dlp !== null) ? dlps.reduce((sum, dlp) => sum! + dlp!, 0) : null,
    scanner: { manufacturer: first.manufacturer, model: first.model, stationName: first.stationName, deviceSerial: first.deviceSerial },
    alerts: [],
    studyDate: first.studyDate,
  };
}
