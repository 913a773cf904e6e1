/**
 * Loader and scores against analytic expectations: synthetic CT series written as real DICOM
 * (test/phantom), every encoding, orientation and storage quirk the issue names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openSeries } from '../../native-worker/openSeries.js';
import { ScoringSession } from '../../native-worker/scoring/scoringSession.js';
import { kvAdjustedThreshold, standardThreshold } from '../../native-worker/scoring/thresholds.js';
import { DicomLoadError } from '../../native-worker/dicom/loadIssues.js';
import {
  boxVoxelCount,
  tiltedAxialOrientation,
  voxelCenterMm,
  writePhantomSeries,
  type PhantomObject,
  type PhantomSpec,
  type PhantomTransferSyntax,
} from '../phantom/syntheticPhantom.js';
import { haveTool } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

type Box = Extract<PhantomObject, { kind: 'box' }>;

/** Two calcified boxes on a soft-tissue background: 4 x 4 pixels (0.5 mm) on 3 slices each. */
const denseBox: Box = { kind: 'box', centerMm: [8.25, 8.25, 6], sizeMm: [2, 2, 9], hu: 450 };
const faintBox: Box = { kind: 'box', centerMm: [20.25, 20.25, 6], sizeMm: [2, 2, 9], hu: 250 };

function baseSpec(overrides: Partial<PhantomSpec> = {}): PhantomSpec {
  return {
    rows: 48,
    columns: 48,
    pixelSpacingMm: [0.5, 0.5],
    slices: 6,
    sliceThicknessMm: 3,
    sliceIncrementMm: 3,
    backgroundHu: 40,
    objects: [denseBox, faintBox],
    fileNames: 'random-hex',
    instanceNumbers: 'shuffled',
    ...overrides,
  };
}

/** Agatston of a box from pure geometry: (dz / 3) x covered pixels x pixel area x weight. */
function analyticAgatston(spec: PhantomSpec, box: Box, weight: number): number {
  const count = boxVoxelCount(spec, box);
  return (spec.sliceIncrementMm / 3) * count.total * spec.pixelSpacingMm[0] * spec.pixelSpacingMm[1] * weight;
}

let temp: { dir: string; remove: () => Promise<void> };
let written = 0;
beforeAll(async () => {
  temp = await makeTempDir('synthetic');
});
afterAll(async () => temp.remove());

async function write(spec: PhantomSpec) {
  return writePhantomSeries(join(temp.dir, `series-${written++}`), spec);
}

function score(series: Awaited<ReturnType<typeof openSeries>>['series'], massFactor?: number) {
  const session = new ScoringSession(series.hu, series.geometry, { threshold: standardThreshold(130), minAreaMm2: 1, massFactor: { calibrated: massFactor } });
  for (const [box, artery] of [[denseBox, 'LAD'], [faintBox, 'RCA']] as const) {
    session.assign({ artery, point: box.centerMm.map((v, axis) => v + (axis < 2 ? 0.1 : 0)) as [number, number, number], scope: 'lesion' });
  }
  return session.scores();
}

const encodings: PhantomTransferSyntax[] = ['implicit', 'explicit', 'deflated', 'jpeg-lossless-57', 'jpeg-lossless-70', 'jpeg-ls', 'jpeg2000', 'rle'];

