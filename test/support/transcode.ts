/**
 * Transcode DICOM files to another transfer syntax for tests, with real tools (dcmtk, and an
 * npm JPEG 2000 encoder where dcmtk has none).
 *
 * STUB: owned by the decoders helper.
 */
export type TestTransferSyntax =
  | 'implicit'
  | 'explicit'
  | 'deflated'
  | 'jpeg-lossless-57'
  | 'jpeg-lossless-70'
  | 'jpeg-ls'
  | 'jpeg2000'
  | 'rle';

/** Write `src` re-encoded as `syntax` to `dst`. Rejects with the tool's stderr when it fails. */
export async function transcodeFile(src: string, dst: string, syntax: TestTransferSyntax): Promise<void> {
  throw new Error(`transcodeFile not implemented yet: ${src} -> ${dst} (${syntax})`);
}
