import { describe, expect, it } from 'vitest';
import type { DoseEvent, StudyDose } from './doseTypes.js';
import { mergeStudyDoses } from './studyDoses.js';

const event = (uid: string | null, dlpMgyCm: number): DoseEvent => ({
  irradiationEventUid: uid,
  ctdivolMgy: dlpMgyCm / 10,
  dlpMgyCm,
  phantom: 'body-32',
  kvp: 120,
  tubeCurrentMa: null,
  exposureTimeS: null,
  scanLengthMm: null,
  acquisitionType: null,
  protocol: null,
  targetRegion: null,
  startedAt: null,
});

const dose = (studyInstanceUid: string, sop: string, events: DoseEvent[], dlpTotalMgyCm: number | null, source: StudyDose['source'] = 'rdsr'): StudyDose => ({
  studyInstanceUid,
  source,
  sourceSopInstanceUids: [sop],
  events,
  dlpTotalMgyCm,
  scanner: { manufacturer: null, model: null, stationName: null, deviceSerial: null },
  alerts: [],
  studyDate: null,
});

describe('mergeStudyDoses', () => {
  it('counts an event re-sent in a grown report once and keeps the fullest report total', () => {
    const merged = mergeStudyDoses([dose('1.1', 'a', [event('e1', 10), event('e2', 20)], 30.5), dose('1.1', 'b', [event('e1', 10)], 10)]);
    expect(merged).toHaveLength(1);
    expect(merged[0].events.map((e) => e.irradiationEventUid)).toEqual(['e1', 'e2']);
    expect(merged[0].dlpTotalMgyCm).toBe(30.5);
    expect(merged[0].sourceSopInstanceUids).toEqual(['a', 'b']);
  });

  it('sums the events when reports hold different events of one study (two scanners)', () => {
    const merged = mergeStudyDoses([dose('1.1', 'a', [event('e1', 10)], 10), dose('1.1', 'b', [event('e2', 25)], 25)]);
    expect(merged[0].events).toHaveLength(2);
    expect(merged[0].dlpTotalMgyCm).toBe(35);
  });

  it('recomputes a missing total as the sum of the events', () => {
    expect(mergeStudyDoses([dose('1.1', 'a', [event('e1', 10), event('e2', 5)], null)])[0].dlpTotalMgyCm).toBe(15);
  });

  it('keeps studies apart and prefers the RDSR over image headers of the same study', () => {
    const merged = mergeStudyDoses([dose('1.1', 'img', [event(null, 99)], 99, 'image-header'), dose('1.1', 'sr', [event('e1', 10)], 10), dose('2.2', 'x', [event('e9', 7)], 7)]);
    expect(merged.map((study) => [study.studyInstanceUid, study.source, study.dlpTotalMgyCm])).toEqual([
      ['1.1', 'rdsr', 10],
      ['2.2', 'rdsr', 7],
    ]);
  });

  it('merges the same alert from two versions of a report once', () => {
    const alert = { kind: 'alert' as const, quantity: 'dlp', levelValue: 100, forwardEstimate: 251.2, reason: null, person: 'Luuk', irradiationEventUid: 'e1' };
    const first = { ...dose('1.1', 'a', [event('e1', 251.2)], 251.2), alerts: [alert] };
    const second = { ...dose('1.1', 'b', [event('e1', 251.2), event('e2', 251.2)], 502.4), alerts: [alert] };
    expect(mergeStudyDoses([first, second])[0].alerts).toEqual([alert]);
  });
});