describe.skipIf(!haveTool('dcmcjpeg'))('every transfer syntax decodes to the same HU and scores', () => {
  for (const transferSyntax of encodings) {
    it(transferSyntax, async () => {
      const spec = baseSpec({ transferSyntax, noiseSdHu: 15, seed: 7 });
      const phantom = await write(spec);
      const { series } = await openSeries(phantom.dir);
      expect(series.transferSyntaxUid).toBe(phantom.transferSyntaxUid);
      // Every voxel equals the intended HU after storage rounding (stored value x 1 - 1024).
      expect(series.hu.length).toBe(phantom.storedValues.length);
      let mismatches = 0;
      for (let n = 0; n < series.hu.length; n++) if (series.hu[n] !== phantom.storedValues[n] - 1024) mismatches++;
      expect(mismatches).toBe(0);
      // 15 HU noise cannot cross 130 HU from 40 HU, nor drop 250 HU below it: the boxes' volumes are exact.
      const sheet = score(series);
      expect(sheet.arteries.LAD.volumeMm3).toBeCloseTo(boxVoxelCount(spec, denseBox).total * 0.25 * 3, 9);
      expect(sheet.arteries.RCA.volumeMm3).toBeCloseTo(boxVoxelCount(spec, faintBox).total * 0.25 * 3, 9);
    });
  }
});

describe('analytic scores from geometry', () => {
  it('scores boxes exactly: weight 4 at 450 HU, weight 2 at 250 HU, any file order', async () => {
    const spec = baseSpec();
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    const sheet = score(series, 0.8);
    expect(sheet.arteries.LAD.agatston).toBeCloseTo(analyticAgatston(spec, denseBox, 4), 9);
    expect(sheet.arteries.RCA.agatston).toBeCloseTo(analyticAgatston(spec, faintBox, 2), 9);
    expect(sheet.arteries.LAD.agatston).toBeCloseTo(48, 9); // 16 px x 0.25 mm2 x 3 slices x 4
    const voxels = boxVoxelCount(spec, denseBox).total;
    expect(sheet.arteries.LAD.volumeMm3).toBeCloseTo(voxels * 0.25 * 3, 9);
    expect(sheet.arteries.LAD.massMg!).toBeCloseTo((0.8 * voxels * 450 * 0.25 * 3) / 1000, 9);
    expect(sheet.total.lesions).toBe(2);
  });

  for (const [increment, thickness] of [[1.5, 3], [0.5, 0.5]] as const) {
    it(`scales by dz / 3 for ${thickness} mm slices every ${increment} mm`, async () => {
      const box: Box = { kind: 'box', centerMm: [8.25, 8.25, 6], sizeMm: [2, 2, 9], hu: 450 };
      const spec = baseSpec({ sliceIncrementMm: increment, sliceThicknessMm: thickness, slices: Math.round(15 / increment), objects: [box] });
      const phantom = await write(spec);
      const { series } = await openSeries(phantom.dir);
      expect(series.geometry.sliceIncrementMm).toBeCloseTo(increment, 9);
      const session = new ScoringSession(series.hu, series.geometry, { threshold: standardThreshold(130), minAreaMm2: 1, massFactor: {} });
      session.assign({ artery: 'LM', point: [8.3, 8.3, 6], scope: 'lesion' });
      const count = boxVoxelCount(spec, box);
      expect(count.alongNormal).toBe(Math.round(9 / increment));
      // The same 9 mm of calcium scores the same Agatston whatever the increment: 48.
      expect(session.scores().arteries.LM.agatston).toBeCloseTo(analyticAgatston(spec, box, 4), 9);
      expect(session.scores().arteries.LM.agatston).toBeCloseTo(48, 9);
      const codes = series.issues.map((issue) => issue.code);
      expect(codes.includes('slice-thickness-not-3mm')).toBe(thickness !== 3);
    });
  }

  it('keeps a cylinder and a sphere within the rasterisation error of their analytic volumes', async () => {
    const cylinder: PhantomObject = { kind: 'cylinder', centerMm: [12, 12, 7.5], radiusMm: 3, lengthMm: 10, hu: 600 };
    const sphere: PhantomObject = { kind: 'sphere', centerMm: [24, 24, 7.5], radiusMm: 4, hu: 600 };
    const spec = baseSpec({ objects: [cylinder, sphere], sliceIncrementMm: 0.5, sliceThicknessMm: 0.5, slices: 30, pixelSpacingMm: [0.25, 0.25], rows: 128, columns: 128 });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    const session = new ScoringSession(series.hu, series.geometry, { threshold: standardThreshold(130), minAreaMm2: 1, massFactor: {} });
    session.assign({ artery: 'LAD', point: [12, 12, 7.5], scope: 'lesion' });
    session.assign({ artery: 'LCX', point: [24, 24, 7.5], scope: 'lesion' });
    const sheet = session.scores();
    expect(sheet.arteries.LAD.volumeMm3 / (Math.PI * 9 * 10)).toBeCloseTo(1, 1);
    expect(sheet.arteries.LCX.volumeMm3 / ((4 / 3) * Math.PI * 64)).toBeCloseTo(1, 1);
  });

  it('drops noise plaques below 1 mm2 and keeps the inserts', async () => {
    const spec = baseSpec({ noiseSdHu: 45, seed: 3 });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    const session = new ScoringSession(series.hu, series.geometry, { threshold: standardThreshold(130), minAreaMm2: 1, massFactor: {} });
    // With 45 HU noise on 40 HU, single pixels cross 130 HU; none of them forms a 4-pixel plaque by itself often.
    let noisePixels = 0;
    for (const value of series.hu) if (value >= 130) noisePixels++;
    expect(noisePixels).toBeGreaterThan(2 * 16 * 3 + 10);
    expect(session.candidates.lesionCount).toBeLessThan(noisePixels);
    expect(session.plaqueAt([8.3, 8.3, 6])).toBeDefined();
  });
});

