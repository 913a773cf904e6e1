/**
 * Decoders for encapsulated (compressed) pixel data. Well-kept npm codecs do the work;
 * this module only routes a frame to the right one and returns the stored values.
 *
 * STUB: owned by the decoders helper; the signature is the contract used by the series loader.
 */
import type { PixelEncoding } from './transferSyntax.js';

export interface FrameLayout {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  samplesPerPixel: number;
}

/**
 * Decode one compressed frame (all its fragments already concatenated) to stored values,
 * rows x columns long, row-major. Signed data comes back as Int16Array, unsigned as Uint16Array
 * (or Uint8Array for 8-bit). Masking to BitsStored and rescaling are the caller's job.
 * Throws an Error with a clear message when the codec fails (corrupt stream).
 */
export async function decodeFrame(
  encoding: Exclude<PixelEncoding, 'native'>,
  frame: Uint8Array,
  layout: FrameLayout,
): Promise<Int16Array | Uint16Array | Uint8Array> {
  throw new Error(`decoder for ${encoding} not implemented yet (${frame.length} bytes, ${layout.rows}x${layout.columns})`);
}
