import { describe, expect, it } from 'vitest';
import { ScoringSession } from './scoringSession.js';
import { standardThreshold, kvAdjustedThreshold } from './thresholds.js';
import { minimumPlaquePixels } from './calciumCandidates.js';
import type { VolumeGeometry } from '../geometry/volumeGeometry.js';
import { ALGORITHM_VERSION } from '../algorithmVersion.js';

/** An axial stack: slice k at z = k * dz, pixel (i, j) at x = i * spacing, y = j * spacing. */
function axialGeometry(columns: number, rows: number, slices: number, spacingMm: number, dzMm: number): VolumeGeometry {
  const sliceOrigins = new Float64Array(3 * slices);
  const slicePositionsMm = new Float64Array(slices);
  for (let k = 0; k < slices; k++) {
    sliceOrigins[3 * k + 2] = k * dzMm;
    slicePositionsMm[k] = k * dzMm;
  }
  return {
    columns,
    rows,
    slices,
    pixelSpacingMm: [spacingMm, spacingMm],
    rowDirection: [1, 0, 0],
    columnDirection: [0, 1, 0],
    normal: [0, 0, 1],
    sliceOrigins,
    slicePositionsMm,
    sliceIncrementMm: dzMm,
  };
}

interface Stack {
  hu: Int16Array;
  geometry: VolumeGeometry;
  /** Fill pixels [i0, i1) x [j0, j1) on slice k with a value. */
  fill(k: number, i0: number, i1: number, j0: number, j1: number, value: number): void;
  point(i: number, j: number, k: number): [number, number, number];
}

function stack(columns: number, rows: number, slices: number, spacingMm = 0.5, dzMm = 3, backgroundHu = 40): Stack {
  const geometry = axialGeometry(columns, rows, slices, spacingMm, dzMm);
  const hu = new Int16Array(columns * rows * slices).fill(backgroundHu);
  return {
    hu,
    geometry,
    fill(k, i0, i1, j0, j1, value) {
      for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) hu[k * columns * rows + j * columns + i] = value;
    },
    point: (i, j, k) => [i * spacingMm, j * spacingMm, k * dzMm],
  };
}

function session(s: Stack, massFactor?: number, minAreaMm2 = 1) {
  return new ScoringSession(s.hu, s.geometry, { threshold: standardThreshold(130), minAreaMm2, massFactor: { calibrated: massFactor } });
}

describe('Agatston density weights at the bin boundaries (half-open bins)', () => {
  // One 4 x 4 plaque of 0.5 mm pixels = 4 mm2 on one 3 mm slice: Agatston = 4 x weight.
  const cases: Array<[number, number]> = [
    [129, 0], [130, 4], [199, 4], [200, 8], [299, 8], [300, 12], [399, 12], [400, 16], [1200, 16],
  ];
  for (const [peakHu, agatston] of cases) {
    it(`peak ${peakHu} HU scores ${agatston}`, () => {
      const s = stack(16, 16, 1);
      s.fill(0, 4, 8, 4, 8, 131);
      s.fill(0, 5, 6, 5, 6, peakHu);
      if (peakHu < 130) s.fill(0, 4, 8, 4, 8, peakHu);
      const scoring = session(s);
      const outcome = scoring.assign({ artery: 'LAD', point: s.point(5, 5, 0), scope: 'lesion' });
      expect(outcome.applied).toBe(peakHu >= 130);
      expect(scoring.scores().arteries.LAD.agatston).toBeCloseTo(agatston, 10);
      expect(scoring.scores().total.agatston).toBeCloseTo(agatston, 10);
    });
  }

  it('uses the kV-adjusted bounds when chosen (80 kV: 177/271/408/544)', () => {
    const s = stack(16, 16, 1);
    s.fill(0, 2, 6, 2, 6, 176); // below the 80 kV threshold: not calcium
    s.fill(0, 8, 12, 8, 12, 271); // weight 2 at 80 kV
    const scoring = new ScoringSession(s.hu, s.geometry, { threshold: kvAdjustedThreshold(80), minAreaMm2: 1, massFactor: {} });
    expect(scoring.candidates.plaqueCount).toBe(1);
    scoring.assign({ artery: 'RCA', point: s.point(9, 9, 0), scope: 'lesion' });
    expect(scoring.scores().arteries.RCA.agatston).toBeCloseTo(4 * 2, 10);
    expect(scoring.scores().params.weightBoundsHu).toEqual([177, 271, 408, 544]);
  });
});

