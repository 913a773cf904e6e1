/**
 * The key image Secondary Captures judged by dciodvfy and dcmdump; the pixels read back twice, with
 * dicom-parser and with dcmtk's dcm2pnm (independent of the writer), and compared with the PNG the
 * report shows; then stored in a real Orthanc, which must render a preview with the same colours.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrthanc, type RunningOrthanc } from '../../../test/support/orthanc.js';
import { sampleReportContent, sampleSignedVersion } from '../../../test/support/reportFixture.js';
import { haveTool } from '../../../test/support/sharedData.js';
import { makeTempDir } from '../../../test/support/tempDir.js';
import { ARTERY_BOXES, KEY_IMAGE_VOLUME, labelledBoxVolume } from '../../../test/support/keyImageVolume.js';
import { LABEL_RGB } from '../../../renderer/reading/palette.js';
import { renderKeyImages, type KeyImage, type KeyImageVolume } from '../keyImages.js';
import type { ReportVersion } from '../reportContent.js';
import { ReportDicomError } from './dicomCommon.js';
import { writeKeyImageCaptures } from './keyImageCapture.js';
import { ReportUidError, SECONDARY_CAPTURE_IMAGE_STORAGE, isValidUid, keyImageObjectUids, reportObjectUids, reportSeriesUid } from './reportUids.js';
import { dciodvfy, dcmdump, dumpValues, runTool } from './testing/dicomTools.js';

const { slices: SLICES } = KEY_IMAGE_VOLUME;

/** The artery boxes of test/support/keyImageVolume.ts: four axial key images (slices 3, 4, 6, 7) and the two maps. */
const syntheticVolume = (): KeyImageVolume => labelledBoxVolume(ARTERY_BOXES);

/** The fixture report, scored on the synthetic volume's ten slices. */
function sampleVersion(): ReportVersion {
  const base = sampleReportContent();
  const sopInstanceUids = Array.from({ length: SLICES }, (_, k) => `${base.series.seriesInstanceUid}.${k + 1}`);
  return sampleSignedVersion(sampleReportContent({ series: { ...base.series, slices: SLICES, sopInstanceUids } }));
}

const keyImages = renderKeyImages(syntheticVolume());

function pngRgb(image: KeyImage): Uint8Array {
  const png = PNG.sync.read(Buffer.from(image.png));
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let p = 0; p < png.width * png.height; p++) rgb.set(png.data.subarray(p * 4, p * 4 + 3), p * 3);
  return rgb;
}

/** Pixel positions (x, y) where the PNG shows an artery colour exactly (the edges of the plaques). */
function colouredPixels(image: KeyImage): Array<{ x: number; y: number; rgb: number[]; code: number }> {
  const rgb = pngRgb(image);
  const found: Array<{ x: number; y: number; rgb: number[]; code: number }> = [];
  for (let p = 0; p < image.widthPx * image.heightPx; p++) {
    const pixel = [rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]];
    const code = [1, 2, 3, 4].find((c) => LABEL_RGB[c].every((v, n) => v === pixel[n]));
    if (code) found.push({ x: p % image.widthPx, y: Math.floor(p / image.widthPx), rgb: pixel, code });
  }
  return found;
}

/** A binary PPM (P6, maxval 255) as dcm2pnm writes it. */
function readPpm(bytes: Buffer): { width: number; height: number; rgb: Uint8Array } {
  const header = /^P6\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 200).toString('latin1'));
  if (!header || header[3] !== '255') throw new Error(`not an 8-bit P6 PPM: ${bytes.subarray(0, 20).toString('latin1')}`);
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, rgb: new Uint8Array(bytes.subarray(header[0].length, header[0].length + width * height * 3)) };
}

describe('key image test volume', () => {
  it('gives four axial images and two maps, with artery colours on them', () => {
    expect(keyImages.map((im) => [im.kind, im.sliceIndex])).toEqual([['axial', 3], ['axial', 4], ['axial', 6], ['axial', 7], ['map', undefined], ['map', undefined]]);
    for (const image of keyImages) expect(colouredPixels(image).length, image.title).toBeGreaterThan(0);
  });
});