describe('pixel storage quirks', () => {
  it('unsigned 12-bit pixels with zeroed high bits, intercept -1024 and padding outside the field of view', async () => {
    const spec = baseSpec({ pixelRepresentation: 0, bitsStored: 12, rescaleIntercept: -1024, pixelPaddingValue: 0, fovRadiusMm: 10, unusedHighBits: 'zero' });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    const centre = 24 * 48 + 24;
    expect(series.hu[centre]).toBe(40);
    expect(series.hu[0]).toBe(-3024); // padding, whatever its stored value means
    const sheet = score(series);
    expect(sheet.arteries.LAD.agatston).toBeCloseTo(analyticAgatston(spec, denseBox, 4), 9);
  });

  it('signed 12-bit pixels whose high bits are zero are sign-extended from the high bit', async () => {
    const spec = baseSpec({ pixelRepresentation: 1, bitsStored: 12, rescaleIntercept: 0, backgroundHu: -900, unusedHighBits: 'zero' });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    expect(series.hu[0]).toBe(-900);
    expect(Math.max(...series.hu)).toBe(450);
  });

  it('a fractional rescale slope keeps fractional HU', async () => {
    const spec = baseSpec({ rescaleSlope: 0.5, rescaleIntercept: -1024.25 });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    expect(series.hu).toBeInstanceOf(Float32Array);
    for (let n = 0; n < 200; n++) expect(series.hu[n]).toBeCloseTo(phantom.storedValues[n] * 0.5 - 1024.25, 4);
  });
});

