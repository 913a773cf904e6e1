/**
 * The Encapsulated PDF judged by dciodvfy and dcmdump; the PDF is extracted again with dcmtk's
 * dcm2pdf (independent of the writer) and compared byte for byte, then read by pdftotext.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReportContent, sampleSignedVersion } from '../../../test/support/reportFixture.js';
import { haveTool } from '../../../test/support/sharedData.js';
import { makeTempDir } from '../../../test/support/tempDir.js';
import type { ReportVersion } from '../reportContent.js';
import { writeCalciumScoreSr } from './calciumScoreSr.js';
import { ReportDicomError } from './dicomCommon.js';
import { writeEncapsulatedPdf } from './encapsulatedPdf.js';
import { ENCAPSULATED_PDF_STORAGE, reportObjectUids } from './reportUids.js';
import { dciodvfy, dcmdump, dumpValues, runTool } from './testing/dicomTools.js';

const ready = ['dciodvfy', 'dcmdump', 'dcm2pdf', 'pdftotext'].every((tool) => haveTool(tool));

/** A tiny real PDF (pdfkit), fixed dates so it is the same bytes every run. */
function tinyPdf(text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', info: { CreationDate: new Date(Date.UTC(2025, 10, 20)), ModDate: new Date(Date.UTC(2025, 10, 20)) } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(14).text(text);
    doc.end();
  });
}

/** A copy of the PDF with one trailing byte more or less, to get both an odd and an even length. */
function withParity(pdf: Buffer, odd: boolean): Buffer {
  return pdf.length % 2 === (odd ? 1 : 0) ? pdf : Buffer.concat([pdf, Buffer.from('\n')]);
}