describe.skipIf(!haveTool('dciodvfy') || !haveTool('dcmdump') || !haveTool('dcm2pnm'))('key image Secondary Captures (dciodvfy, dcmdump, dcm2pnm)', () => {
  let dir = '';
  let remove: () => Promise<void> = async () => {};
  let files: string[] = [];
  const version = sampleVersion();
  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir('report-key-images'));
    const captures = writeKeyImageCaptures(version, keyImages, { institutionName: 'Heart Centre' });
    files = await Promise.all(captures.map(async (bytes, n) => {
      const file = join(dir, `key-${n + 1}.dcm`);
      await writeFile(file, bytes);
      return file;
    }));
  });
  afterAll(() => remove());

  it('writes one valid Secondary Capture per key image (dciodvfy: no errors)', () => {
    expect(files).toHaveLength(keyImages.length);
    for (const file of files) {
      const verdict = dciodvfy(file);
      expect(verdict.output).toMatch(/SCImage/);
      expect(verdict.errors, verdict.output).toEqual([]);
      // The only warning: no Study ID given (the images' Study ID is not in the report content).
      expect(verdict.warnings.filter((w) => !/needed to build DICOMDIR - Study ID/.test(w)), verdict.output).toEqual([]);
    }
  });

  it('files them in the images\' study, one OT series, instances 1..n, titled, referencing their source slices (dcmdump)', () => {
    const { content } = version;
    const series = reportSeriesUid(content.study.studyInstanceUid, version.reportId, 'keyImages');
    const sopInstanceUids = new Set<string>();
    files.forEach((file, n) => {
      const image = keyImages[n];
      const dump = dcmdump(file);
      expect(dumpValues(dump, '0002,0010')).toEqual(['1.2.840.10008.1.2.1']);
      expect(dumpValues(dump, '0008,0016')).toEqual([SECONDARY_CAPTURE_IMAGE_STORAGE]);
      expect(dumpValues(dump, '0008,0018')).toEqual([keyImageObjectUids(content.study.studyInstanceUid, version.reportId, version.version, n).sopInstanceUid]);
      sopInstanceUids.add(dumpValues(dump, '0008,0018')[0]);
      expect(dumpValues(dump, '0020,000d')).toEqual([content.study.studyInstanceUid]);
      expect(dumpValues(dump, '0020,000e')).toEqual([series]);
      expect(dumpValues(dump, '0020,0011')).toEqual(['9903']);
      expect(dumpValues(dump, '0008,0060')).toEqual(['OT']);
      expect(dumpValues(dump, '0008,103e')).toEqual(['CAC key images']);
      expect(dumpValues(dump, '0020,0013')).toEqual([String(n + 1)]);
      expect(dumpValues(dump, '0010,0020')).toEqual(['PAT-0042']);
      expect(dumpValues(dump, '0010,0010')).toEqual(['DOE^JOHN']);
      expect(dumpValues(dump, '0008,0050')).toEqual(['ACC-77881']);
      expect(dumpValues(dump, '0008,0064')).toEqual(['WSD']);
      expect(dumpValues(dump, '0028,0301')).toEqual(['NO']);
      // Content Date/Time = the signature (2025-11-20T10:15:42Z).
      expect([dumpValues(dump, '0008,0023'), dumpValues(dump, '0008,0033')]).toEqual([['20251120'], ['101542']]);
      expect(dumpValues(dump, '0008,2111')).toEqual([image.title]);
      expect(dumpValues(dump, '0020,4000')).toEqual([image.title]);
      expect(dumpValues(dump, '0028,0010')).toEqual([String(image.heightPx)]);
      expect(dumpValues(dump, '0028,0011')).toEqual([String(image.widthPx)]);
      expect(dumpValues(dump, '0028,0002')).toEqual(['3']);
      expect(dumpValues(dump, '0028,0004')).toEqual(['RGB']);
      expect(dumpValues(dump, '0028,0006')).toEqual(['0']);
      expect([dumpValues(dump, '0028,0100'), dumpValues(dump, '0028,0101'), dumpValues(dump, '0028,0102')]).toEqual([['8'], ['8'], ['7']]);
      // Source Image Sequence: the scored slice of an axial image; every scored slice for a map.
      const expected = image.sliceIndex === undefined ? content.series.sopInstanceUids : [content.series.sopInstanceUids[image.sliceIndex]];
      expect(dumpValues(dump, '0008,1155')).toEqual(expected);
      expect(new Set(dumpValues(dump, '0008,1150'))).toEqual(new Set([content.series.sopClassUid]));
    });
    expect(sopInstanceUids.size).toBe(files.length);
    // Not the SR's or the PDF's series.
    expect(series).not.toBe(reportObjectUids(content.study.studyInstanceUid, version.reportId, version.version, 'sr').seriesInstanceUid);
    expect(series).not.toBe(reportObjectUids(content.study.studyInstanceUid, version.reportId, version.version, 'pdf').seriesInstanceUid);
  });

  it('keeps the PNG\'s pixels exactly: dicom-parser and dcmtk\'s dcm2pnm read back the same RGB', () => {
    files.forEach((file, n) => {
      const image = keyImages[n];
      const expected = pngRgb(image);
      const dataSet = dicomParser.parseDicom(readFileSync(file));
      const element = dataSet.elements.x7fe00010;
      expect(element.length).toBe(expected.length + (expected.length % 2));
      const stored = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + expected.length);
      // A few coloured pixels (artery colours) spelled out, then the whole image.
      const coloured = colouredPixels(image);
      for (const { x, y, rgb } of [coloured[0], coloured[Math.floor(coloured.length / 2)], coloured[coloured.length - 1]]) {
        const p = (y * image.widthPx + x) * 3;
        expect([stored[p], stored[p + 1], stored[p + 2]], `${image.title} at ${x},${y}`).toEqual(rgb);
      }
      expect(Buffer.from(stored).equals(Buffer.from(expected)), image.title).toBe(true);

      const ppmFile = join(dir, `key-${n + 1}.ppm`);
      const run = runTool('dcm2pnm', ['--write-raw-pnm', file, ppmFile]);
      expect(run.status, run.stderr).toBe(0);
      const ppm = readPpm(readFileSync(ppmFile));
      expect([ppm.width, ppm.height]).toEqual([image.widthPx, image.heightPx]);
      expect(Buffer.from(ppm.rgb).equals(Buffer.from(expected)), image.title).toBe(true);
    });
  });

  it('pads an odd pixel byte count to even length and still decodes', async () => {
    const png = new PNG({ width: 3, height: 3 });
    for (let p = 0; p < 9; p++) png.data.set([p * 20, 255 - p * 20, 7, 255], p * 4);
    const odd: KeyImage = { kind: 'map', title: 'odd', png: new Uint8Array(PNG.sync.write(png)), widthPx: 3, heightPx: 3 };
    const [bytes] = writeKeyImageCaptures(version, [odd]);
    const file = join(dir, 'odd.dcm');
    await writeFile(file, bytes);
    expect(dciodvfy(file).errors).toEqual([]);
    const element = dicomParser.parseDicom(bytes).elements.x7fe00010;
    expect(element.length).toBe(28);
    const run = runTool('dcm2pnm', ['--write-raw-pnm', file, join(dir, 'odd.ppm')]);
    expect(run.status, run.stderr).toBe(0);
    expect(Array.from(readPpm(readFileSync(join(dir, 'odd.ppm'))).rgb.subarray(0, 6))).toEqual([0, 255, 7, 20, 235, 7]);
  });

  it('non-ASCII titles and patient names are declared UTF-8 and stay valid', async () => {
    const content = sampleReportContent({
      patient: { name: 'Ødegård^Åse', patientId: 'PAT-0042', birthDate: null, sex: null, ageYears: null },
      series: sampleVersion().content.series,
    });
    const [bytes] = writeKeyImageCaptures(sampleSignedVersion(content), [{ ...keyImages[4], title: 'Kalkkart, fremre visning (pasientens høyre til venstre)' }]);
    const file = join(dir, 'utf8.dcm');
    await writeFile(file, bytes);
    const verdict = dciodvfy(file);
    expect(verdict.errors, verdict.output).toEqual([]);
    const dump = dcmdump(file);
    expect(dumpValues(dump, '0008,0005')).toEqual(['ISO_IR 192']);
    expect(dumpValues(dump, '0010,0010')).toEqual(['Ødegård^Åse']);
    expect(dumpValues(dump, '0008,2111')).toEqual(['Kalkkart, fremre visning (pasientens høyre til venstre)']);
  });
});

