/**
 * The report's key images (axial slices with the lesions coloured by artery, the calcium maps) as
 * DICOM Secondary Capture Images (1.2.840.10008.5.1.4.1.1.7), in the images' study, their own series
 * (Modality OT), so a PACS viewer that does not open PDFs still shows them. One single-frame SC per
 * image, not one Multi-frame True Color SC: the axial images and the maps differ in size, and all
 * frames of a multi-frame object share Rows and Columns; single-frame SC is also the SOP class every
 * PACS and viewer has stored and shown for decades. Deterministic: UIDs from reportUids, dates from
 * the report version, pixels decoded from the PNG, so a resend is the same instances, byte for byte.
 */
import { PNG } from 'pngjs';
import type { KeyImage } from '../keyImages.js';
import type { ReportVersion } from '../reportContent.js';
import { scoredImagesReference } from './calciumScoreSr.js';
import {
  ReportDicomError,
  checkedText,
  contentMoment,
  equipment,
  patientAndStudy,
  utcDateTime,
  writePart10,
  type Dataset,
  type ReportDicomOptions,
} from './dicomCommon.js';
import { SECONDARY_CAPTURE_IMAGE_STORAGE, keyImageObjectUids } from './reportUids.js';

/** Rows and Columns are US (16 bits); a key image is a few hundred pixels wide. */
const MAX_SIDE_PX = 65535;
/** Derivation Description is ST: at most 1024 characters. */
const MAX_TITLE_CHARS = 1024;

function describe(image: KeyImage, index: number): string {
  return `key image ${index + 1} ("${image.title}")`;
}

/** The PNG's pixels as packed RGB (alpha dropped: the renderer draws opaque images). */
function rgbPixels(image: KeyImage, index: number): Uint8Array {
  const what = describe(image, index);
  for (const [name, value] of [['width', image.widthPx], ['height', image.heightPx]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_SIDE_PX) throw new ReportDicomError(`${what}: ${name} must be a whole number of pixels from 1 to ${MAX_SIDE_PX}, got ${value}`);
  }
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(image.png.buffer, image.png.byteOffset, image.png.byteLength));
  } catch (error) {
    throw new ReportDicomError(`${what} is not a readable PNG (${error instanceof Error ? error.message : String(error)}): render the key images again`);
  }
  if (png.width !== image.widthPx || png.height !== image.heightPx) {
    throw new ReportDicomError(`${what}: the PNG is ${png.width} x ${png.height} pixels but the key image says ${image.widthPx} x ${image.heightPx}`);
  }
  const pixels = png.width * png.height;
  // OB must have even length: one NUL pads an odd pixel count (Rows x Columns x 3 says the real size).
  const rgb = new Uint8Array(pixels * 3 + ((pixels * 3) % 2));
  for (let p = 0, q = 0; p < pixels; p++, q += 3) {
    rgb[q] = png.data[p * 4];
    rgb[q + 1] = png.data[p * 4 + 1];
    rgb[q + 2] = png.data[p * 4 + 2];
  }
  return rgb;
}

function checkedTitle(image: KeyImage, index: number): string {
  const title = checkedText(image.title.trim(), `the title of key image ${index + 1}`);
  if (title === '') throw new ReportDicomError(`key image ${index + 1} has no title: the PACS would show an image nobody can name`);
  if ([...title].length > MAX_TITLE_CHARS) throw new ReportDicomError(`the title of key image ${index + 1} is ${[...title].length} characters, at most ${MAX_TITLE_CHARS}`);
  return title;
}

/**
 * The scored images the key image was made from: the one slice of an axial image, the whole scored
 * series for a map (a projection of every slice).
 */
function sourceImages(version: ReportVersion, image: KeyImage, index: number): Dataset[] {
  const { series } = version.content;
  const reference = (uid: string): Dataset => ({ ReferencedSOPClassUID: series.sopClassUid, ReferencedSOPInstanceUID: uid });
  if (image.sliceIndex === undefined) {
    if (image.kind === 'axial') throw new ReportDicomError(`${describe(image, index)} is an axial image without a slice index: it cannot reference its scored slice`);
    return series.sopInstanceUids.map(reference);
  }
  const slice = image.sliceIndex;
  if (!Number.isInteger(slice) || slice < 0 || slice >= series.sopInstanceUids.length) {
    throw new ReportDicomError(`${describe(image, index)} shows slice index ${slice}, but the report lists ${series.sopInstanceUids.length} scored images (0 to ${series.sopInstanceUids.length - 1})`);
  }
  return [reference(series.sopInstanceUids[slice])];
}

/**
 * The key images of one report version as Secondary Capture Part 10 files (Explicit VR Little
 * Endian), in the order given; instance numbers 1..n.
 */
export function writeKeyImageCaptures(version: ReportVersion, keyImages: KeyImage[], options: ReportDicomOptions = {}): Uint8Array[] {
  if (keyImages.length === 0) throw new ReportDicomError('there are no key images to store: render the key images before writing their Secondary Captures');
  scoredImagesReference(version); // the scored series and its UIDs are valid, as for the SR
  const moment = contentMoment(version);
  const created = utcDateTime(version.createdAt, 'created at');
  const common: Dataset = {
    ...patientAndStudy(version, options),
    ...equipment(version, options),
  };
  return keyImages.map((image, index) => {
    const title = checkedTitle(image, index);
    const pixelData = rgbPixels(image, index);
    const source = sourceImages(version, image, index);
    const uids = keyImageObjectUids(version.content.study.studyInstanceUid, version.reportId, version.version, index);
    const dataset: Dataset = {
      SOPClassUID: SECONDARY_CAPTURE_IMAGE_STORAGE,
      SOPInstanceUID: uids.sopInstanceUid,
      InstanceCreationDate: moment.date,
      InstanceCreationTime: moment.time,
      ImageType: ['DERIVED', 'SECONDARY'],
      ...common,
      Modality: 'OT',
      SeriesInstanceUID: uids.seriesInstanceUid,
      SeriesNumber: String(uids.seriesNumber),
      SeriesDescription: 'CAC key images',
      // The heart is not a paired organ: saying so settles whether Laterality is needed (Type 2C).
      BodyPartExamined: 'HEART',
      SeriesDate: created.date,
      SeriesTime: created.time,
      ConversionType: 'WSD',
      InstanceNumber: String(uids.instanceNumber),
      // Type 2: the key images are cropped and resampled; no direction is claimed.
      PatientOrientation: '',
      ContentDate: moment.date,
      ContentTime: moment.time,
      DateOfSecondaryCapture: moment.date,
      TimeOfSecondaryCapture: moment.time,
      DerivationDescription: title,
      SourceImageSequence: source,
      ImageComments: title,
      BurnedInAnnotation: 'NO',
      LossyImageCompression: '00',
      SamplesPerPixel: 3,
      PhotometricInterpretation: 'RGB',
      PlanarConfiguration: 0,
      Rows: image.heightPx,
      Columns: image.widthPx,
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
      PixelData: pixelData.buffer,
      _vrMap: { PixelData: 'OB' },
    };
    return writePart10(dataset, SECONDARY_CAPTURE_IMAGE_STORAGE, uids.sopInstanceUid);
  });
}