describe.skipIf(!ready)('Encapsulated PDF (dciodvfy, dcmdump, dcm2pdf)', () => {
  let dir = '';
  let remove: () => Promise<void> = async () => {};
  let pdf: Buffer;
  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir('report-pdf'));
    pdf = await tinyPdf('Coronary artery calcium score report: total Agatston 187.81');
  });
  afterAll(() => remove());

  async function write(name: string, version: ReportVersion, bytes: Uint8Array, options?: Parameters<typeof writeEncapsulatedPdf>[2]): Promise<string> {
    const file = join(dir, `${name}.dcm`);
    await writeFile(file, writeEncapsulatedPdf(version, bytes, options));
    return file;
  }

  for (const odd of [true, false]) {
    it(`is valid, and the PDF (${odd ? 'odd' : 'even'} length) comes back byte for byte`, async () => {
      const bytes = withParity(pdf, odd);
      expect(bytes.length % 2).toBe(odd ? 1 : 0);
      const file = await write(`report-${odd ? 'odd' : 'even'}`, sampleSignedVersion(), bytes, { institutionName: 'Heart Centre' });
      const verdict = dciodvfy(file);
      expect(verdict.output).toMatch(/EncapsulatedPDF/);
      expect(verdict.errors, verdict.output).toEqual([]);
      // The only warning: no Study ID given (the images' Study ID is not in the report content).
      expect(verdict.warnings.filter((w) => !/needed to build DICOMDIR - Study ID/.test(w)), verdict.output).toEqual([]);

      const extracted = join(dir, `extracted-${odd ? 'odd' : 'even'}.pdf`);
      const run = runTool('dcm2pdf', [file, extracted]);
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(extracted).equals(bytes)).toBe(true);
      const text = runTool('pdftotext', [extracted, '-']);
      expect(text.stdout).toMatch(/total Agatston 187\.81/);

      // And with dicom-parser: the element is padded to even length, the declared length is exact.
      const dataSet = dicomParser.parseDicom(readFileSync(file));
      const element = dataSet.elements.x00420011;
      expect(element.length % 2).toBe(0);
      expect(dataSet.uint32('x00420015')).toBe(bytes.length);
      expect(Buffer.from(dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + bytes.length)).equals(bytes)).toBe(true);
    });
  }

  it('is in the images\' study, its own DOC series, with the required attributes (dcmdump)', async () => {
    const version = sampleSignedVersion();
    const file = await write('header', version, pdf, { studyId: '4711' });
    expect(dciodvfy(file).warnings).toEqual([]); // with the Study ID, not even a warning
    const dump = dcmdump(file);
    const { content } = version;
    const uids = reportObjectUids(content.study.studyInstanceUid, version.reportId, version.version, 'pdf');
    expect(dumpValues(dump, '0008,0016')).toEqual([ENCAPSULATED_PDF_STORAGE]);
    expect(dumpValues(dump, '0008,0018')).toEqual([uids.sopInstanceUid]);
    expect(dumpValues(dump, '0020,000d')).toEqual([content.study.studyInstanceUid]);
    expect(dumpValues(dump, '0020,000e')).toEqual([uids.seriesInstanceUid]);
    expect(dumpValues(dump, '0008,0060')).toEqual(['DOC']);
    expect(dumpValues(dump, '0042,0012')).toEqual(['application/pdf']);
    expect(dumpValues(dump, '0042,0010')).toEqual(['Coronary artery calcium score report']);
    expect(dumpValues(dump, '0028,0301')).toEqual(['YES']);
    expect(dumpValues(dump, '0008,0100')).toContain('450360000');
    expect(dumpValues(dump, '0008,002a')).toEqual(['20251120101542+0000']);
    expect(dumpValues(dump, '0020,0010')).toEqual(['4711']);
    expect(dumpValues(dump, '0010,0020')).toEqual(['PAT-0042']);
    expect(dumpValues(dump, '0008,0050')).toEqual(['ACC-77881']);
    // Source Instance Sequence: the scored images.
    expect(dumpValues(dump, '0008,1155')).toEqual(content.series.sopInstanceUids);
    // Not the SR's series or instance.
    const sr = dcmdump(await (async () => {
      const srFile = join(dir, 'sr.dcm');
      await writeFile(srFile, writeCalciumScoreSr(version));
      return srFile;
    })());
    expect(dumpValues(sr, '0008,0018')[0]).not.toBe(uids.sopInstanceUid);
    expect(dumpValues(sr, '0020,000e')[0]).not.toBe(uids.seriesInstanceUid);
  });

  it('unusual inputs: non-ASCII patient, null fields, a draft: all valid', async () => {
    const content = sampleReportContent({
      patient: { name: 'Ødegård^Åse', patientId: 'PAT-0042', birthDate: null, sex: null, ageYears: null },
      study: { ...sampleReportContent().study, accessionNumber: null, referringPhysician: null },
    });
    const draft: ReportVersion = { ...sampleSignedVersion(content), status: 'draft', signedAt: null, signedBy: null };
    const file = await write('unusual', draft, pdf);
    const verdict = dciodvfy(file);
    expect(verdict.errors, verdict.output).toEqual([]);
    const dump = dcmdump(file);
    expect(dumpValues(dump, '0008,0005')).toEqual(['ISO_IR 192']);
    expect(dumpValues(dump, '0010,0010')).toEqual(['Ødegård^Åse']);
    expect(dumpValues(dump, '0040,a493')).toEqual(['UNVERIFIED']);
    expect(dumpValues(dump, '0008,0050')).toEqual(['']);
  });

  it('is deterministic: same version and PDF, same bytes', () => {
    const a = writeEncapsulatedPdf(sampleSignedVersion(), pdf);
    const b = writeEncapsulatedPdf(sampleSignedVersion(), pdf);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});

describe('Encapsulated PDF input checks', () => {
  it('refuses what is not a PDF, with a clear error', () => {
    expect(() => writeEncapsulatedPdf(sampleSignedVersion(), new Uint8Array())).toThrow(/PDF is empty/);
    expect(() => writeEncapsulatedPdf(sampleSignedVersion(), Buffer.from('<html>report</html>'))).toThrow(ReportDicomError);
    expect(() => writeEncapsulatedPdf(sampleSignedVersion(), Buffer.from('<html>report</html>'))).toThrow(/not a PDF/);
  });
});
