/**
 * The words that go with a DLP: the estimate from image headers, and DLP of the 16 cm head and
 * 32 cm body phantoms kept apart (the real GE reports of shared/data/ct-rdsr mix them).
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ctRdsrDir, haveSharedData } from '../../test/support/sharedData.js';
import { readDoseReport } from './rdsrParser.js';
import { bodyPhantomDlpMgyCm, DLP_ESTIMATE_LABEL, dlpByPhantom, doseNotes, HEAD_TO_BODY_DLP_FACTOR } from './doseNotes.js';
import type { DoseEvent } from './doseTypes.js';

const event = (dlpMgyCm: number | null, phantom: string | null): DoseEvent => ({
  irradiationEventUid: null,
  ctdivolMgy: 5,
  dlpMgyCm,
  phantom,
  kvp: 120,
  tubeCurrentMa: null,
  exposureTimeS: null,
  scanLengthMm: null,
  acquisitionType: null,
  protocol: null,
  targetRegion: null,
  startedAt: null,
});

describe('doseNotes', () => {
  it('says nothing for the scanner\'s body-phantom DLP: k applies to the total as it is', () => {
    const dose = { source: 'rdsr' as const, events: [event(40, 'body-32'), event(8.5, 'body-32')], dlpTotalMgyCm: 48.5 };
    expect(doseNotes(dose)).toEqual([]);
    expect(bodyPhantomDlpMgyCm(dose)).toBe(48.5);
  });

  it('marks a DLP from the image headers as an estimate', () => {
    const notes = doseNotes({ source: 'image-header', events: [event(48.5, null)], dlpTotalMgyCm: 48.5 });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`DLP ${DLP_ESTIMATE_LABEL}`);
    expect(DLP_ESTIMATE_LABEL).toBe('estimated from the image headers');
    // No DLP, nothing to mark.
    expect(doseNotes({ source: 'image-header', events: [event(null, null)], dlpTotalMgyCm: null })).toEqual([]);
  });

  it('converts the head-phantom part with the documented factor before k, and says so with both figures', () => {
    const dose = { source: 'manual' as const, events: [event(100, 'body-32'), event(200, 'head-16')], dlpTotalMgyCm: 300 };
    expect(dlpByPhantom(dose.events)).toEqual({ body32MgyCm: 100, head16MgyCm: 200 });
    expect(bodyPhantomDlpMgyCm(dose)).toBeCloseTo(100 + 200 * HEAD_TO_BODY_DLP_FACTOR, 10);
    const [note] = doseNotes(dose);
    expect(note).toMatch(/100\.0 mGy·cm in the 32 cm body phantom and 200\.0 mGy·cm in the 16 cm head phantom/);
    expect(note).toMatch(/x 0\.5 \(AAPM Report 204/);
    expect(note).toContain('200.0 mGy·cm body-phantom equivalent');
  });
});

describe.skipIf(!haveSharedData(ctRdsrDir))('doseNotes on the real GE dose reports', () => {
  it('GE VCT: 1109.0 mGy·cm body and 893.4 mGy·cm head phantom are not added as they are for the effective dose', async () => {
    const dose = readDoseReport(new Uint8Array(await readFile(join(ctRdsrDir, 'CT-ESR-GE_VCT.dcm'))), 'CT-ESR-GE_VCT.dcm')!;
    expect(dose.dlpTotalMgyCm).toBe(2002.39);
    const split = dlpByPhantom(dose.events);
    expect(split.body32MgyCm).toBeCloseTo(1109.01, 2);
    expect(split.head16MgyCm).toBeCloseTo(893.38, 2);
    expect(bodyPhantomDlpMgyCm(dose)).toBeCloseTo(2002.39 - 893.38 / 2, 2);
    expect(doseNotes(dose).join(' ')).toMatch(/two CTDI phantoms: 1109\.0 mGy·cm in the 32 cm body phantom and 893\.4 mGy·cm in the 16 cm head phantom/);
  });

  it('GE PixelMed: a head-phantom-only report says that k is for the body phantom', async () => {
    const dose = readDoseReport(new Uint8Array(await readFile(join(ctRdsrDir, 'CT-RDSR-GEPixelMed.dcm'))), 'CT-RDSR-GEPixelMed.dcm')!;
    expect(bodyPhantomDlpMgyCm(dose)).toBeCloseTo(586.34 / 2, 2);
    expect(doseNotes(dose)[0]).toMatch(/measured in the 16 cm head phantom \(586\.3 mGy·cm\), not the 32 cm body phantom that k is defined for/);
  });
});
