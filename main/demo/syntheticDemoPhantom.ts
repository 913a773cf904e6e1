/**
 * The demo study used when the shared QRM phantom is not beside the checkout: two calcium inserts
 * with known scores, written as a real DICOM series. One definition for the app's first start and
 * for `cac demo`.
 */
import type { Assignment } from '../../native-worker/scoring/arteries.js';
import { writePhantomSeries, type PhantomSeries } from '../../test/phantom/syntheticPhantom.js';

/** 4 x 4 mm on three 3 mm slices at 450 HU and 250 HU: Agatston 192 + 96 = 288. */
export const SYNTHETIC_DEMO_DESCRIPTION =
  'Two inserts, 4 x 4 mm on three 3 mm slices at 450 HU (LAD) and 250 HU (RCA): expected Agatston 192 + 96 = 288.';

/** Clicks that assign the two inserts. */
export const SYNTHETIC_DEMO_SEEDS: Assignment[] = [
  { artery: 'LAD', point: [20.3, 20.3, 9], scope: 'lesion' },
  { artery: 'RCA', point: [40.3, 40.3, 9], scope: 'lesion' },
];

export function writeSyntheticDemoPhantom(dir: string): Promise<PhantomSeries> {
  return writePhantomSeries(dir, {
    rows: 128,
    columns: 128,
    pixelSpacingMm: [0.5, 0.5],
    slices: 8,
    sliceThicknessMm: 3,
    sliceIncrementMm: 3,
    backgroundHu: 40,
    noiseSdHu: 10,
    patientName: 'DEMO^PHANTOM',
    patientId: 'DEMO-PHANTOM',
    seriesDescription: 'Synthetic calcium phantom',
    objects: [
      { kind: 'box', centerMm: [20.25, 20.25, 9], sizeMm: [4, 4, 9], hu: 450 },
      { kind: 'box', centerMm: [40.25, 40.25, 9], sizeMm: [4, 4, 9], hu: 250 },
    ],
  });
}