describe('key image Secondary Capture UIDs and determinism', () => {
  it('gives the same bytes for the same version and images', () => {
    const a = writeKeyImageCaptures(sampleVersion(), keyImages);
    const b = writeKeyImageCaptures(sampleVersion(), renderKeyImages(syntheticVolume()));
    expect(a.map((bytes) => Buffer.from(bytes).toString('hex'))).toEqual(b.map((bytes) => Buffer.from(bytes).toString('hex')));
  });

  it('gives a new version new instances in the same series', () => {
    const v1 = sampleVersion();
    const v2: ReportVersion = { ...v1, version: 2, amends: { version: 1, reason: 'LCX lesion reassigned' } };
    const read = (bytes: Uint8Array): [string, string] => {
      const dataSet = dicomParser.parseDicom(bytes);
      return [dataSet.string('x00080018') ?? '', dataSet.string('x0020000e') ?? ''];
    };
    const [first] = writeKeyImageCaptures(v1, keyImages.slice(0, 1)).map(read);
    const [second] = writeKeyImageCaptures(v2, keyImages.slice(0, 1)).map(read);
    expect(second[1]).toBe(first[1]);
    expect(second[0]).not.toBe(first[0]);
  });

  it('derives valid UIDs, distinct per image, version and kind (known value pinned)', () => {
    const study = '1.2.826.0.1.3680043.8.498.2002';
    const uids = new Set<string>();
    const instanceNumbers = new Set<number>();
    for (let version = 1; version <= 3; version++) {
      for (let index = 0; index < 6; index++) {
        const { sopInstanceUid, seriesInstanceUid, seriesNumber, instanceNumber } = keyImageObjectUids(study, 3, version, index);
        expect(isValidUid(sopInstanceUid), sopInstanceUid).toBe(true);
        expect(seriesInstanceUid).toBe(reportSeriesUid(study, 3, 'keyImages'));
        expect([seriesNumber, instanceNumber]).toEqual([9903, (version - 1) * 100 + index + 1]);
        uids.add(sopInstanceUid);
        instanceNumbers.add(instanceNumber);
      }
    }
    uids.add(reportObjectUids(study, 3, 1, 'sr').sopInstanceUid);
    uids.add(reportObjectUids(study, 3, 1, 'pdf').sopInstanceUid);
    uids.add(reportSeriesUid(study, 3, 'keyImages'));
    expect(uids.size).toBe(3 * 6 + 3);
    // The versions share one series: no two of their images share an instance number.
    expect(instanceNumbers.size).toBe(3 * 6);
    // Pinned: a change of the derivation would make a resend new objects in the PACS.
    expect(keyImageObjectUids(study, 3, 1, 0).sopInstanceUid).toBe('2.25.217828153875898042838141249233988227179');
    expect(() => keyImageObjectUids(study, 3, 1, -1)).toThrow(ReportUidError);
    expect(() => keyImageObjectUids(study, 3, 1, 0.5)).toThrow(/key image index/);
    expect(() => keyImageObjectUids(study, 3, 1, 99)).toThrow(/from 0 to 98/);
  });
});

