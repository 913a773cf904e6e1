/**
 * A realistic 512 x 512 x 320 volume at 0.5 mm, built from the real 47-slice QRM phantom (3 mm):
 * each real slice stands for the six 0.5 mm slices it covers (nearest-neighbour resampling), and
 * the stack runs back down the phantom (ping-pong) once the 47 slices are used up. So every slice
 * holds real anatomy, bone, noise (~22 HU SD) and calcium, and lesions span several slices as
 * they do in thin-slice reconstructions.
 *
 * The same tiling exists in memory (for findCalciumCandidates) and on disk as a DICOM series (for
 * the worker and the memory benchmark). The files are the phantom's own bytes with only the
 * identity and position elements rewritten, so the loader does the work it does on real files.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import type { HuArray } from '../native-worker/dicom/huRescale.js';
import type { SliceHeader } from '../native-worker/dicom/sliceHeader.js';
import { dot, type Vec3, type VolumeGeometry } from '../native-worker/geometry/volumeGeometry.js';

export const TILED_SLICES = 320;
export const TILED_INCREMENT_MM = 0.5;

const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';

/** Source slice (position order) of tiled slice k: each source slice `repeat` times, then back down. */
export function sourceSliceOf(k: number, sourceSlices: number, repeat: number): number {
  const step = Math.floor(k / repeat);
  const period = 2 * (sourceSlices - 1);
  const phase = step % period;
  return phase < sourceSlices ? phase : period - phase;
}

/** How many 0.5 mm slices one source slice stands for (3 mm / 0.5 mm = 6). */
export function repeatOf(source: VolumeGeometry): number {
  return Math.max(1, Math.round(source.sliceIncrementMm / TILED_INCREMENT_MM));
}

/** Slice origins stepping TILED_INCREMENT_MM along the normal from the source's first slice. */
export function tiledGeometry(source: VolumeGeometry, slices = TILED_SLICES): VolumeGeometry {
  const first: Vec3 = [source.sliceOrigins[0], source.sliceOrigins[1], source.sliceOrigins[2]];
  const sliceOrigins = new Float64Array(3 * slices);
  const slicePositionsMm = new Float64Array(slices);
  for (let k = 0; k < slices; k++) {
    const origin: Vec3 = [0, 1, 2].map((axis) => first[axis] + k * TILED_INCREMENT_MM * source.normal[axis]) as Vec3;
    sliceOrigins.set(origin, 3 * k);
    slicePositionsMm[k] = dot(origin, source.normal);
  }
  return { ...source, slices, sliceOrigins, slicePositionsMm, sliceIncrementMm: TILED_INCREMENT_MM };
}

export interface TiledVolume {
  hu: HuArray;
  geometry: VolumeGeometry;
}

export function tiledVolume(sourceHu: HuArray, source: VolumeGeometry, slices = TILED_SLICES): TiledVolume {
  const pixelsPerSlice = source.columns * source.rows;
  const repeat = repeatOf(source);
  const hu = sourceHu instanceof Int16Array ? new Int16Array(pixelsPerSlice * slices) : new Float32Array(pixelsPerSlice * slices);
  for (let k = 0; k < slices; k++) {
    const s = sourceSliceOf(k, source.slices, repeat);
    hu.set(sourceHu.subarray(s * pixelsPerSlice, (s + 1) * pixelsPerSlice), k * pixelsPerSlice);
  }
  return { hu, geometry: tiledGeometry(source, slices) };
}

export interface TiledClick {
  insert: string;
  k: number;
  point: [number, number, number];
}

/**
 * Where a reader would click each known insert on the tiled stack: the insert's in-plane point, on
 * every tiled slice that shows the insert's source slice.
 */
export function tiledClicks(
  inserts: ReadonlyArray<{ name: string; point: readonly [number, number, number] }>,
  source: VolumeGeometry,
  tiled: VolumeGeometry,
): TiledClick[] {
  const repeat = repeatOf(source);
  const clicks: TiledClick[] = [];
  for (const insert of inserts) {
    const position = dot([...insert.point], source.normal);
    let nearest = 0;
    for (let s = 1; s < source.slices; s++) {
      if (Math.abs(source.slicePositionsMm[s] - position) < Math.abs(source.slicePositionsMm[nearest] - position)) nearest = s;
    }
    for (let k = 0; k < tiled.slices; k++) {
      if (sourceSliceOf(k, source.slices, repeat) !== nearest) continue;
      const shift = tiled.slicePositionsMm[k] - position;
      const point = [0, 1, 2].map((axis) => insert.point[axis] + shift * source.normal[axis]) as [number, number, number];
      clicks.push({ insert: insert.name, k, point });
    }
  }
  return clicks;
}

// ---------------------------------------------------------------------------------------------
// The tiled series on disk.

interface ElementEdit {
  tag: string;
  value: string;
}

