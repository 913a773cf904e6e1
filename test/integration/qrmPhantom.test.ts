/**
 * The public ground truth: the real QRM phantom scan must reproduce the published FQM table to 0.01
 * for Agatston, volume and mass, insert by insert and in total (qrm-phantom-canon/README.md).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { openSeries, type OpenedSeries } from '../../native-worker/openSeries.js';
import { ScoringSession } from '../../native-worker/scoring/scoringSession.js';
import { standardThreshold } from '../../native-worker/scoring/thresholds.js';
import { ARTERIES } from '../../native-worker/scoring/arteries.js';
import { indexToPoint, pointToIndex } from '../../native-worker/geometry/volumeGeometry.js';
import { haveSharedData, qrmInserts, qrmMassFactor, qrmPhantomDir } from '../support/sharedData.js';

const FQM_TOTAL = { agatston: 966.63, volumeMm3: 870.18, massMg: 205.61 };

describe.skipIf(!haveSharedData(qrmPhantomDir))('QRM phantom (Canon, 120 kVp, 3 mm): FQM table', () => {
  let opened: OpenedSeries;
  beforeAll(async () => {
    opened = await openSeries(qrmPhantomDir);
  });

  function newSession() {
    return new ScoringSession(opened.series.hu, opened.series.geometry, {
      threshold: standardThreshold(130),
      minAreaMm2: 1,
      massFactor: { calibrated: qrmMassFactor },
    });
  }

  it('loads 47 slices ordered by position, not by file name or instance number', () => {
    const { series } = opened;
    expect(series.geometry.slices).toBe(47);
    expect([series.geometry.columns, series.geometry.rows]).toEqual([512, 512]);
    expect(series.geometry.sliceIncrementMm).toBe(3);
    const z = [...series.geometry.slicePositionsMm];
    expect(z).toEqual([...z].sort((a, b) => a - b));
    // Instance 1 is the top slice: in ascending z the instance numbers run backwards.
    const instances = series.slices.map((slice) => slice.instanceNumber!);
    expect(instances[0]).toBeGreaterThan(instances[46]);
    expect(series.issues.filter((issue) => issue.severity !== 'note')).toEqual([]);
    // Intercept 0, signed pixels: air outside the field of view stays at -2048 HU.
    expect(series.hu[0]).toBe(-2048);
  });

  it('maps patient coordinates to voxels and back', () => {
    const g = opened.series.geometry;
    const index = pointToIndex(g, [-40.666, 1.354, 600.875]);
    expect(index.offPlaneMm).toBeLessThan(1e-6);
    const back = indexToPoint(g, index.i, index.j, index.k);
    expect(back[0]).toBeCloseTo(-40.666, 9);
    expect(back[1]).toBeCloseTo(1.354, 9);
    expect(back[2]).toBeCloseTo(600.875, 9);
    expect(g.slicePositionsMm[index.k]).toBeCloseTo(600.875, 9);
  });

  for (const insert of qrmInserts) {
    it(`${insert.name}: Agatston ${insert.agatston}, volume ${insert.volumeMm3} mm3, mass ${insert.massMg} mg`, () => {
      const session = newSession();
      const outcome = session.assign({ artery: 'LAD', point: [...insert.point], scope: 'lesion' });
      expect(outcome.applied).toBe(true);
      const lad = session.scores().arteries.LAD;
      expect(Math.abs(lad.agatston - insert.agatston)).toBeLessThan(0.005);
      expect(Math.abs(lad.volumeMm3 - insert.volumeMm3)).toBeLessThan(0.005);
      expect(Math.abs(lad.massMg! - insert.massMg)).toBeLessThan(0.005);
      expect(lad.lesions).toBe(1);
    });
  }

  it('all seven detectable inserts give the FQM total 966.63 / 870.18 / 205.61', () => {
    const session = newSession();
    qrmInserts.forEach((insert, index) => {
      session.assign({ artery: ARTERIES[index % 4], point: [...insert.point], scope: 'lesion' });
    });
    const total = session.scores().total;
    expect(Math.abs(total.agatston - FQM_TOTAL.agatston)).toBeLessThan(0.005);
    expect(Math.abs(total.volumeMm3 - FQM_TOTAL.volumeMm3)).toBeLessThan(0.005);
    expect(Math.abs(total.massMg! - FQM_TOTAL.massMg)).toBeLessThan(0.005);
    expect(total.lesions).toBe(7);
  });
});