describe('key image Secondary Capture input checks', () => {
  const version = sampleVersion();
  const axial = keyImages[0];
  const map = keyImages[4];

  it('refuses no images, an image that is not a PNG, and sizes that do not match the PNG', () => {
    expect(() => writeKeyImageCaptures(version, [])).toThrow(ReportDicomError);
    expect(() => writeKeyImageCaptures(version, [])).toThrow(/no key images/);
    const broken = { ...map, png: new Uint8Array(Buffer.from('<svg>not a png</svg>')) };
    expect(() => writeKeyImageCaptures(version, [axial, broken])).toThrow(ReportDicomError);
    expect(() => writeKeyImageCaptures(version, [axial, broken])).toThrow(/key image 2 \("Calcium map, anterior view.*"\) is not a readable PNG/);
    const truncated = { ...map, png: map.png.subarray(0, map.png.byteLength - 40) };
    expect(() => writeKeyImageCaptures(version, [truncated])).toThrow(/not a readable PNG/);
    expect(() => writeKeyImageCaptures(version, [{ ...axial, widthPx: axial.widthPx + 1 }])).toThrow(
      new RegExp(`the PNG is ${axial.widthPx} x ${axial.heightPx} pixels but the key image says ${axial.widthPx + 1} x ${axial.heightPx}`),
    );
    expect(() => writeKeyImageCaptures(version, [{ ...axial, heightPx: 0 }])).toThrow(/height must be a whole number of pixels/);
  });

  it('refuses a slice the report does not list, an axial image without a slice, and a missing title', () => {
    expect(() => writeKeyImageCaptures(version, [{ ...axial, sliceIndex: SLICES }])).toThrow(/slice index 10, but the report lists 10 scored images \(0 to 9\)/);
    expect(() => writeKeyImageCaptures(sampleSignedVersion(), [axial])).toThrow(/slice index 3, but the report lists 3 scored images/);
    expect(() => writeKeyImageCaptures(version, [{ ...axial, sliceIndex: undefined }])).toThrow(/axial image without a slice index/);
    expect(() => writeKeyImageCaptures(version, [{ ...map, title: '  ' }])).toThrow(/key image 1 has no title/);
    expect(() => writeKeyImageCaptures(version, [{ ...map, title: 'bad\u0001title' }])).toThrow(/control character/);
  });
});