describe('acquisition checks', () => {
  it('a clean 120 kVp 3 mm axial series has no warnings', async () => {
    const phantom = await write(baseSpec());
    const { issues } = await openSeries(phantom.dir);
    expect(issues).toEqual([]);
  });

  it('names a missing slice and does not join lesions across the gap', async () => {
    const spec = baseSpec({ slices: 8, skipSliceIndices: [2], objects: [{ kind: 'box', centerMm: [8.25, 8.25, 6], sizeMm: [2, 2, 24], hu: 450 }] });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    const missing = series.issues.find((issue) => issue.code === 'missing-slice');
    expect(missing?.message).toMatch(/a slice is missing between 3 mm and 9 mm/);
    const session = new ScoringSession(series.hu, series.geometry, { threshold: standardThreshold(130), minAreaMm2: 1, massFactor: {} });
    expect(session.candidates.lesionCount).toBe(2);
  });

  it('warns about gantry tilt and still scores each slice', async () => {
    const spec = baseSpec({ gantryTiltDeg: 15, orientation: tiltedAxialOrientation(15) });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    expect(series.issues.map((issue) => issue.code)).toContain('gantry-tilt');
    const session = new ScoringSession(series.hu, series.geometry, { threshold: standardThreshold(130), minAreaMm2: 1, massFactor: {} });
    const centre = voxelCenterMm(spec, 16, 16, 2);
    expect(session.plaqueAt(centre)).toBeDefined();
  });

  it('warns about a non-axial (oblique) series', async () => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const phantom = await write(baseSpec({ orientation: [1, 0, 0, 0, c, s] }));
    const { series } = await openSeries(phantom.dir);
    expect(series.issues.find((issue) => issue.code === 'non-axial')?.message).toMatch(/30(\.0)?° from the body axis/);
  });

  it('warns about kVp other than 120 and offers the kV-adjusted thresholds', async () => {
    const spec = baseSpec({ kvp: 100 });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    expect(series.issues.find((issue) => issue.code === 'kvp-not-120')?.message).toMatch(/100 kVp.*kV-adjusted/);
    const session = new ScoringSession(series.hu, series.geometry, { threshold: kvAdjustedThreshold(series.kvp!), minAreaMm2: 1, massFactor: {} });
    session.assign({ artery: 'RCA', point: [20.3, 20.3, 6], scope: 'lesion' });
    // 250 HU at 100 kV: [222, 334) is weight 2.
    expect(session.scores().arteries.RCA.agatston).toBeCloseTo(analyticAgatston(spec, faintBox, 2), 9);
  });

  it('suspects contrast when the blood pool is enhanced, not otherwise', async () => {
    const spec = baseSpec({ rows: 256, columns: 256, pixelSpacingMm: [0.7, 0.7], bloodPool: { hu: 320, radiusMm: 45 } });
    const phantom = await write(spec);
    const { series } = await openSeries(phantom.dir);
    expect(series.issues.map((issue) => issue.code)).toContain('contrast-suspected');
  });

  it('takes the mass factor from the DICOM device attribute (middle value, said) or the patient attribute', async () => {
    const device = await write(baseSpec({ extraAttributes: { CalciumScoringMassFactorDevice: [0.7, 0.75, 0.8] } }));
    const opened = await openSeries(device.dir);
    const first = opened.series.slices[0];
    expect(first.massFactorDevice?.map((v) => Number(v.toFixed(4)))).toEqual([0.7, 0.75, 0.8]);
    const session = new ScoringSession(opened.series.hu, opened.series.geometry, {
      threshold: standardThreshold(130),
      minAreaMm2: 1,
      massFactor: { device: first.massFactorDevice, patient: first.massFactorPatient },
    });
    expect(session.massFactor.source).toBe('dicom-device');
    expect(session.massFactor.factor).toBeCloseTo(0.75, 6);
    expect(session.massFactor.issues[0].code).toBe('mass-factor-middle-value');

    const patient = await write(baseSpec({ extraAttributes: { CalciumScoringMassFactorPatient: 0.66 } }));
    const openedPatient = await openSeries(patient.dir);
    expect(openedPatient.series.slices[0].massFactorPatient).toBeCloseTo(0.66, 6);
  });

  it('refuses a series that mixes image sizes', async () => {
    const a = await write(baseSpec({ seriesInstanceUid: '2.25.1234567', slices: 3 }));
    await writePhantomSeries(a.dir, baseSpec({ seriesInstanceUid: '2.25.1234567', slices: 2, rows: 32, columns: 32, originMm: [0, 0, 30] }));
    await expect(openSeries(a.dir)).rejects.toThrow(DicomLoadError);
    await expect(openSeries(a.dir)).rejects.toThrow(/mixes image sizes/);
  });
});
