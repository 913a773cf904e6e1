/**
 * Stored pixel values to Hounsfield units: HU = stored x RescaleSlope + RescaleIntercept, for signed
 * and unsigned pixels, BitsStored below BitsAllocated, and PixelPaddingValue (outside the field of
 * view). Pure: no I/O.
 */

/** HU given to padding pixels: below any threshold, recognisable as "no data". */
export const PADDING_HU = -3024;

export type HuArray = Int16Array | Float32Array;

export interface StoredPixelFormat {
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  rescaleSlope: number;
  rescaleIntercept: number;
  pixelPaddingValue?: number;
  pixelPaddingRangeLimit?: number;
}

/** Int16 holds every HU a CT series can express when the rescale is integral; otherwise Float32. */
export function huStorageFor(formats: StoredPixelFormat[]): 'int16' | 'float32' {
  const integral = formats.every((f) => Number.isInteger(f.rescaleSlope) && Number.isInteger(f.rescaleIntercept));
  return integral ? 'int16' : 'float32';
}

/**
 * Write one slice of HU into `target` at `offset`. `stored` holds the raw values as read
 * (Int16Array / Uint16Array / Uint8Array, or Int32Array for 32-bit data).
 * Returns how many values had to be clamped to fit an Int16 target.
 */
export function rescaleSlice(
  stored: ArrayLike<number>,
  format: StoredPixelFormat,
  target: HuArray,
  offset: number,
  count: number,
): number {
  const { rescaleSlope: slope, rescaleIntercept: intercept } = format;
  const shift = format.highBit + 1 - format.bitsStored;
  const bits = format.bitsStored;
  const signed = format.pixelRepresentation === 1;
  const needsMask = shift !== 0 || bits < 16 || !(stored instanceof Int16Array || stored instanceof Uint16Array);
  const paddingLow = padding(format.pixelPaddingValue, format.pixelPaddingRangeLimit, 'low');
  const paddingHigh = padding(format.pixelPaddingValue, format.pixelPaddingRangeLimit, 'high');
  const clampToInt16 = target instanceof Int16Array;
  let clamped = 0;

  // The common CT cases (16 stored bits, no padding) in small monomorphic loops: V8 optimises a
  // loop well only when it sees one array type, and this runs over every voxel of every series.
  if (!needsMask && paddingLow === undefined) {
    if (target instanceof Int16Array && slope === 1) {
      if (stored instanceof Int16Array && signed) {
        // Int16 + 0 is Int16: a plain copy (the phantom's case).
        if (intercept === 0) {
          target.set(stored.subarray(0, count), offset);
          return 0;
        }
        return addInterceptSigned(stored, target, offset, count, intercept);
      }
      if (stored instanceof Uint16Array && !signed) return addInterceptUnsigned(stored, target, offset, count, intercept);
    }
    if (target instanceof Float32Array) {
      for (let p = 0; p < count; p++) target[offset + p] = stored[p] * slope + intercept;
      return 0;
    }
  }

  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  const signBit = bits >= 32 ? 0 : 1 << (bits - 1);
  for (let p = 0; p < count; p++) {
    let value = (stored[p] >>> 0) >>> shift;
    value = bits >= 32 ? value | 0 : value & mask;
    if (signed && bits < 32 && value & signBit) value -= 1 << bits;
    let hu: number;
    if (paddingLow !== undefined && value >= paddingLow && value <= paddingHigh!) hu = PADDING_HU;
    else hu = value * slope + intercept;
    if (clampToInt16 && (hu > 32767 || hu < -32768)) {
      hu = hu > 32767 ? 32767 : -32768;
      clamped++;
    }
    target[offset + p] = hu;
  }
  return clamped;
}

function padding(value: number | undefined, rangeLimit: number | undefined, end: 'low' | 'high'): number | undefined {
  if (value === undefined) return undefined;
  if (rangeLimit === undefined) return value;
  return end === 'low' ? Math.min(value, rangeLimit) : Math.max(value, rangeLimit);
}

/**
 * Int16 stored + integral intercept into Int16, clamping what would overflow. Deliberately a twin
 * of addInterceptUnsigned: one array type per loop keeps V8's element access monomorphic.
 */
function addInterceptSigned(stored: Int16Array, target: Int16Array, offset: number, count: number, intercept: number): number {
  let clamped = 0;
  for (let p = 0; p < count; p++) {
    let hu = stored[p] + intercept;
    if (hu > 32767) {
      hu = 32767;
      clamped++;
    } else if (hu < -32768) {
      hu = -32768;
      clamped++;
    }
    target[offset + p] = hu;
  }
  return clamped;
}

/** Uint16 stored + integral intercept into Int16, clamping what would overflow. */
function addInterceptUnsigned(stored: Uint16Array, target: Int16Array, offset: number, count: number, intercept: number): number {
  let clamped = 0;
  for (let p = 0; p < count; p++) {
    let hu = stored[p] + intercept;
    if (hu > 32767) {
      hu = 32767;
      clamped++;
    } else if (hu < -32768) {
      hu = -32768;
      clamped++;
    }
    target[offset + p] = hu;
  }
  return clamped;
}
