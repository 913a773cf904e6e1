/**
 * Compressed pixel data must decode to exactly the stored values the scanner wrote: a calcium
 * score depends on every voxel above 130 HU. Real QRM phantom slices are re-encoded with dcmtk
 * (and OpenJPEG for JPEG 2000), decoded here, and compared value for value with the original.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { decodeFrame, frameBytesFromDataSet, PixelDecodeError, type FrameLayout } from './pixelDecoders.js';
import { TRANSFER_SYNTAXES, type PixelEncoding } from './transferSyntax.js';
import { haveSharedData, haveTool, qrmPhantomDir } from '../../test/support/sharedData.js';
import {
  TRANSFER_SYNTAX_UIDS,
  transcodeAtBitsStoredPrecision,
  transcodeFile,
  transcodeJpegLosslessPredictor,
  writeNativeVariant,
  type TestTransferSyntax,
} from '../../test/support/transcode.js';

type CompressedSyntax = Exclude<TestTransferSyntax, 'implicit' | 'explicit' | 'deflated'>;
type StoredValues = Int16Array | Uint16Array | Uint8Array;

const COMPRESSED: readonly CompressedSyntax[] = ['jpeg-lossless-57', 'jpeg-lossless-70', 'jpeg-ls', 'jpeg2000', 'rle'];
const NATIVE: readonly TestTransferSyntax[] = ['implicit', 'explicit', 'deflated'];
const DCMTK_TOOLS = ['dcmconv', 'dcmcjpeg', 'dcmcjpls', 'dcmcrle', 'dcmdump'];

const ready = haveSharedData(qrmPhantomDir) && DCMTK_TOOLS.every((tool) => haveTool(tool));
const execFileAsync = promisify(execFile);

// --- reading test files --------------------------------------------------------------------------

/** dicom-parser hands the bytes after the file meta group to this for Deflated Explicit VR LE. */
function inflateDataSet(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const whole = new Uint8Array(position + inflated.length);
  whole.set(bytes.subarray(0, position));
  whole.set(inflated, position);
  return whole;
}

async function parseFile(path: string): Promise<dicomParser.DataSet> {
  return dicomParser.parseDicom(new Uint8Array(await readFile(path)), { inflater: inflateDataSet });
}

function pixelDataOf(dataSet: dicomParser.DataSet): dicomParser.Element {
  const element = dataSet.elements.x7fe00010;
  if (!element) throw new Error('no Pixel Data');
  return element;
}

function layoutOf(dataSet: dicomParser.DataSet): FrameLayout {
  const required = (tag: string): number => {
    const value = dataSet.uint16(tag);
    if (value === undefined) throw new Error(`missing ${tag}`);
    return value;
  };
  return {
    rows: required('x00280010'),
    columns: required('x00280011'),
    bitsAllocated: required('x00280100'),
    bitsStored: required('x00280101'),
    pixelRepresentation: required('x00280103') === 1 ? 1 : 0,
    samplesPerPixel: required('x00280002'),
  };
}

/** The stored values of native (uncompressed) 16-bit pixel data, copied out of the file. */
function nativeStoredValues(dataSet: dicomParser.DataSet): Int16Array | Uint16Array {
  const element = pixelDataOf(dataSet);
  const bytes = dataSet.byteArray.slice(element.dataOffset, element.dataOffset + element.length);
  return layoutOf(dataSet).pixelRepresentation === 1 ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer);
}

function encodingOf(dataSet: dicomParser.DataSet): Exclude<PixelEncoding, 'native'> {
  const uid = dataSet.string('x00020010') ?? '';
  const encoding = TRANSFER_SYNTAXES[uid]?.encoding;
  if (!encoding || encoding === 'native') throw new Error(`${uid} is not a compressed transfer syntax`);
  return encoding;
}

interface Decoded {
  dataSet: dicomParser.DataSet;
  frame: Uint8Array;
  values: StoredValues;
  decodeMs: number;
}

