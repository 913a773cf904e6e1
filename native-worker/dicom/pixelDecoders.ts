/**
 * Decoders for encapsulated (compressed) pixel data. Well-kept npm codecs do the work;
 * this module only routes a frame to the right one, checks what comes back against the image
 * header, and turns every codec failure into one clear error.
 *
 * Codecs:
 * - JPEG Lossless (.57, .70): @cornerstonejs/jpeg-lossless-decoder-js, the fork of
 *   jpeg-lossless-decoder-js that cornerstone's image loader uses. The original 2.1.2 drops the last
 *   pixel of DCMTK-encoded frames whose final Huffman code ends on a byte boundary (seen with
 *   predictors 4 and 6); the fork fixes that. Both get predictor 7 wrong: fixed below.
 * - JPEG-LS (.80): CharLS compiled to WebAssembly (@cornerstonejs/codec-charls, decode-only build).
 * - JPEG 2000 (.90): OpenJPEG compiled to WebAssembly (@cornerstonejs/codec-openjpeg, decode-only build).
 * - RLE (.5): the RLE decoder of @cornerstonejs/dicom-image-loader (its public `decoders.RLE`):
 *   plain JavaScript, so a hostile stream cannot corrupt codec memory, and it runs in Node.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import dicomParser from 'dicom-parser';
import { Decoder as JpegLosslessDecoder } from '@cornerstonejs/jpeg-lossless-decoder-js';
import type { PixelEncoding } from './transferSyntax.js';
import { DicomLoadError, type LoadIssueCode } from './loadIssues.js';

export interface FrameLayout {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  samplesPerPixel: number;
}

export type CompressedEncoding = Exclude<PixelEncoding, 'native'>;
export type StoredValues = Int16Array | Uint16Array | Uint8Array;

const CODEC_NAMES: Readonly<Record<CompressedEncoding, string>> = {
  'jpeg-lossless': 'JPEG Lossless',
  'jpeg-ls': 'JPEG-LS',
  jpeg2000: 'JPEG 2000',
  rle: 'RLE Lossless',
};

/** A frame whose compressed pixel data could not be turned into stored values. */
export class PixelDecodeError extends DicomLoadError {
  readonly encoding: CompressedEncoding;

  constructor(encoding: CompressedEncoding, detail: string, code: LoadIssueCode = 'unreadable-file') {
    const advice =
      code === 'unreadable-file'
        ? 'the compressed image data is damaged or incomplete; re-send or re-export the series'
        : 'export the series uncompressed';
    super(code, `${CODEC_NAMES[encoding]} pixel data could not be decoded: ${detail} (${advice})`);
    this.name = 'PixelDecodeError';
    this.encoding = encoding;
  }
}

/**
 * Decode one compressed frame (all its fragments already concatenated) to stored values,
 * rows x columns long, row-major. Signed data comes back as Int16Array, unsigned as Uint16Array
 * (or Uint8Array for 8-bit). Masking to BitsStored and rescaling are the caller's job.
 * Throws a PixelDecodeError (an Error) with a clear message when the codec fails (corrupt stream).
 */
export async function decodeFrame(
  encoding: Exclude<PixelEncoding, 'native'>,
  frame: Uint8Array,
  layout: FrameLayout,
): Promise<Int16Array | Uint16Array | Uint8Array> {
  checkLayout(encoding, layout);
  if (frame.length === 0) throw new PixelDecodeError(encoding, 'the frame holds no compressed bytes');
  switch (encoding) {
    case 'jpeg-lossless':
      return decodeJpegLossless(frame, layout);
    case 'jpeg-ls':
      return decodeJpegLs(frame, layout);
    case 'jpeg2000':
      return decodeJpeg2000(frame, layout);
    case 'rle':
      return decodeRle(frame, layout);
    default: {
      const unknown: never = encoding;
      throw new Error(`no decoder for pixel encoding ${String(unknown)}`);
    }
  }
}

/**
 * The compressed bytes of a single-frame encapsulated Pixel Data element: all its fragments
 * concatenated (a frame may be split over several fragments, e.g. dcmjs writes 20 KiB ones).
 */
