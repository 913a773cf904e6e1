import { describe, expect, it } from 'vitest';
import { checkAcquisition } from './acquisitionChecks.js';
import { orderSeries } from './seriesGeometry.js';
import type { SliceHeader } from './sliceHeader.js';

/** A minimal axial CT slice header at z (mm). */
function slice(z: number, overrides: Partial<SliceHeader> = {}): SliceHeader {
  return {
    file: `slice-${z}`,
    fileSizeBytes: 1,
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: `1.2.3.${Math.round(z * 1000)}`,
    studyInstanceUid: '1.2.3',
    seriesInstanceUid: '1.2.3.4',
    rows: 64,
    columns: 64,
    samplesPerPixel: 1,
    bitsAllocated: 16,
    bitsStored: 16,
    highBit: 15,
    pixelRepresentation: 1,
    numberOfFrames: 1,
    hasPixelData: true,
    pixelSpacingMm: [0.5, 0.5],
    imagePositionPatient: [0, 0, z],
    imageOrientationPatient: [1, 0, 0, 0, 1, 0],
    sliceThicknessMm: 3,
    kvp: 120,
    reconstructionDiameterMm: 32,
    rescaleSlope: 1,
    rescaleIntercept: -1024,
    ...overrides,
  };
}

const codes = (slices: SliceHeader[]) => checkAcquisition(orderSeries(slices)).map((issue) => issue.code);

describe('acquisition checks', () => {
  it('passes a regular 3 mm axial 120 kVp stack', () => {
    expect(codes([0, 3, 6, 9].map((z) => slice(z)))).toEqual([]);
  });

  it('names unequal spacing with its range and the increment used', () => {
    const issues = checkAcquisition(orderSeries([0, 3, 6, 9.4, 12.4, 15.4].map((z) => slice(z))));
    const unequal = issues.find((issue) => issue.code === 'unequal-spacing');
    expect(unequal?.message).toMatch(/unequally spaced \(3 mm to 3\.4 mm\); the Agatston factor uses the median increment 3 mm/);
  });

  it('names the gap of a missing slice, with its position in the stack', () => {
    const issues = checkAcquisition(orderSeries([0, 3, 9, 12].map((z) => slice(z))));
    expect(issues.map((issue) => issue.message)).toEqual([
      'a slice is missing between 3 mm and 9 mm along the slice normal (a gap of 6 mm where slices are 3 mm apart, after slice 2 of 4): calcium in the gap is not scored; resend the complete series',
    ]);
  });

  it('says when kVp or thickness are not recorded, and when slices leave gaps', () => {
    expect(codes([0, 3, 6].map((z) => slice(z, { kvp: undefined, sliceThicknessMm: undefined })))).toEqual(['kvp-not-120', 'slice-thickness-not-3mm']);
    expect(codes([0, 5, 10].map((z) => slice(z)))).toEqual(['slice-gap']);
  });

  it('refuses two images at the same position and mixed orientations', () => {
    expect(() => orderSeries([slice(0), slice(0.001), slice(3)])).toThrow(/same position/);
    expect(() => orderSeries([slice(0), slice(3, { imageOrientationPatient: [0, 1, 0, 0, 0, -1] })])).toThrow(/mixes slice orientations/);
  });
});