describe('minimum plaque area', () => {
  it('keeps a plaque of exactly 1 mm2 and drops one pixel less', () => {
    const s = stack(16, 16, 1);
    s.fill(0, 2, 4, 2, 4, 300); // 4 pixels x 0.25 mm2 = exactly 1.00 mm2
    s.fill(0, 10, 13, 10, 11, 300); // 3 pixels = 0.75 mm2
    const scoring = session(s);
    expect(scoring.candidates.plaqueCount).toBe(1);
    expect(scoring.candidates.plaquePixelCount[0]).toBe(4);
    expect(scoring.assign({ artery: 'LM', point: s.point(11, 10, 0), scope: 'lesion' }).applied).toBe(false);
    scoring.assign({ artery: 'LM', point: s.point(2, 2, 0), scope: 'lesion' });
    expect(scoring.scores().arteries.LM.agatston).toBeCloseTo(1 * 3, 10);
  });

  it('needs 5 pixels at 0.488 mm (4 x 0.238 = 0.95 mm2 is noise)', () => {
    expect(minimumPlaquePixels([0.488, 0.488], 1)).toBe(5);
    expect(minimumPlaquePixels([0.5, 0.5], 1)).toBe(4);
    // 0.1 mm pixels: 100 x 0.010000000000000002 must still count as 1 mm2.
    expect(minimumPlaquePixels([0.1, 0.1], 1)).toBe(100);
    expect(minimumPlaquePixels([0.5, 0.5], 0.1)).toBe(1);
  });

  it('joins diagonal neighbours in-plane (8-connected) into one plaque', () => {
    const s = stack(16, 16, 1);
    // Two 1 x 2 bars touching only at a corner: 2 + 2 pixels, only 1 mm2 together.
    s.fill(0, 2, 3, 2, 4, 250);
    s.fill(0, 3, 4, 4, 6, 250);
    const scoring = session(s);
    expect(scoring.candidates.plaqueCount).toBe(1);
    expect(scoring.candidates.plaquePixelCount[0]).toBe(4);
  });
});

describe('slice increment (dz / 3 mm) and lesions through slices', () => {
  for (const dz of [3, 1.5, 0.5]) {
    it(`dz = ${dz} mm scales Agatston by ${dz}/3 and volume by dz`, () => {
      const s = stack(16, 16, 4, 0.5, dz);
      for (let k = 0; k < 3; k++) s.fill(k, 4, 8, 4, 8, 450); // 4 mm2 on three slices, weight 4
      const scoring = session(s, 0.5);
      const outcome = scoring.assign({ artery: 'LCX', point: s.point(5, 5, 1), scope: 'lesion' });
      expect(outcome.plaques).toBe(3);
      const lcx = scoring.scores().arteries.LCX;
      expect(lcx.agatston).toBeCloseTo((dz / 3) * 3 * 4 * 4, 10);
      expect(lcx.volumeMm3).toBeCloseTo(3 * 16 * 0.25 * dz, 10);
      expect(lcx.massMg!).toBeCloseTo((0.5 * 3 * 16 * 450 * 0.25 * dz) / 1000, 10);
      expect(lcx.lesions).toBe(1);
    });
  }

  it('links slices face-to-face only: a diagonal step between slices starts a new lesion', () => {
    const s = stack(16, 16, 2);
    s.fill(0, 2, 4, 2, 4, 300);
    s.fill(1, 4, 6, 4, 6, 300); // touches slice 0 only diagonally
    s.fill(0, 10, 12, 10, 12, 300);
    s.fill(1, 11, 13, 11, 13, 300); // shares pixel (11, 11) with slice 0
    const scoring = session(s);
    expect(scoring.candidates.plaqueCount).toBe(4);
    expect(scoring.candidates.lesionCount).toBe(3);
  });

  it('does not join lesions across a missing slice', () => {
    const s = stack(16, 16, 3);
    // Slice positions 0, 3, 9: a slice is missing between the last two.
    s.geometry.sliceOrigins[8] = 9;
    s.geometry.slicePositionsMm[2] = 9;
    for (let k = 0; k < 3; k++) s.fill(k, 4, 8, 4, 8, 300);
    const scoring = session(s);
    expect(scoring.candidates.lesionCount).toBe(2);
  });
});