export function frameBytesFromDataSet(dataSet: dicomParser.DataSet, pixelDataElement: dicomParser.Element): Uint8Array {
  const fragments = pixelDataElement.fragments;
  if (!pixelDataElement.encapsulatedPixelData || !fragments) {
    throw new DicomLoadError('unreadable-file', 'Pixel Data is not encapsulated, so it holds no compressed frame');
  }
  if (fragments.length === 0) {
    throw new DicomLoadError('unreadable-file', 'the encapsulated Pixel Data has no fragments: the image is empty');
  }
  const numberOfFrames = Number.parseInt(dataSet.string('x00280008') ?? '1', 10);
  if (numberOfFrames > 1 || (pixelDataElement.basicOffsetTable?.length ?? 0) > 1) {
    throw new DicomLoadError(
      'unsupported-pixel-format',
      `the image has ${Math.max(numberOfFrames, pixelDataElement.basicOffsetTable?.length ?? 0)} frames; only single-frame CT images are supported`,
    );
  }
  let bytes: dicomParser.ByteArray;
  try {
    bytes = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixelDataElement, 0, fragments.length);
  } catch (cause) {
    // dicom-parser throws plain strings.
    throw new DicomLoadError('truncated-file', `the Pixel Data fragments cannot be read: ${describe(cause)}`);
  }
  // A Buffer view of the file is fine, but callers get a plain Uint8Array.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// --- layout -----------------------------------------------------------------------------------

function checkLayout(encoding: CompressedEncoding, layout: FrameLayout): void {
  const { rows, columns, bitsAllocated, bitsStored, samplesPerPixel } = layout;
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(columns) && columns > 0)) {
    throw new PixelDecodeError(encoding, `the image size ${rows}x${columns} is not valid`, 'unsupported-pixel-format');
  }
  if (samplesPerPixel !== 1) {
    throw new PixelDecodeError(
      encoding,
      `the image has ${samplesPerPixel} samples per pixel; CT images for scoring are monochrome (1 sample)`,
      'unsupported-pixel-format',
    );
  }
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new PixelDecodeError(encoding, `Bits Allocated ${bitsAllocated} is not supported (8 or 16 expected)`, 'unsupported-pixel-format');
  }
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) {
    throw new PixelDecodeError(encoding, `Bits Stored ${bitsStored} does not fit Bits Allocated ${bitsAllocated}`, 'unsupported-pixel-format');
  }
}

/**
 * Copy decoded samples out of codec memory into the typed array the contract promises.
 * `bytesPerSample` is what the codec produced; a 16-bit image whose stream was coded with
 * 8 bits or fewer per sample comes back one byte per sample and is widened here.
 */
function toStoredValues(encoding: CompressedEncoding, decoded: Uint8Array, bytesPerSample: number, layout: FrameLayout): StoredValues {
  const pixelCount = layout.rows * layout.columns;
  if (decoded.length !== pixelCount * bytesPerSample) {
    throw new PixelDecodeError(
      encoding,
      `the codec produced ${decoded.length} bytes, expected ${pixelCount * bytesPerSample} for ${layout.rows}x${layout.columns} pixels`,
    );
  }
  if (layout.bitsAllocated === 8) {
    if (bytesPerSample !== 1) {
      throw new PixelDecodeError(encoding, 'the stream has more than 8 bits per sample but Bits Allocated is 8');
    }
    return decoded.slice();
  }
  const out = layout.pixelRepresentation === 1 ? new Int16Array(pixelCount) : new Uint16Array(pixelCount);
  if (bytesPerSample === 2) new Uint8Array(out.buffer).set(decoded);
  else out.set(decoded);
  return out;
}

