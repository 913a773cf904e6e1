import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTool } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { sampleReportContent, sampleSignedVersion } from '../../test/support/reportFixture.js';
import { writeCalciumScoreSr } from './dicom/calciumScoreSr.js';
import { dciodvfy, dcmdump } from './dicom/testing/dicomTools.js';
import { renderReportPdf } from './pdf/reportPdf.js';
import type { ReportVersion } from './reportContent.js';
import { reportContentSha256 } from './reportHash.js';
import { bindSignature, checkSignature, shortSha256, SIGNATURE_MEANING, signatureBindingSha256, zonedIso, type ReportSignature } from './signature.js';

const content = sampleReportContent();
const contentSha256 = reportContentSha256(content);
const at = new Date('2025-11-20T10:15:42.123Z');

function signature(overrides: Partial<ReportSignature> = {}): ReportSignature {
  return bindSignature({
    reportId: 3,
    version: 1,
    studyInstanceUid: content.study.studyInstanceUid,
    signerUserId: 7,
    printedName: 'Jane Reader',
    role: 'radiologist',
    signedAtUtc: at.toISOString(),
    signedAtLocal: zonedIso(at, 'Europe/Berlin'),
    timeZone: 'Europe/Berlin',
    meaning: SIGNATURE_MEANING,
    contentSha256,
    ...overrides,
  });
}

function signedVersion(sig: ReportSignature = signature()): ReportVersion {
  return { ...sampleSignedVersion(content), contentSha256, signedBy: 'Jane Reader (jreader)', signature: sig };
}

describe('the site time of a signature', () => {
  it('is ISO 8601 with the zone offset at that instant (summer and winter, half hours, UTC)', () => {
    expect(zonedIso(at, 'Europe/Berlin')).toBe('2025-11-20T11:15:42+01:00');
    expect(zonedIso(new Date('2025-07-01T10:00:00Z'), 'Europe/Berlin')).toBe('2025-07-01T12:00:00+02:00');
    expect(zonedIso(at, 'America/New_York')).toBe('2025-11-20T05:15:42-05:00');
    expect(zonedIso(at, 'Asia/Kolkata')).toBe('2025-11-20T15:45:42+05:30');
    expect(zonedIso(at, 'UTC')).toBe('2025-11-20T10:15:42+00:00');
    // Across midnight, the local date is the local one.
    expect(zonedIso(new Date('2025-12-31T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-01-01T08:30:00+09:00');
  });
});

describe('the signature binding', () => {
  it('changes with every bound field, so none can be swapped unnoticed', () => {
    const base = signature();
    const changes: Array<Partial<ReportSignature>> = [
      { reportId: 4 }, { version: 2 }, { studyInstanceUid: '1.2.3' }, { signerUserId: 8 }, { printedName: 'John Reader' }, { role: 'cardiologist' },
      { signedAtUtc: '2025-11-20T10:15:43.123Z' }, { signedAtLocal: '2025-11-20T11:15:43+01:00' }, { timeZone: 'Europe/Paris' }, { meaning: 'Seen' }, { contentSha256: 'b'.repeat(64) },
    ];
    const hashes = new Set(changes.map((change) => signatureBindingSha256({ ...base, ...change })));
    expect(hashes.size).toBe(changes.length);
    expect(hashes.has(base.bindingSha256)).toBe(false);
    // Key order does not matter (canonical JSON).
    const reversed = Object.fromEntries(Object.entries(base).reverse()) as ReportSignature;
    expect(signatureBindingSha256(reversed)).toBe(base.bindingSha256);
  });

  it('checks valid, copied to another version or report, content edited, missing and legacy', () => {
    const version = { reportId: 3, version: 1, studyInstanceUid: content.study.studyInstanceUid, content, contentSha256 };
    expect(checkSignature(version, signature(), false)).toEqual({ status: 'valid' });
    const copiedToV2 = checkSignature({ ...version, version: 2 }, signature(), false);
    expect(copiedToV2).toMatchObject({ status: 'mismatch', message: expect.stringMatching(/^the signature of v2 does not match its content: do not use/) });
    expect(checkSignature({ ...version, reportId: 9 }, signature(), false).status).toBe('mismatch');
    const edited = { ...content, impression: 'No calcium.' };
    expect(checkSignature({ ...version, content: edited, contentSha256: null }, signature(), false)).toMatchObject({ status: 'mismatch', message: expect.stringContaining('content was changed after signing') });
    expect(checkSignature(version, { ...signature(), printedName: 'Someone Else' }, false).status).toBe('mismatch');
    expect(checkSignature(version, null, false)).toMatchObject({ status: 'missing' });
    expect(checkSignature(version, null, true)).toMatchObject({ status: 'legacy' });
  });

  it('prints a short SHA-256 in groups of four', () => {
    expect(shortSha256('0123456789abcdef' + 'f'.repeat(48))).toBe('0123 4567 89ab cdef');
  });
});

describe.skipIf(!haveTool('pdftotext') || !haveTool('dciodvfy') || !haveTool('dcmdump'))('the signature in the PDF and the SR', () => {
  let dir = '';
  let remove: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir('signature'));
  });
  afterAll(() => remove());

  it('the PDF prints the signature block and stays deterministic', async () => {
    const version = signedVersion();
    const pdf = await renderReportPdf(version, [], { siteName: 'Heart Centre' });
    expect(Buffer.from(await renderReportPdf(version, [], { siteName: 'Heart Centre' })).equals(Buffer.from(pdf))).toBe(true);
    const file = join(dir, 'signed.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Electronically signed by Jane Reader, Radiologist.');
    expect(text).toContain(`Meaning of the signature: ${SIGNATURE_MEANING}.`);
    expect(text).toContain('Signed at 2025-11-20T10:15:42Z UTC (2025-11-20T11:15:42+01:00 Europe/Berlin).');
    expect(text).toContain(`Signed content SHA-256: ${shortSha256(contentSha256)}`);
    expect(text).toContain('FINAL – signed 2025-11-20 10:15 UTC by Jane Reader');
  });

  it("the SR's Verifying Observer is the account's display name, the organization the site; dciodvfy finds no error", () => {
    const file = join(dir, 'signed.dcm');
    writeFileSync(file, writeCalciumScoreSr(signedVersion(), { institutionName: 'Heart Centre' }));
    expect(dciodvfy(file).errors).toEqual([]);
    const dump = dcmdump(file);
    expect(dump).toMatch(/\(0040,a075\) PN \[Reader\^Jane\]/);
    expect(dump).toMatch(/\(0040,a027\) LO \[Heart Centre\]/);
    expect(Buffer.from(writeCalciumScoreSr(signedVersion(), { institutionName: 'Heart Centre' })).equals(Buffer.from(writeCalciumScoreSr(signedVersion(), { institutionName: 'Heart Centre' })))).toBe(true);
  });
});