describe.skipIf(!haveTool('Orthanc'))('key image Secondary Captures in a real PACS (Orthanc)', () => {
  let orthanc: RunningOrthanc;
  let dir = '';
  let remove: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir('report-key-images-pacs'));
    orthanc = await startOrthanc();
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
    await remove();
  });

  it('stores them in the images\' study and renders previews with the artery colours', async () => {
    const version = sampleVersion();
    const files = await Promise.all(writeKeyImageCaptures(version, keyImages).map(async (bytes, n) => {
      const file = join(dir, `key-${n + 1}.dcm`);
      await writeFile(file, bytes);
      return file;
    }));
    const uploads = await orthanc.upload(files);
    expect(uploads.map((u) => u.status)).toEqual(files.map(() => 'Success'));
    expect(new Set(uploads.map((u) => u.parentSeries)).size).toBe(1);
    const study = await orthanc.getJson<{ MainDicomTags: { StudyInstanceUID: string } }>(`/studies/${uploads[0].parentStudy}`);
    expect(study.MainDicomTags.StudyInstanceUID).toBe(version.content.study.studyInstanceUid);

    for (const [n, upload] of uploads.entries()) {
      const image = keyImages[n];
      const response = await fetch(`${orthanc.url}/instances/${upload.orthancId}/preview`, { headers: { Accept: 'image/png' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      const preview = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
      expect([preview.width, preview.height]).toEqual([image.widthPx, image.heightPx]);
      for (const { x, y, rgb } of colouredPixels(image).slice(0, 5)) {
        const p = (y * preview.width + x) * 4;
        expect([preview.data[p], preview.data[p + 1], preview.data[p + 2]], `${image.title} at ${x},${y}`).toEqual(rgb);
      }
    }
  }, 60_000);
});