function checkDimensions(encoding: CompressedEncoding, width: number, height: number, components: number, layout: FrameLayout): void {
  if (width !== layout.columns || height !== layout.rows) {
    throw new PixelDecodeError(encoding, `the stream is ${width}x${height} pixels but the header says ${layout.columns}x${layout.rows}`);
  }
  if (components !== layout.samplesPerPixel) {
    throw new PixelDecodeError(encoding, `the stream has ${components} components but the header says ${layout.samplesPerPixel}`);
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

// --- JPEG Lossless --------------------------------------------------------------------------------

/**
 * The fork still computes predictor 7, (Ra + Rb) / 2, with a float division; T.81 H.1.2.1 asks for
 * an integer shift. With 16-bit samples the half then survives into `& 0xffff`, which truncates
 * toward zero and is one off for results that wrap below zero (signed CT values near 0 HU).
 * Fixing it here keeps process 14 streams with any predictor exact.
 */
class Process14Decoder extends JpegLosslessDecoder {
  override select7(compOffset?: number): number {
    return (this.getPreviousX(compOffset) + this.getPreviousY(compOffset)) >> 1;
  }
}

function decodeJpegLossless(frame: Uint8Array, layout: FrameLayout): StoredValues {
  const encoding = 'jpeg-lossless';
  const bytesPerSample = layout.bitsAllocated / 8;
  const decoder = new Process14Decoder();
  // The decoder takes an ArrayBuffer plus offset; a SharedArrayBuffer-backed view is copied first.
  const source = frame.buffer instanceof ArrayBuffer ? frame : frame.slice();
  let decoded: Uint8Array | Uint16Array;
  try {
    decoded = decoder.decode(source.buffer as ArrayBuffer, source.byteOffset, source.byteLength, bytesPerSample);
  } catch (cause) {
    throw new PixelDecodeError(encoding, `not a valid lossless JPEG stream (${describe(cause)})`);
  }
  checkDimensions(encoding, decoder.xDim, decoder.yDim, decoder.numComp, layout);
  if ((decoder.precision ?? 0) > layout.bitsAllocated) {
    throw new PixelDecodeError(encoding, `the stream has ${decoder.precision} bits per sample but Bits Allocated is ${layout.bitsAllocated}`);
  }
  // The decoder reads past the end of a truncated stream (getting undefined) instead of failing:
  // a read position beyond the frame is the sign that the entropy-coded data ran out.
  if (decoder.stream && decoder.stream.index > frame.length) {
    throw new PixelDecodeError(encoding, `the stream ends early (needed ${decoder.stream.index} bytes, have ${frame.length})`);
  }
  return toStoredValues(encoding, new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength), bytesPerSample, layout);
}

// --- WebAssembly codecs (Emscripten) -------------------------------------------------------------

interface EmscriptenModuleOptions {
  wasmBinary: Uint8Array;
  locateFile: (path: string) => string;
  print: (line: string) => void;
  printErr: (line: string) => void;
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}

/** The parts of the Embind decoder classes used here (CharLS JpegLSDecoder, OpenJPEG J2KDecoder). */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): FrameInfo;
  delete(): void;
}

interface CharLsModule {
  JpegLSDecoder: new () => WasmDecoder;
  /** Bound by charls-js: the message of a thrown CharLS exception, given the thrown pointer. */
  getExceptionMessage?: (exception: number) => string;
}

interface OpenJpegModule {
  J2KDecoder: new () => WasmDecoder;
}

type EmscriptenFactory<M> = (options: EmscriptenModuleOptions) => Promise<M>;

const requireFromHere = createRequire(import.meta.url);

/**
 * One WebAssembly codec instance per process, created on first use. The .wasm bytes are read from
 * the package and handed over as `wasmBinary`, so loading does not depend on the script's own
 * directory lookup (which breaks once bundled); `locateFile` points at the same file for builds
 * that ignore `wasmBinary`. Codec log lines are kept for error messages instead of going to stdout.
 */
class WasmCodec<M> {
  private instance: Promise<M> | undefined;
  /** What the codec printed during the current decode (OpenJPEG reports failures only this way). */
  log: string[] = [];

  constructor(
    private readonly encoding: CompressedEncoding,
    private readonly scriptSpecifier: string,
    private readonly wasmSpecifier: string,
  ) {}

  get(): Promise<M> {
    this.instance ??= this.instantiate().catch((cause: unknown) => {
      this.instance = undefined;
      throw new PixelDecodeError(this.encoding, `the codec failed to load (${describe(cause)})`, 'unsupported-pixel-format');
    });
    return this.instance;
  }

  /** After a WebAssembly trap the instance's memory is suspect: the next call starts a fresh one. */
  discard(): void {
    this.instance = undefined;
  }

  private async instantiate(): Promise<M> {
    const wasmPath = requireFromHere.resolve(this.wasmSpecifier);
    const factory = requireFromHere(this.scriptSpecifier) as EmscriptenFactory<M>;
    return factory({
      wasmBinary: readFileSync(wasmPath),
      locateFile: () => wasmPath,
      print: (line) => this.log.push(line),
      printErr: (line) => this.log.push(line),
    });
  }
}

