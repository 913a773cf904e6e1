/**
 * Transcode DICOM files to another transfer syntax for tests, with real tools (dcmtk, and an
 * npm JPEG 2000 encoder where dcmtk has none).
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

export type TestTransferSyntax =
  | 'implicit'
  | 'explicit'
  | 'deflated'
  | 'jpeg-lossless-57'
  | 'jpeg-lossless-70'
  | 'jpeg-ls'
  | 'jpeg2000'
  | 'rle';

export const TRANSFER_SYNTAX_UIDS: Readonly<Record<TestTransferSyntax, string>> = {
  implicit: '1.2.840.10008.1.2',
  explicit: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  'jpeg-lossless-57': '1.2.840.10008.1.2.4.57',
  'jpeg-lossless-70': '1.2.840.10008.1.2.4.70',
  'jpeg-ls': '1.2.840.10008.1.2.4.80',
  jpeg2000: '1.2.840.10008.1.2.4.90',
  rle: '1.2.840.10008.1.2.5',
};

/** dcmtk command lines; jpeg2000 is absent because dcmtk cannot write it. */
const DCMTK_COMMANDS: Readonly<Record<Exclude<TestTransferSyntax, 'jpeg2000'>, readonly [string, ...string[]]>> = {
  implicit: ['dcmconv', '+ti'],
  explicit: ['dcmconv', '+te'],
  deflated: ['dcmconv', '+td'],
  // Process 14 with dcmtk's default predictor (selection value 6) and its true-lossless codec.
  'jpeg-lossless-57': ['dcmcjpeg', '+tl', '+el'],
  'jpeg-lossless-70': ['dcmcjpeg', '+tl', '+e1'],
  'jpeg-ls': ['dcmcjpls', '+el'],
  rle: ['dcmcrle'],
};

const execFileAsync = promisify(execFile);