describe('assignments', () => {
  function twoSliceLesion() {
    const s = stack(24, 24, 3);
    for (let k = 0; k < 2; k++) s.fill(k, 4, 8, 4, 8, 350); // lesion A on slices 0-1: 4 mm2 each, weight 3
    s.fill(2, 14, 18, 14, 18, 250); // lesion B on slice 2, weight 2
    return s;
  }

  it('counts a voxel once however many clicks touch it (last click wins)', () => {
    const s = twoSliceLesion();
    const scoring = session(s);
    scoring.assign({ artery: 'LAD', point: s.point(5, 5, 0), scope: 'lesion' });
    scoring.assign({ artery: 'LAD', point: s.point(6, 6, 1), scope: 'lesion' });
    scoring.assign({ artery: 'LAD', point: s.point(6, 6, 1), scope: 'slice' });
    expect(scoring.scores().arteries.LAD.agatston).toBeCloseTo(2 * 4 * 3, 10);
    scoring.assign({ artery: 'RCA', point: s.point(6, 6, 1), scope: 'slice' });
    const sheet = scoring.scores();
    expect(sheet.arteries.LAD.agatston).toBeCloseTo(12, 10);
    expect(sheet.arteries.RCA.agatston).toBeCloseTo(12, 10);
    expect(sheet.total.agatston).toBeCloseTo(24, 10);
    // One lesion split between two arteries: one in each, one in total.
    expect([sheet.arteries.LAD.lesions, sheet.arteries.RCA.lesions, sheet.total.lesions]).toEqual([1, 1, 1]);
  });

  it('never scores excluded calcium and undo restores the previous labels', () => {
    const s = twoSliceLesion();
    const scoring = session(s);
    scoring.assign({ artery: 'LCX', point: s.point(15, 15, 2), scope: 'lesion' });
    expect(scoring.scores().total.agatston).toBeCloseTo(8, 10);
    scoring.assign({ artery: 'excluded', point: s.point(15, 15, 2), scope: 'lesion' });
    expect(scoring.scores().total.agatston).toBe(0);
    expect(scoring.undo()?.artery).toBe('excluded');
    expect(scoring.scores().arteries.LCX.agatston).toBeCloseTo(8, 10);
    expect(scoring.undo()?.artery).toBe('LCX');
    expect(scoring.scores().total.agatston).toBe(0);
    expect(scoring.undo()).toBeUndefined();
    expect(scoring.assignments).toEqual([]);
  });

  it('counts the lesions not yet assigned: an excluded or partly assigned lesion is no longer one', () => {
    const s = twoSliceLesion();
    const scoring = session(s);
    expect(scoring.scores().candidates.unassignedLesions).toBe(2);
    scoring.assign({ artery: 'LAD', point: s.point(5, 5, 0), scope: 'slice' }); // one plaque of lesion A
    expect(scoring.scores().candidates.unassignedLesions).toBe(1);
    scoring.assign({ artery: 'excluded', point: s.point(15, 15, 2), scope: 'lesion' });
    expect(scoring.scores().candidates.unassignedLesions).toBe(0);
    scoring.undo();
    scoring.undo();
    expect(scoring.scores().candidates.unassignedLesions).toBe(2);
  });

  it('selects a plaque within 2 mm of the click and reports a miss further away', () => {
    const s = twoSliceLesion();
    const scoring = session(s);
    // Pixel (4..7) is the plaque; 3 pixels (1.5 mm) left of its edge still selects it.
    expect(scoring.assign({ artery: 'LM', point: s.point(1, 5, 0), scope: 'lesion' }).applied).toBe(true);
    const miss = scoring.assign({ artery: 'LM', point: s.point(20, 2, 0), scope: 'lesion' });
    expect(miss.applied).toBe(false);
    expect(miss.message).toMatch(/no calcium/);
  });

  it('builds the label volume: arteries, excluded and unassigned plaques', () => {
    const s = twoSliceLesion();
    const scoring = session(s);
    scoring.assign({ artery: 'RCA', point: s.point(5, 5, 0), scope: 'slice' });
    const labels = scoring.labelVolume();
    const at = (i: number, j: number, k: number) => labels[k * 24 * 24 + j * 24 + i];
    expect(at(5, 5, 0)).toBe(4); // RCA
    expect(at(5, 5, 1)).toBe(6); // same lesion, other slice, not assigned by a slice click
    expect(at(15, 15, 2)).toBe(6);
    expect(at(0, 0, 0)).toBe(0);
    expect(scoring.scores().algorithmVersion).toBe(ALGORITHM_VERSION);
  });

  it('gives no mass without a calibration factor', () => {
    const s = twoSliceLesion();
    const scoring = session(s);
    scoring.assign({ artery: 'LAD', point: s.point(5, 5, 0), scope: 'lesion' });
    const sheet = scoring.scores();
    expect(sheet.arteries.LAD.massMg).toBeNull();
    expect(sheet.params.massFactorSource).toBe('none');
  });
});