const charLs = new WasmCodec<CharLsModule>('jpeg-ls', '@cornerstonejs/codec-charls/decodewasmjs', '@cornerstonejs/codec-charls/decodewasm');
const openJpeg = new WasmCodec<OpenJpegModule>(
  'jpeg2000',
  '@cornerstonejs/codec-openjpeg/decodewasmjs',
  '@cornerstonejs/codec-openjpeg/decodewasm',
);

/**
 * Run one Embind decoder over `frame` and copy the samples out of WebAssembly memory.
 * Embind throws C++ exceptions as bare pointers (numbers); they are turned into text here.
 */
function runWasmDecoder<M>(
  encoding: CompressedEncoding,
  codec: WasmCodec<M>,
  decoder: WasmDecoder,
  frame: Uint8Array,
  layout: FrameLayout,
  exceptionText: (exception: unknown) => string,
): StoredValues {
  codec.log = [];
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const decoded = decoder.getDecodedBuffer();
    if (decoded.length === 0) {
      // OpenJPEG returns nothing rather than throwing; what it printed says why.
      const errors = codec.log.filter((line) => line.includes('[ERROR]')).map((line) => line.replace('[ERROR] ', '').trim());
      throw new PixelDecodeError(encoding, errors.length > 0 ? errors.join('; ') : 'the codec produced no pixels');
    }
    checkDimensions(encoding, info.width, info.height, info.componentCount, layout);
    if (info.bitsPerSample > layout.bitsAllocated) {
      throw new PixelDecodeError(encoding, `the stream has ${info.bitsPerSample} bits per sample but Bits Allocated is ${layout.bitsAllocated}`);
    }
    return toStoredValues(encoding, decoded, info.bitsPerSample <= 8 ? 1 : 2, layout);
  } catch (cause) {
    if (cause instanceof PixelDecodeError) throw cause;
    // A WebAssembly trap (out-of-bounds access, unreachable) surfaces as a RuntimeError.
    if (cause instanceof Error && cause.name === 'RuntimeError') {
      codec.discard();
      throw new PixelDecodeError(encoding, `the codec crashed on this data (${cause.message})`);
    }
    throw new PixelDecodeError(encoding, exceptionText(cause));
  } finally {
    try {
      decoder.delete();
    } catch {
      // Nothing more to free: the instance died with the trap reported above.
    }
  }
}

async function decodeJpegLs(frame: Uint8Array, layout: FrameLayout): Promise<StoredValues> {
  const module = await charLs.get();
  const exceptionText = (exception: unknown): string => {
    if (typeof exception === 'number' && module.getExceptionMessage) {
      try {
        return `CharLS: ${module.getExceptionMessage(exception)}`;
      } catch {
        // fall through to the generic text
      }
    }
    return `CharLS failed (${describe(exception)})`;
  };
  // This CharLS build needs 10-30 s to give up on a stream that stops without its EOI marker
  // (a truncated file), against milliseconds for other damage: catch truncation before it runs.
  if (!endsWithEoi(frame)) {
    throw new PixelDecodeError('jpeg-ls', 'the stream does not end with an EOI marker (FFD9): it is truncated');
  }
  return runWasmDecoder('jpeg-ls', charLs, new module.JpegLSDecoder(), frame, layout, exceptionText);
}

/** JPEG streams end with EOI (FF D9); DICOM may add a 0x00 byte to make the fragment even (PS3.5 A.4). */
function endsWithEoi(frame: Uint8Array): boolean {
  let end = frame.length;
  while (end > 0 && frame[end - 1] === 0x00) end--;
  return end >= 2 && frame[end - 2] === 0xff && frame[end - 1] === 0xd9;
}

async function decodeJpeg2000(frame: Uint8Array, layout: FrameLayout): Promise<StoredValues> {
  const module = await openJpeg.get();
  const exceptionText = (exception: unknown): string => {
    const printed = openJpeg.log.filter((line) => line.includes('[ERROR]')).join('; ');
    return `OpenJPEG failed (${printed || describe(exception)})`;
  };
  return runWasmDecoder('jpeg2000', openJpeg, new module.J2KDecoder(), frame, layout, exceptionText);
}

// --- RLE ----------------------------------------------------------------------------------------

