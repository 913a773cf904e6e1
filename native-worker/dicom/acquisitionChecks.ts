/**
 * The acquisition checks of CLINICAL.md 2.1, as warnings the reader sees before signing.
 * Header and geometry checks here; the contrast check looks at HU values (contrastCheck.ts).
 */
import type { LoadIssue } from './loadIssues.js';
import type { OrderedSeries } from './seriesGeometry.js';
import { dot, type Vec3 } from '../geometry/volumeGeometry.js';

/** A gap larger than this many nominal increments means a slice is missing. */
const MISSING_SLICE_FACTOR = 1.5;
const SPACING_TOLERANCE_MM = 0.01;
const AXIAL_TOLERANCE_DEG = 1;
const STANDARD_KVP = 120;
const STANDARD_THICKNESS_MM = 3;
/** How far Columns x PixelSpacing may differ from the Reconstruction Diameter before we say so. */
const FIELD_OF_VIEW_TOLERANCE = 0.05;

const mm = (value: number): string => `${Number(value.toFixed(2))} mm`;

export function checkAcquisition(series: OrderedSeries): LoadIssue[] {
  return [
    ...checkSpacing(series),
    ...checkTilt(series),
    ...checkOrientation(series),
    ...checkKvp(series),
    ...checkThickness(series),
    ...checkPixelSpacing(series),
  ];
}

function checkSpacing({ geometry, incrementsMm }: OrderedSeries): LoadIssue[] {
  const issues: LoadIssue[] = [];
  const dz = geometry.sliceIncrementMm;
  const positions = geometry.slicePositionsMm;
  let unequal = false;
  incrementsMm.forEach((increment, k) => {
    if (increment > MISSING_SLICE_FACTOR * dz) {
      const missing = Math.round(increment / dz) - 1;
      issues.push({
        code: 'missing-slice',
        severity: 'warning',
        message:
          `${missing === 1 ? 'a slice is' : `${missing} slices are`} missing between ${mm(positions[k])} and ${mm(positions[k + 1])} ` +
          `along the slice normal (a gap of ${mm(increment)} where slices are ${mm(dz)} apart, after slice ${k + 1} of ${positions.length}): ` +
          `calcium in the gap is not scored; resend the complete series`,
      });
    } else if (Math.abs(increment - dz) > SPACING_TOLERANCE_MM) {
      unequal = true;
    }
  });
  if (unequal) {
    const smallest = Math.min(...incrementsMm);
    const largest = Math.max(...incrementsMm);
    issues.push({
      code: 'unequal-spacing',
      severity: 'warning',
      message: `slices are unequally spaced (${mm(smallest)} to ${mm(largest)}); the Agatston factor uses the median increment ${mm(dz)}`,
    });
  }
  return issues;
}

function checkTilt({ slices, geometry }: OrderedSeries): LoadIssue[] {
  const declared = slices.find((slice) => slice.gantryTiltDeg !== undefined && Math.abs(slice.gantryTiltDeg) > 0.01);
  // A tilted stack is sheared: consecutive origins step sideways, not only along the normal.
  let shearMm = 0;
  const o = geometry.sliceOrigins;
  for (let k = 1; k < geometry.slices; k++) {
    const step: Vec3 = [o[3 * k] - o[3 * k - 3], o[3 * k + 1] - o[3 * k - 2], o[3 * k + 2] - o[3 * k - 1]];
    const along = dot(step, geometry.normal);
    const sideways = Math.hypot(step[0] - along * geometry.normal[0], step[1] - along * geometry.normal[1], step[2] - along * geometry.normal[2]);
    shearMm = Math.max(shearMm, sideways);
  }
  if (!declared && shearMm <= 0.01) return [];
  const angle = declared?.gantryTiltDeg ?? (Math.atan2(shearMm, geometry.sliceIncrementMm) * 180) / Math.PI;
  return [
    {
      code: 'gantry-tilt',
      severity: 'warning',
      message: `the gantry was tilted (${Number(angle.toFixed(2))}°): slices are sheared, plaques are scored per slice but lesions may not line up across slices; calcium scoring expects 0° tilt`,
    },
  ];
}

function checkOrientation({ geometry }: OrderedSeries): LoadIssue[] {
  const angle = (Math.acos(Math.min(1, Math.abs(geometry.normal[2]))) * 180) / Math.PI;
  if (angle <= AXIAL_TOLERANCE_DEG) return [];
  return [
    {
      code: 'non-axial',
      severity: 'warning',
      message: `the slices are not axial (the slice normal is ${Number(angle.toFixed(1))}° from the body axis): calcium scores are defined on axial slices; use the axial reconstruction`,
    },
  ];
}

function checkKvp({ slices }: OrderedSeries): LoadIssue[] {
  const kvps = [...new Set(slices.map((slice) => slice.kvp).filter((kvp): kvp is number => kvp !== undefined))];
  if (kvps.length === 0) {
    return [{ code: 'kvp-not-120', severity: 'warning', message: 'the tube voltage (KVP) is not recorded: the 130 HU threshold assumes 120 kVp; confirm the protocol' }];
  }
  if (kvps.every((kvp) => kvp === STANDARD_KVP)) return [];
  return [
    {
      code: 'kvp-not-120',
      severity: 'warning',
      message: `the scan was made at ${kvps.join(', ')} kVp, not 120 kVp: the 130 HU threshold is defined at 120 kVp; consider the kV-adjusted thresholds (Grani et al. 2018)`,
    },
  ];
}

function checkThickness({ slices, geometry }: OrderedSeries): LoadIssue[] {
  const issues: LoadIssue[] = [];
  const thicknesses = [...new Set(slices.map((slice) => slice.sliceThicknessMm).filter((t): t is number => t !== undefined))];
  if (thicknesses.length === 0) {
    issues.push({ code: 'slice-thickness-not-3mm', severity: 'warning', message: 'the slice thickness is not recorded: calcium scores are defined on 3 mm slices' });
  } else if (thicknesses.some((t) => Math.abs(t - STANDARD_THICKNESS_MM) > 0.05)) {
    issues.push({
      code: 'slice-thickness-not-3mm',
      severity: 'warning',
      message: `the slices are ${thicknesses.map(mm).join(', ')} thick, not 3 mm: scores from other thicknesses are not comparable with published categories`,
    });
  }
  const thickness = thicknesses.length ? Math.min(...thicknesses) : undefined;
  if (thickness !== undefined && geometry.sliceIncrementMm > thickness + SPACING_TOLERANCE_MM) {
    issues.push({
      code: 'slice-gap',
      severity: 'warning',
      message: `there are gaps between slices (${mm(thickness)} slices ${mm(geometry.sliceIncrementMm)} apart): calcium between slices is not seen`,
    });
  }
  return issues;
}

function checkPixelSpacing({ slices, geometry }: OrderedSeries): LoadIssue[] {
  const diameter = slices[0].reconstructionDiameterMm;
  if (diameter === undefined || diameter <= 0) return [];
  const fieldOfViewMm = geometry.columns * geometry.pixelSpacingMm[1];
  if (Math.abs(fieldOfViewMm - diameter) <= FIELD_OF_VIEW_TOLERANCE * diameter) return [];
  return [
    {
      code: 'pixel-spacing-inconsistent',
      severity: 'warning',
      message:
        `the pixel spacing does not match the image matrix: ${geometry.columns} columns x ${geometry.pixelSpacingMm[1]} mm = ${mm(fieldOfViewMm)}, ` +
        `but the reconstruction diameter is ${mm(diameter)}; the images may have been resized, so areas and scores would be wrong: use the original series`,
    },
  ];
}