/** A 2.25 UID from a random UUID: unique without a registered root. */
function createUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}`;
}

function formatDs(value: number): string {
  return String(Number(value.toFixed(4)));
}

/**
 * Rewrite top-level text elements of a Part 10 file whose data set is Implicit VR Little Endian,
 * with new lengths, and correct the group lengths the phantom's files carry. Meta elements
 * (group 0002) are Explicit VR with a 2-byte length.
 */
function rewriteElements(bytes: Uint8Array, dataSet: dicomParser.DataSet, edits: ElementEdit[]): Uint8Array {
  const planned = edits
    .map(({ tag, value }) => {
      const element = dataSet.elements[tag];
      if (!element) throw new Error(`the phantom file has no ${tag}: it cannot be tiled`);
      const padded = value.length % 2 ? value + (tag === 'x00020003' || tag === 'x00080018' || tag === 'x0020000e' ? '\0' : ' ') : value;
      const explicitMeta = tag.startsWith('x0002');
      return { tag, element, value: Buffer.from(padded, 'latin1'), lengthBytes: explicitMeta ? 2 : 4 };
    })
    .sort((a, b) => a.element.dataOffset - b.element.dataOffset);

  const deltaByGroup = new Map<string, number>();
  for (const edit of planned) {
    const group = edit.tag.slice(1, 5);
    deltaByGroup.set(group, (deltaByGroup.get(group) ?? 0) + edit.value.length - edit.element.length);
  }
  const size = bytes.length + [...deltaByGroup.values()].reduce((a, b) => a + b, 0);
  const out = Buffer.alloc(size);
  let read = 0;
  let write = 0;
  for (const edit of planned) {
    const lengthAt = edit.element.dataOffset - edit.lengthBytes;
    write += Buffer.from(bytes.buffer, bytes.byteOffset + read, lengthAt - read).copy(out, write);
    if (edit.lengthBytes === 2) write = out.writeUInt16LE(edit.value.length, write);
    else write = out.writeUInt32LE(edit.value.length, write);
    write += edit.value.copy(out, write);
    read = edit.element.dataOffset + edit.element.length;
  }
  Buffer.from(bytes.buffer, bytes.byteOffset + read, bytes.length - read).copy(out, write);

  // Group lengths precede their group, so only edits of earlier groups have moved them.
  for (const [group, delta] of deltaByGroup) {
    const groupLength = dataSet.elements[`x${group}0000`];
    if (!groupLength || delta === 0) continue;
    const shift = planned
      .filter((edit) => edit.element.dataOffset < groupLength.dataOffset)
      .reduce((sum, edit) => sum + edit.value.length - edit.element.length, 0);
    const at = groupLength.dataOffset + shift;
    out.writeUInt32LE(out.readUInt32LE(at) + delta, at);
  }
  return out;
}

export interface TiledSeries {
  dir: string;
  files: string[];
  seriesInstanceUid: string;
}

/**
 * Write the tiled stack as a new series (new UIDs, 0.5 mm positions and thickness) into `dir`.
 * `sourceSlices` are the phantom's slices in position order (LoadedSeries.slices).
 */
export async function writeTiledSeries(dir: string, sourceSlices: SliceHeader[], source: VolumeGeometry, slices = TILED_SLICES): Promise<TiledSeries> {
  const geometry = tiledGeometry(source, slices);
  const repeat = repeatOf(source);
  const seriesInstanceUid = createUid();
  const parsedSources = new Map<number, { bytes: Uint8Array; dataSet: dicomParser.DataSet }>();
  const files: string[] = [];
  for (let k = 0; k < slices; k++) {
    const s = sourceSliceOf(k, source.slices, repeat);
    let parsed = parsedSources.get(s);
    if (!parsed) {
      const bytes = new Uint8Array(await readFile(sourceSlices[s].file));
      const dataSet = dicomParser.parseDicom(bytes);
      if (dataSet.string('x00020010')?.replace(/\0/g, '').trim() !== IMPLICIT_LITTLE_ENDIAN) {
        throw new Error(`${sourceSlices[s].file} is not Implicit VR Little Endian: the tiler rewrites implicit data sets only`);
      }
      parsed = { bytes, dataSet };
      parsedSources.set(s, parsed);
    }
    const sopInstanceUid = `${seriesInstanceUid}.${k + 1}`;
    const origin = Array.from(geometry.sliceOrigins.subarray(3 * k, 3 * k + 3));
    const file = join(dir, (0x10000000 + k).toString(16).toUpperCase());
    await writeFile(
      file,
      rewriteElements(parsed.bytes, parsed.dataSet, [
        { tag: 'x00020003', value: sopInstanceUid },
        { tag: 'x00080018', value: sopInstanceUid },
        { tag: 'x0020000e', value: seriesInstanceUid },
        { tag: 'x00200013', value: String(k + 1) },
        { tag: 'x00200032', value: origin.map(formatDs).join('\\') },
        { tag: 'x00201041', value: formatDs(geometry.slicePositionsMm[k]) },
        { tag: 'x00180050', value: formatDs(TILED_INCREMENT_MM) },
      ]),
    );
    files.push(file);
  }
  return { dir, files, seriesInstanceUid };
}