/** The parts of cornerstone's image frame that its RLE decoder reads and writes. */
interface RleImageFrame {
  rows: number;
  columns: number;
  bitsAllocated: number;
  samplesPerPixel: number;
  pixelRepresentation: number;
  planarConfiguration: number;
  pixelData?: StoredValues;
}
type RleDecode = (imageFrame: RleImageFrame, pixelData: Uint8Array) => Promise<RleImageFrame>;

let rleDecoder: Promise<RleDecode> | undefined;

/** The image loader pulls in cornerstone core (about a second and 80 MB): only when RLE is met. */
function loadRleDecoder(): Promise<RleDecode> {
  rleDecoder ??= import('@cornerstonejs/dicom-image-loader')
    .then((loader) => loader.decoders.RLE as unknown as RleDecode)
    .catch((cause: unknown) => {
      rleDecoder = undefined;
      throw new PixelDecodeError('rle', `the codec failed to load (${describe(cause)})`, 'unsupported-pixel-format');
    });
  return rleDecoder;
}

const RLE_HEADER_BYTES = 64;

/**
 * Check the RLE frame's structure (PS3.5 G.5) before decoding: cornerstone's decoder trusts the
 * header and zero-fills whatever a truncated segment does not cover. Each segment holds one byte
 * plane (most significant first) and its runs must produce exactly rows x columns bytes.
 */
function checkRleFrame(frame: Uint8Array, layout: FrameLayout): void {
  const fail = (detail: string): never => {
    throw new PixelDecodeError('rle', detail);
  };
  if (frame.length < RLE_HEADER_BYTES) fail(`the frame is ${frame.length} bytes, shorter than the 64-byte RLE header`);
  const header = new DataView(frame.buffer, frame.byteOffset, RLE_HEADER_BYTES);
  const segmentCount = header.getUint32(0, true);
  const expectedSegments = layout.samplesPerPixel * (layout.bitsAllocated / 8);
  if (segmentCount !== expectedSegments) {
    fail(`the header lists ${segmentCount} segments, expected ${expectedSegments} for ${layout.bitsAllocated}-bit pixels`);
  }
  const offsets: number[] = [];
  for (let s = 0; s < segmentCount; s++) offsets.push(header.getUint32(4 + 4 * s, true));
  offsets.push(frame.length);
  if (offsets[0] !== RLE_HEADER_BYTES) fail(`the first segment starts at byte ${offsets[0]}, not 64`);
  const planeBytes = layout.rows * layout.columns;
  for (let s = 0; s < segmentCount; s++) {
    const start = offsets[s];
    const end = offsets[s + 1];
    if (end < start || end > frame.length) {
      fail(`segment ${s + 1} spans bytes ${start}-${end} but the frame has ${frame.length}: the data is truncated`);
    }
    // Count, without writing, the bytes the PackBits runs of this segment produce.
    let produced = 0;
    let at = start;
    while (produced < planeBytes && at < end) {
      const control = (frame[at] << 24) >> 24; // as a signed byte
      if (control >= 0) {
        if (at + 1 + control + 1 > end) break; // literal run cut short
        produced += control + 1;
        at += control + 2;
      } else if (control !== -128) {
        if (at + 2 > end) break;
        produced += 1 - control;
        at += 2;
      } else {
        at += 1; // -128 is a no-op
      }
    }
    if (produced < planeBytes) {
      fail(`segment ${s + 1} decodes to ${produced} of ${planeBytes} bytes: the data is truncated`);
    }
  }
}

async function decodeRle(frame: Uint8Array, layout: FrameLayout): Promise<StoredValues> {
  checkRleFrame(frame, layout);
  const decodeSegments = await loadRleDecoder();
  let decoded: StoredValues | undefined;
  try {
    const imageFrame = await decodeSegments(
      {
        rows: layout.rows,
        columns: layout.columns,
        bitsAllocated: layout.bitsAllocated,
        samplesPerPixel: layout.samplesPerPixel,
        pixelRepresentation: layout.pixelRepresentation,
        planarConfiguration: 0,
      },
      frame,
    );
    decoded = imageFrame.pixelData;
  } catch (cause) {
    throw new PixelDecodeError('rle', `the decoder failed (${describe(cause)})`);
  }
  if (!decoded) throw new PixelDecodeError('rle', 'the decoder returned no pixels');
  const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  return toStoredValues('rle', bytes, decoded.BYTES_PER_ELEMENT, layout);
}
