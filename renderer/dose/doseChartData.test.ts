import { describe, expect, it } from 'vitest';
import type { DoseLogRow, ProtocolDoseDistribution } from '../../main/api/contract.js';
import { dateTicks, doseTimeSeries, protocolBoxes, studyDateMs } from './doseChartData.js';

const DAY_MS = 86_400_000;

function row(overrides: Partial<DoseLogRow>): DoseLogRow {
  return {
    studyInstanceUid: '1.2.3',
    patientId: 'P1',
    patientName: 'DOE^JANE',
    studyDate: '2024-03-01',
    protocol: 'Calcium score',
    scanner: null,
    source: 'rdsr',
    ctdivolMgy: 3,
    dlpMgyCm: 100,
    effectiveDoseMsv: 1.4,
    kFactor: 0.014,
    referenceLevel: null,
    aboveReference: false,
    reason: null,
    ...overrides,
  };
}

describe('the dose log chart data', () => {
  it('reads ISO and DICOM study dates, refuses others', () => {
    expect(studyDateMs('2024-03-01')).toBe(Date.UTC(2024, 2, 1));
    expect(studyDateMs('20240301')).toBe(Date.UTC(2024, 2, 1));
    expect(studyDateMs('March 2024')).toBeNull();
    expect(studyDateMs(null)).toBeNull();
  });

  it('splits points by the reference check and counts the studies it cannot place', () => {
    const series = doseTimeSeries(
      [
        row({ studyInstanceUid: '1.1', dlpMgyCm: 260, aboveReference: true }),
        row({ studyInstanceUid: '1.2', studyDate: '2024-03-11' }),
        row({ studyInstanceUid: '1.3', studyDate: null }),
        row({ studyInstanceUid: '1.4', dlpMgyCm: null }),
      ],
      'dlp',
    );
    expect(series.above.map((point) => [point.studyInstanceUid, point.y])).toEqual([['1.1', 260]]);
    expect(series.within.map((point) => point.studyInstanceUid)).toEqual(['1.2']);
    expect(series.undated).toBe(1);
    expect(series.withoutValue).toBe(1);
    // A margin of at least a day each side keeps the end points inside the chart.
    expect(series.xMinMs).toBe(Date.UTC(2024, 2, 1) - DAY_MS);
    expect(series.xMaxMs).toBe(Date.UTC(2024, 2, 11) + DAY_MS);
  });

  it('per protocol: whiskers, boxes, medians and the level of the chosen quantity; a one-study box is widened to be seen', () => {
    const level = { name: 'Calcium score', match: 'calcium', ctdivolMgy: 10, dlpMgyCm: 200 };
    const protocols: ProtocolDoseDistribution[] = [
      { protocol: 'Calcium score', studies: 5, ctdivolMgy: { min: 1, q1: 2, median: 3, q3: 4, max: 9 }, dlpMgyCm: { min: 50, q1: 80, median: 100, q3: 120, max: 260 }, referenceLevel: level },
      { protocol: 'Chest', studies: 1, ctdivolMgy: { min: 5, q1: 5, median: 5, q3: 5, max: 5 }, dlpMgyCm: null, referenceLevel: null },
    ];
    const dlp = protocolBoxes(protocols, 'dlp');
    expect(dlp.protocols).toEqual(['Calcium score']);
    expect(dlp.whiskers).toEqual([[50, 260]]);
    expect(dlp.boxes).toEqual([[80, 120]]);
    expect(dlp.medians).toEqual([100]);
    expect(dlp.references).toEqual([200]);
    const ctdivol = protocolBoxes(protocols, 'ctdivol');
    expect(ctdivol.protocols).toEqual(['Calcium score', 'Chest']);
    expect(ctdivol.references).toEqual([10, null]);
    const [low, high] = ctdivol.boxes[1]!;
    expect(low).toBeLessThan(5);
    expect(high).toBeGreaterThan(5);
  });

  it('date ticks fall on calendar boundaries: years over long spans, months over a year, days over weeks', () => {
    const years = dateTicks(Date.UTC(1996, 5, 1), Date.UTC(2025, 0, 1));
    expect(years.ticks.map(years.format)).toEqual(['2000', '2005', '2010', '2015', '2020', '2025']);
    const months = dateTicks(Date.UTC(2024, 0, 15), Date.UTC(2024, 11, 20));
    expect(months.ticks.map(months.format)).toEqual(['2024-03', '2024-05', '2024-07', '2024-09', '2024-11']);
    const days = dateTicks(Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 8));
    expect(days.ticks.map(days.format)[0]).toBe('2024-03-01');
    expect(days.ticks.length).toBeLessThanOrEqual(8);
  });
});