async function decodeFile(path: string): Promise<Decoded> {
  const dataSet = await parseFile(path);
  const frame = frameBytesFromDataSet(dataSet, pixelDataOf(dataSet));
  const started = performance.now();
  const values = await decodeFrame(encodingOf(dataSet), frame, layoutOf(dataSet));
  return { dataSet, frame, values, decodeMs: performance.now() - started };
}

/** Number of differing values and the first one, so a failure says where, not just "not equal". */
function mismatches(actual: ArrayLike<number>, expected: ArrayLike<number>, mask = -1): { count: number; first?: string } {
  if (actual.length !== expected.length) return { count: Math.max(actual.length, expected.length), first: `length ${actual.length} vs ${expected.length}` };
  let count = 0;
  let first: string | undefined;
  for (let i = 0; i < expected.length; i++) {
    if ((actual[i] & mask) !== (expected[i] & mask)) {
      count++;
      first ??= `index ${i}: ${actual[i]} vs ${expected[i]}`;
    }
  }
  return { count, first };
}

// --- the suite ----------------------------------------------------------------------------------

describe.skipIf(!ready)('decodeFrame on QRM phantom slices transcoded by dcmtk and OpenJPEG', () => {
  let workDir = '';
  /** Three slices spread through the phantom series: name, original path and stored values. */
  const slices: { name: string; path: string; original: Int16Array }[] = [];
  const decodeTimes = new Map<string, number[]>();

  const transcoded = (sliceName: string, syntax: TestTransferSyntax, variant = 'original'): string =>
    join(workDir, `${sliceName}.${variant}.${syntax}.dcm`);

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cac-pixel-decoders-'));
    const names = (await readdir(qrmPhantomDir)).sort();
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of [names[0], names[Math.floor(names.length / 2)], names[names.length - 1]]) {
      const path = join(qrmPhantomDir, name);
      const original = nativeStoredValues(await parseFile(path));
      if (!(original instanceof Int16Array)) throw new Error(`${name}: the phantom slices are expected to be signed`);
      slices.push({ name, path, original });
      await Promise.all(
        (Object.keys(TRANSFER_SYNTAX_UIDS) as TestTransferSyntax[]).map((syntax) => transcodeFile(path, transcoded(name, syntax), syntax)),
      );
    }
  });

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
    if (decodeTimes.size === 0) return;
    const rows = [...decodeTimes].map(([codec, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return { codec, slices: times.length, medianMs: +sorted[Math.floor(sorted.length / 2)].toFixed(2), minMs: +sorted[0].toFixed(2) };
    });
    console.log('decode time per 512x512 slice (warm codec):');
    console.table(rows);
  });

  it.each(COMPRESSED)('%s: stored values identical to the original, value for value', async (syntax) => {
    for (const slice of slices) {
      const { dataSet, values } = await decodeFile(transcoded(slice.name, syntax));
      expect(dataSet.string('x00020010')).toBe(TRANSFER_SYNTAX_UIDS[syntax]);
      expect(values).toBeInstanceOf(Int16Array);
      expect(mismatches(values, slice.original)).toEqual({ count: 0 });
    }
  });

  it.each(NATIVE)('%s: dcmtk writes it and the stored values are unchanged', async (syntax) => {
    for (const slice of slices) {
      const dataSet = await parseFile(transcoded(slice.name, syntax));
      expect(dataSet.string('x00020010')).toBe(TRANSFER_SYNTAX_UIDS[syntax]);
      expect(mismatches(nativeStoredValues(dataSet), slice.original)).toEqual({ count: 0 });
    }
  });

  it('the JPEG 2000 file reads back with dcmdump as 1.2.840.10008.1.2.4.90, split over several fragments', async () => {
    const path = transcoded(slices[0].name, 'jpeg2000');
    const { stdout } = await execFileAsync('dcmdump', ['+P', '0002,0010', path]);
    expect(stdout).toContain('JPEG2000LosslessOnly');
    const { stdout: uid } = await execFileAsync('dcmdump', ['-Un', '+P', '0002,0010', path]);
    expect(uid).toContain('1.2.840.10008.1.2.4.90');
    // dcmjs writes 20 KiB fragments, so this also checks that all fragments are concatenated.
    expect(pixelDataOf(await parseFile(path)).fragments?.length).toBeGreaterThan(1);
  });

  it('JPEG lossless process 14 (.57) decodes exactly with every predictor, 1 to 7', async () => {
    for (const slice of slices) {
      for (let selectionValue = 1; selectionValue <= 7; selectionValue++) {
        const path = transcoded(slice.name, 'jpeg-lossless-57', `sv${selectionValue}`);
        await transcodeJpegLosslessPredictor(slice.path, path, selectionValue);
        const { values } = await decodeFile(path);
        expect({ selectionValue, ...mismatches(values, slice.original) }).toEqual({ selectionValue, count: 0 });
      }
    }
  });

  describe('other pixel formats, written with dcmjs and compressed with the same tools', () => {
    const variants = [
      {
        // Many scanners store unsigned values with a Rescale Intercept of -1024 or -2048.
        variant: 'unsigned16',
        pixelRepresentation: 0 as const,
        bitsStored: 16,
        make: (hu: Int16Array) => Uint16Array.from(hu, (v) => v + 2048),
        mask: 0xffff,
        expected: Uint16Array,
      },
      {
        variant: 'unsigned12',
        pixelRepresentation: 0 as const,
        bitsStored: 12,
        make: (hu: Int16Array) => Uint16Array.from(hu, (v) => Math.min(4095, Math.max(0, v + 1024))),
        mask: 0xffff,
        expected: Uint16Array,
      },
      {
        // dcmtk codes all 16 bits, so these come back sign-extended, but an encoder that codes only
        // the 12 stored bits returns them without the sign bits above: the contract leaves masking
        // and sign extension to the caller, so only the stored bits are compared.
        variant: 'signed12',
        pixelRepresentation: 1 as const,
        bitsStored: 12,
        make: (hu: Int16Array) => Int16Array.from(hu, (v) => Math.min(2047, Math.max(-2048, v))),
        mask: 0x0fff,
        expected: Int16Array,
      },
    ];

    it.each(variants)('$variant: every codec gives back the stored values', async ({ variant, pixelRepresentation, bitsStored, make, mask, expected }) => {
      const slice = slices[1];
      const storedValues = make(slice.original);
      const source = transcoded(slice.name, 'implicit', variant);
      await writeNativeVariant(slice.path, source, { pixelRepresentation, bitsStored, storedValues });
      const written = await parseFile(source);
      expect(layoutOf(written)).toMatchObject({ pixelRepresentation, bitsStored });
      expect(mismatches(nativeStoredValues(written), storedValues)).toEqual({ count: 0 });

      for (const syntax of COMPRESSED) {
        const path = transcoded(slice.name, syntax, variant);
        await transcodeFile(source, path, syntax);
        const { values } = await decodeFile(path);
        expect(values, syntax).toBeInstanceOf(expected);
        expect({ syntax, ...mismatches(values, storedValues, mask) }).toEqual({ syntax, count: 0 });
      }
    });
  });

  it('12-bit precision streams (not just 12 of 16 bits) decode exactly', async () => {
    const slice = slices[1];
    const storedValues = Uint16Array.from(slice.original, (v) => Math.min(4095, Math.max(0, v + 1024)));
    const source = transcoded(slice.name, 'implicit', 'precision12');
    await writeNativeVariant(slice.path, source, { pixelRepresentation: 0, bitsStored: 12, storedValues });
    for (const syntax of ['jpeg-lossless-70', 'jpeg-ls'] as const) {
      const path = transcoded(slice.name, syntax, 'precision12');
      await transcodeAtBitsStoredPrecision(source, path, syntax);
      // SOF3 (JPEG lossless) or SOF55 (JPEG-LS) marker, then 2 length bytes, then the precision.
      const bytes = await readFile(path);
      const sof = bytes.indexOf(Buffer.from(syntax === 'jpeg-ls' ? [0xff, 0xf7] : [0xff, 0xc3]));
      expect(bytes[sof + 4], `${syntax} precision`).toBe(12);
      const { values } = await decodeFile(path);
      expect(values).toBeInstanceOf(Uint16Array);
      expect({ syntax, ...mismatches(values, storedValues) }).toEqual({ syntax, count: 0 });
    }
  });

  describe('corrupt streams reject with a clear error, and the codec keeps working after', () => {
    const codecNames: Record<CompressedSyntax, RegExp> = {
      'jpeg-lossless-57': /^JPEG Lossless pixel data could not be decoded: /,
      'jpeg-lossless-70': /^JPEG Lossless pixel data could not be decoded: /,
      'jpeg-ls': /^JPEG-LS pixel data could not be decoded: /,
      jpeg2000: /^JPEG 2000 pixel data could not be decoded: /,
      rle: /^RLE Lossless pixel data could not be decoded: /,
    };

    it.each(COMPRESSED)('%s: truncated fragments, garbage and an empty frame', async (syntax) => {
      const good = await decodeFile(transcoded(slices[0].name, syntax));
      const layout = layoutOf(good.dataSet);
      const encoding = encodingOf(good.dataSet);
      const frame = good.frame;
      const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff);
      const corrupt: Record<string, Uint8Array> = {
        'half the frame': frame.subarray(0, frame.length >> 1),
        'the last 64 bytes cut off': frame.subarray(0, frame.length - 64),
        'the last 2 bytes cut off': frame.subarray(0, frame.length - 2),
        'the header only': frame.subarray(0, 40),
        garbage,
        empty: new Uint8Array(0),
      };
      for (const [what, bytes] of Object.entries(corrupt)) {
        const started = performance.now();
        const failure = await decodeFrame(encoding, bytes, layout).then(
          () => new Error(`${syntax}, ${what}: decoded without an error`),
          (error: unknown) => error,
        );
        // Failing must be quick too: a worker stuck for half a minute per slice is a hang to the user.
        expect(performance.now() - started, `${syntax}, ${what}: time to fail (ms)`).toBeLessThan(3000);
        expect(failure, `${syntax}, ${what}`).toBeInstanceOf(PixelDecodeError);
        expect((failure as Error).message, `${syntax}, ${what}`).toMatch(codecNames[syntax]);
      }
      // A codec that choked (WebAssembly ones included) must still decode the next good frame.
      const again = await decodeFrame(encoding, frame, layout);
      expect(mismatches(again, slices[0].original)).toEqual({ count: 0 });
    });

    it('a header that disagrees with the stream is reported, not silently reshaped', async () => {
      const { dataSet, frame } = await decodeFile(transcoded(slices[0].name, 'jpeg-ls'));
      const layout = { ...layoutOf(dataSet), rows: 256 };
      await expect(decodeFrame('jpeg-ls', frame, layout)).rejects.toThrow(/512x512 pixels but the header says 512x256/);
    });

    it('frameBytesFromDataSet refuses native pixel data', async () => {
      const dataSet = await parseFile(slices[0].path);
      expect(() => frameBytesFromDataSet(dataSet, pixelDataOf(dataSet))).toThrow(/not encapsulated/);
    });
  });

  it('measures decode time per 512x512 slice with a warm codec', async () => {
    for (const syntax of COMPRESSED) {
      const decoded = await Promise.all(slices.map((slice) => decodeFile(transcoded(slice.name, syntax))));
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        for (const { dataSet, frame } of decoded) {
          const started = performance.now();
          await decodeFrame(encodingOf(dataSet), frame, layoutOf(dataSet));
          times.push(performance.now() - started);
        }
      }
      decodeTimes.set(syntax, times);
    }
    expect(decodeTimes.size).toBe(COMPRESSED.length);
  });
});