async function runTool(tool: string, args: readonly string[]): Promise<void> {
  try {
    await execFileAsync(tool, [...args], { maxBuffer: 16 * 1024 * 1024 });
  } catch (cause) {
    const { stderr, message } = cause as { stderr?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${stderr?.trim() || message}`);
  }
}

/** Write `src` re-encoded as `syntax` to `dst`. Rejects with the tool's stderr when it fails. */
export async function transcodeFile(src: string, dst: string, syntax: TestTransferSyntax): Promise<void> {
  if (syntax === 'jpeg2000') return writeJpeg2000(src, dst);
  const [tool, ...options] = DCMTK_COMMANDS[syntax];
  await runTool(tool, [...options, src, dst]);
}

/**
 * JPEG Lossless process 14 (.57) with a chosen predictor (selection value 1-7), to exercise
 * every prediction rule of the decoder; transcodeFile uses dcmtk's default, 6.
 */
export async function transcodeJpegLosslessPredictor(src: string, dst: string, selectionValue: number): Promise<void> {
  if (!(Number.isInteger(selectionValue) && selectionValue >= 1 && selectionValue <= 7)) {
    throw new Error(`JPEG lossless selection value must be 1-7, got ${selectionValue}`);
  }
  await runTool('dcmcjpeg', ['+tl', '+el', '+sv', String(selectionValue), src, dst]);
}

/**
 * Code the stream at Bits Stored precision (e.g. 12) instead of the 16 bits dcmtk's true-lossless
 * codecs always use, as many scanners do: JPEG-LS in dcmtk's "cooked" mode, and JPEG process 14
 * SV1 with dcmtk's older pseudo-lossless codec (exact for unsigned monochrome without windowing,
 * though it marks the file Lossy Image Compression 01). Unsigned input only: signed input makes
 * dcmcjpls +pc abort on an internal CharLS assertion.
 */
export async function transcodeAtBitsStoredPrecision(src: string, dst: string, syntax: 'jpeg-lossless-70' | 'jpeg-ls'): Promise<void> {
  if (syntax === 'jpeg-ls') await runTool('dcmcjpls', ['+pc', src, dst]);
  else await runTool('dcmcjpeg', ['+pl', '+e1', src, dst]);
}

// --- dcmjs, for what dcmtk cannot write ------------------------------------------------------------

/** The slice of dcmjs's (untyped) API used here: Part 10 read and write of the tag-keyed dict. */
interface DcmjsElement {
  vr: string;
  Value: unknown[];
}
interface DcmjsDicomDict {
  meta: Record<string, DcmjsElement>;
  dict: Record<string, DcmjsElement>;
  write(options?: { fragmentMultiframe?: boolean }): ArrayBuffer;
}
interface Dcmjs {
  data: { DicomMessage: { readFile(part10: ArrayBuffer): DcmjsDicomDict } };
  log: { getLogger(name: string): { getLevel(): number; setLevel(level: number | string): void } };
}

const requireFromHere = createRequire(import.meta.url);
const dcmjs = requireFromHere('dcmjs') as Dcmjs;

const NATIVE_SYNTAXES = new Set([TRANSFER_SYNTAX_UIDS.implicit, TRANSFER_SYNTAX_UIDS.explicit]);

const TAG = {
  transferSyntaxUid: '00020010',
  samplesPerPixel: '00280002',
  numberOfFrames: '00280008',
  rows: '00280010',
  columns: '00280011',
  bitsAllocated: '00280100',
  bitsStored: '00280101',
  highBit: '00280102',
  pixelRepresentation: '00280103',
  pixelData: '7FE00010',
} as const;

async function readNative(src: string): Promise<DcmjsDicomDict> {
  const bytes = await readFile(src);
  const part10 = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // dcmjs logs an error for implicit-VR Pixel Data, whose dictionary VR is the ambiguous "ox",
  // then rightly reads it as OW: quiet that one logger while reading.
  const validationLog = dcmjs.log.getLogger('validation.dcmjs');
  const level = validationLog.getLevel();
  validationLog.setLevel('silent');
  let file: DcmjsDicomDict;
  try {
    file = dcmjs.data.DicomMessage.readFile(part10);
  } finally {
    validationLog.setLevel(level);
  }
  const syntax = String(file.meta[TAG.transferSyntaxUid]?.Value[0] ?? '');
  if (!NATIVE_SYNTAXES.has(syntax)) {
    throw new Error(`${src}: transfer syntax ${syntax} is not native little endian; convert it with dcmconv first`);
  }
  // Group lengths (gggg,0000) are retired, go stale once the pixel data changes size, and dcmjs
  // would write them as UN: drop them.
  for (const tag of Object.keys(file.dict)) if (tag.endsWith('0000')) delete file.dict[tag];
  return file;
}

function numberOf(file: DcmjsDicomDict, tag: string, fallback?: number): number {
  const value = file.dict[tag]?.Value[0];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  if (fallback !== undefined) return fallback;
  throw new Error(`missing (${tag.slice(0, 4)},${tag.slice(4)}) in the source file`);
}

function nativePixelBytes(file: DcmjsDicomDict): Uint8Array {
  const value = file.dict[TAG.pixelData]?.Value[0];
  if (!(value instanceof ArrayBuffer)) throw new Error('the source file has no native Pixel Data');
  return new Uint8Array(value);
}

interface OpenJpegEncoder {
  getDecodedBuffer(info: {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
    isUsingColorTransform: boolean;
  }): Uint8Array;
  setQuality(lossless: boolean, quality: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}
interface OpenJpegEncoderModule {
  J2KEncoder: new () => OpenJpegEncoder;
}

let openJpegEncoder: Promise<OpenJpegEncoderModule> | undefined;

/** The full OpenJPEG build (the decoders use the decode-only one). */
function loadOpenJpegEncoder(): Promise<OpenJpegEncoderModule> {
  openJpegEncoder ??= (async () => {
    const wasmPath = requireFromHere.resolve('@cornerstonejs/codec-openjpeg/wasm');
    const factory = requireFromHere('@cornerstonejs/codec-openjpeg/wasmjs') as (options: object) => Promise<OpenJpegEncoderModule>;
    return factory({ wasmBinary: readFileSync(wasmPath), locateFile: () => wasmPath, print: () => {}, printErr: () => {} });
  })();
  return openJpegEncoder;
}

/**
 * JPEG 2000 Lossless Only (.90): reversible 5/3 wavelet, precision = Bits Stored, written as
 * encapsulated Pixel Data by dcmjs (which splits the codestream into 20 KiB fragments).
 */
async function writeJpeg2000(src: string, dst: string): Promise<void> {
  const file = await readNative(src);
  if (numberOf(file, TAG.numberOfFrames, 1) !== 1) throw new Error(`${src}: only single-frame images are supported`);
  const width = numberOf(file, TAG.columns);
  const height = numberOf(file, TAG.rows);
  const samples = numberOf(file, TAG.samplesPerPixel, 1);
  const pixels = nativePixelBytes(file);

  const openjpeg = await loadOpenJpegEncoder();
  const encoder = new openjpeg.J2KEncoder();
  let codestream: Uint8Array;
  try {
    const input = encoder.getDecodedBuffer({
      width,
      height,
      bitsPerSample: numberOf(file, TAG.bitsStored),
      componentCount: samples,
      isSigned: numberOf(file, TAG.pixelRepresentation) === 1,
      isUsingColorTransform: false,
    });
    if (input.length !== pixels.length) {
      throw new Error(`${src}: Pixel Data is ${pixels.length} bytes, the encoder expects ${input.length}`);
    }
    input.set(pixels);
    encoder.setQuality(true, 0);
    encoder.encode();
    codestream = encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }

  file.meta[TAG.transferSyntaxUid] = { vr: 'UI', Value: [TRANSFER_SYNTAX_UIDS.jpeg2000] };
  file.dict[TAG.pixelData] = { vr: 'OB', Value: [codestream.buffer] };
  await writeFile(dst, new Uint8Array(file.write()));
}

/**
 * Write a native (implicit VR) copy of `src` whose stored values and pixel description are
 * replaced, to make test images dcmtk cannot derive itself (unsigned, 12 bits stored).
 */
export async function writeNativeVariant(
  src: string,
  dst: string,
  variant: { pixelRepresentation: 0 | 1; bitsStored: number; storedValues: Int16Array | Uint16Array },
): Promise<void> {
  const file = await readNative(src);
  if (numberOf(file, TAG.bitsAllocated) !== 16) throw new Error(`${src}: expected 16 bits allocated`);
  const pixelCount = numberOf(file, TAG.rows) * numberOf(file, TAG.columns);
  if (variant.storedValues.length !== pixelCount) {
    throw new Error(`${src}: ${variant.storedValues.length} stored values given for ${pixelCount} pixels`);
  }
  file.meta[TAG.transferSyntaxUid] = { vr: 'UI', Value: [TRANSFER_SYNTAX_UIDS.implicit] };
  file.dict[TAG.pixelRepresentation] = { vr: 'US', Value: [variant.pixelRepresentation] };
  file.dict[TAG.bitsStored] = { vr: 'US', Value: [variant.bitsStored] };
  file.dict[TAG.highBit] = { vr: 'US', Value: [variant.bitsStored - 1] };
  file.dict[TAG.pixelData] = { vr: 'OW', Value: [variant.storedValues.slice().buffer] };
  await writeFile(dst, new Uint8Array(file.write()));
}
