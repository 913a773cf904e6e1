/**
 * Put the slices of one series in order along the slice normal (never by file name or
 * InstanceNumber) and derive the volume geometry. Stacks that cannot form one volume are refused
 * with a message that says why; everything else becomes a warning in acquisitionChecks.
 */
import { DicomLoadError } from './loadIssues.js';
import type { SliceHeader } from './sliceHeader.js';
import { cross, dot, normalize, type Vec3, type VolumeGeometry } from '../geometry/volumeGeometry.js';

export interface OrderedSeries {
  slices: SliceHeader[];
  geometry: VolumeGeometry;
  /** Increments between consecutive slices along the normal, mm (length slices - 1). */
  incrementsMm: number[];
}

const ORIENTATION_TOLERANCE = 1e-3;
/** Two slices closer than this along the normal are the same position. */
const SAME_POSITION_MM = 0.01;
/** The median distance between slices above which a stack is not one CT acquisition. */
const MAX_SLICE_INCREMENT_MM = 20;

function formatMm(value: number): string {
  return `${Number(value.toFixed(3))}`;
}

export function orderSeries(slices: SliceHeader[]): OrderedSeries {
  if (slices.length === 0) throw new DicomLoadError('unreadable-file', 'the series has no images');
  const first = slices[0];
  const seriesName = first.seriesDescription ? `series "${first.seriesDescription}"` : `series ${first.seriesInstanceUid}`;

  for (const slice of slices) {
    if (!slice.imagePositionPatient || !slice.imageOrientationPatient) {
      throw new DicomLoadError(
        'mixed-geometry',
        `${slice.file} has no Image Position/Orientation (Patient): the slice cannot be placed; ${seriesName} cannot be scored`,
        slice.file,
      );
    }
    if (!slice.pixelSpacingMm || !(slice.pixelSpacingMm[0] > 0 && slice.pixelSpacingMm[1] > 0)) {
      throw new DicomLoadError('mixed-geometry', `${slice.file} has no valid Pixel Spacing: areas cannot be measured`, slice.file);
    }
    if (slice.rows !== first.rows || slice.columns !== first.columns) {
      throw new DicomLoadError(
        'mixed-geometry',
        `${seriesName} mixes image sizes (${first.columns}x${first.rows} in ${first.file}, ${slice.columns}x${slice.rows} in ${slice.file}): export the calcium series on its own`,
        slice.file,
      );
    }
    const a = slice.imageOrientationPatient;
    const b = first.imageOrientationPatient!;
    if (a.some((value, index) => Math.abs(value - b[index]) > ORIENTATION_TOLERANCE)) {
      throw new DicomLoadError(
        'mixed-geometry',
        `${seriesName} mixes slice orientations (${slice.file} differs from ${first.file}): it holds more than one reconstruction`,
        slice.file,
      );
    }
    const s = slice.pixelSpacingMm;
    const t = first.pixelSpacingMm!;
    if (Math.abs(s[0] - t[0]) > 1e-4 || Math.abs(s[1] - t[1]) > 1e-4) {
      throw new DicomLoadError(
        'mixed-geometry',
        `${seriesName} mixes pixel spacings (${t.join('/')} mm and ${s.join('/')} mm in ${slice.file})`,
        slice.file,
      );
    }
  }

  const orientation = first.imageOrientationPatient!;
  const rowDirection = normalize([orientation[0], orientation[1], orientation[2]]);
  const columnDirection = normalize([orientation[3], orientation[4], orientation[5]]);
  const normal = normalize(cross(rowDirection, columnDirection));
  if (normal.every((value) => value === 0)) {
    throw new DicomLoadError('mixed-geometry', `${first.file} has an invalid Image Orientation (Patient) ${orientation.join('\\')}`, first.file);
  }

  const placed = slices
    .map((slice) => ({ slice, position: dot(slice.imagePositionPatient as Vec3, normal) }))
    .sort((a, b) => a.position - b.position);

  for (let k = 1; k < placed.length; k++) {
    if (placed[k].position - placed[k - 1].position < SAME_POSITION_MM) {
      throw new DicomLoadError(
        'duplicate-slice',
        `two images lie at the same position (${formatMm(placed[k].position)} mm along the slice normal: ${placed[k - 1].slice.file} and ${placed[k].slice.file}); the folder holds overlapping acquisitions or a duplicate: export one reconstruction`,
        placed[k].slice.file,
      );
    }
  }

  const incrementsMm = placed.slice(1).map((entry, k) => entry.position - placed[k].position);
  const incrementMm = nominalIncrement(incrementsMm, first.sliceThicknessMm);
  // The Agatston factor scales with the increment: positions metres apart are nonsense, not a scan.
  if (!(incrementMm > 0 && incrementMm <= MAX_SLICE_INCREMENT_MM)) {
    throw new DicomLoadError(
      'implausible-header',
      `${seriesName}: its Image Position (Patient) (0020,0032) values put the slices ${formatMm(incrementMm)} mm apart (must be above 0 and at most ${MAX_SLICE_INCREMENT_MM} mm, e.g. ${placed[0].slice.file}): the series is refused rather than scored wrongly`,
      placed[0].slice.file,
    );
  }
  const sliceOrigins = new Float64Array(3 * placed.length);
  placed.forEach((entry, k) => sliceOrigins.set(entry.slice.imagePositionPatient as Vec3, 3 * k));
  const geometry: VolumeGeometry = {
    columns: first.columns,
    rows: first.rows,
    slices: placed.length,
    pixelSpacingMm: [first.pixelSpacingMm![0], first.pixelSpacingMm![1]],
    rowDirection,
    columnDirection,
    normal,
    sliceOrigins,
    slicePositionsMm: Float64Array.from(placed, (entry) => entry.position),
    sliceIncrementMm: incrementMm,
  };
  return { slices: placed.map((entry) => entry.slice), geometry, incrementsMm };
}

/** The median increment: robust to a missing slice. A single slice falls back to its thickness. */
function nominalIncrement(incrementsMm: number[], thicknessMm: number | undefined): number {
  if (incrementsMm.length === 0) return thicknessMm ?? 3;
  const sorted = [...incrementsMm].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  // Positions are written with limited decimals: snap to 1 µm so dz/3 is not perturbed by rounding.
  return Math.round(median * 1000) / 1000;
}
