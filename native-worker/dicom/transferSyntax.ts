/** Transfer syntaxes the loader knows, with the names a technologist will recognise. */

export type PixelEncoding = 'native' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000' | 'rle';

export interface TransferSyntaxInfo {
  name: string;
  /** How the pixel data is stored; undefined when the loader cannot decode it. */
  encoding?: PixelEncoding;
  /** Why it is refused, when it is. */
  refusal?: string;
}

const LOSSY = 'it is lossy: calcium scores from lossy images are not reliable; ask for the original or a lossless export';

export const TRANSFER_SYNTAXES: Readonly<Record<string, TransferSyntaxInfo>> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.2': {
    name: 'Explicit VR Big Endian (retired)',
    refusal: 'it is retired and not supported; re-export the series as Explicit VR Little Endian',
  },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless, Non-Hierarchical (Process 14)', encoding: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless, First-Order Prediction (Process 14 SV1)', encoding: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless Only', encoding: 'jpeg2000' },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: 'rle' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', refusal: LOSSY },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', refusal: LOSSY },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', refusal: LOSSY },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000 (may be lossy)', refusal: LOSSY },
  '1.2.840.10008.1.2.4.100': { name: 'MPEG2 Main Profile', refusal: 'it is a video encoding, not a CT image' },
  '1.2.840.10008.1.2.4.201': { name: 'High-Throughput JPEG 2000 Lossless Only', refusal: 'HTJ2K is not supported yet; re-export the series uncompressed or as JPEG 2000 lossless' },
};

export function transferSyntaxName(uid: string): string {
  return TRANSFER_SYNTAXES[uid]?.name ?? `unknown transfer syntax ${uid}`;
}

/** The reason this transfer syntax cannot be decoded, or undefined when it can. */
export function transferSyntaxRefusal(uid: string): string | undefined {
  const info = TRANSFER_SYNTAXES[uid];
  if (!info) return `${uid} is not a transfer syntax this workstation knows; re-export the series uncompressed`;
  if (info.encoding) return undefined;
  return `${info.name} (${uid}): ${info.refusal}`;
}
