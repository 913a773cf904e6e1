/**
 * The synthetic phantom writes real DICOM: checked with dicom3tools (dciodvfy), dcmtk (dcmdump,
 * and dcmtk's decompressors for the compressed syntaxes) and read back with dicom-parser, never
 * with the project's own loader (which is what the phantom is for testing).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTool } from '../support/sharedData.js';
import {
  boxVoxelCount,
  createUid,
  formatDecimalString,
  huToStoredValue,
  phantomAxes,
  storedValueToHu,
  tiltedAxialOrientation,
  transferSyntaxUid,
  voxelCenterMm,
  voxelIndex,
  writePhantomSeries,
  type PhantomObject,
  type PhantomSeries,
  type PhantomSpec,
  type PhantomTransferSyntax,
  type Vec3,
} from './syntheticPhantom.js';

const run = promisify(execFile);

let workDir: string;
let folderCount = 0;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'cac-phantom-test-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});
function freshDir(label: string): string {
  folderCount += 1;
  return join(workDir, `${folderCount}-${label}`);
}

/** 64 x 64 x 20, 0.5 mm pixels, 3 mm slices: the shape the brief times. */
function baseSpec(overrides: Partial<PhantomSpec> = {}): PhantomSpec {
  return {
    pixelSpacingMm: [0.5, 0.5],
    slices: 20,
    sliceThicknessMm: 3,
    sliceIncrementMm: 3,
    originMm: [-16, -16, 100],
    backgroundHu: 40,
    objects: [],
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading back, independently of the project's loader.

interface ReadSlice {
  dataSet: dicomParser.DataSet;
  transferSyntaxUid: string;
}

async function readDicom(file: string): Promise<ReadSlice> {
  const dataSet = dicomParser.parseDicom(new Uint8Array(await readFile(file)));
  return { dataSet, transferSyntaxUid: dataSet.string('x00020010') ?? '' };
}

function numbers(dataSet: dicomParser.DataSet, tag: string): number[] {
  const text = dataSet.string(tag);
  if (text === undefined) throw new Error(`${tag} is missing`);
  return text.split('\\').map(Number);
}

/** Every DS value in the data set, as written (to check the 16-character limit). */
function decimalStrings(dataSet: dicomParser.DataSet): string[] {
  const tags = ['x00180050', 'x00180060', 'x00181100', 'x00181120', 'x00200032', 'x00200037', 'x00201041', 'x00280030', 'x00281050', 'x00281051', 'x00281052', 'x00281053'];
  return tags.flatMap((tag) => (dataSet.string(tag) ?? '').split('\\'));
}

/** Stored values of a native (uncompressed) slice: masked to BitsStored, sign-extended from HighBit. */
function storedPixels(dataSet: dicomParser.DataSet): Int32Array {
  const element = dataSet.elements.x7fe00010;
  if (!element) throw new Error('no Pixel Data');
  const bitsStored = dataSet.uint16('x00280101') ?? 16;
  const signed = dataSet.uint16('x00280103') === 1;
  const view = new DataView(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + element.dataOffset, element.length);
  const values = new Int32Array(element.length / 2);
  const mask = 2 ** bitsStored - 1;
  const signBit = 2 ** (bitsStored - 1);
  for (let n = 0; n < values.length; n++) {
    const raw = view.getUint16(2 * n, true) & mask;
    values[n] = signed && raw >= signBit ? raw - 2 ** bitsStored : raw;
  }
  return values;
}

function sliceOf(series: PhantomSeries, spec: PhantomSpec, k: number): Int32Array {
  const perSlice = (spec.columns ?? 64) * (spec.rows ?? 64);
  return series.storedValues.subarray(k * perSlice, (k + 1) * perSlice);
}

async function dciodvfy(file: string): Promise<{ errors: string[]; warnings: string[] }> {
  const output = await run('dciodvfy', [file]).then(
    ({ stdout, stderr }) => stdout + stderr,
    (failure: { stdout?: string; stderr?: string }) => `${failure.stdout ?? ''}${failure.stderr ?? ''}`,
  );
  const lines = output.split('\n').map((line) => line.trim());
  return { errors: lines.filter((line) => line.startsWith('Error')), warnings: lines.filter((line) => line.startsWith('Warning')) };
}

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const count = (volume: Float64Array, hu: number): number => volume.reduce((total, value) => total + (value === hu ? 1 : 0), 0);

// ---------------------------------------------------------------------------------------------
// Variants that exercise the header and pixel options; each must be a valid CT Image.

const box: Extract<PhantomObject, { kind: 'box' }> = { kind: 'box', centerMm: [0.25, 0.25, 130], sizeMm: [10, 10, 6], hu: 400 };
const cosine30 = Math.cos(Math.PI / 6);
const variants: Array<{ name: string; spec: PhantomSpec }> = [
  {
    name: 'explicit, signed 16-bit, FOV padding, noise, mass factors',
    spec: baseSpec({
      objects: [box, { kind: 'sphere', centerMm: [-8, -8, 112], radiusMm: 2, hu: 250 }],
      pixelPaddingValue: -2000,
      fovRadiusMm: 15,
      noiseSdHu: 20,
      seed: 7,
      extraAttributes: { CalciumScoringMassFactorDevice: [0.7, 0.72, 0.74], ReconstructionDiameter: '250', SmallestImagePixelValue: -2000 },
    }),
  },
  {
    name: 'implicit, unsigned 12-bit, padding 0, rescale slope 2',
    spec: baseSpec({ transferSyntax: 'implicit', bitsStored: 12, pixelRepresentation: 0, rescaleSlope: 2, pixelPaddingValue: 0, fovRadiusMm: 14, objects: [box] }),
  },
  {
    name: 'signed 12-bit with the unused high bits zeroed, non-ASCII patient name',
    spec: baseSpec({ bitsStored: 12, unusedHighBits: 'zero', patientName: 'Müller^Jörg', objects: [box, { kind: 'box', centerMm: [8, 8, 103], sizeMm: [2, 2, 3], hu: -1500 }] }),
  },
  { name: 'gantry tilt 20 degrees, tilted orientation', spec: baseSpec({ gantryTiltDeg: 20, orientation: tiltedAxialOrientation(20), objects: [box] }) },
  { name: 'oblique orientation, 0.7 mm increment, 1 mm thickness', spec: baseSpec({ orientation: [cosine30, 0.5, 0, 0, 0, -1], sliceIncrementMm: 0.7, sliceThicknessMm: 1, objects: [box] }) },
];

describe.skipIf(!haveTool('dciodvfy') || !haveTool('dcmdump'))('written series are valid DICOM CT images', () => {
  const allWarnings = new Set<string>();
  afterAll(() => {
    // The report asks which warnings dciodvfy prints: listed once for the whole suite.
    console.info(`dciodvfy warnings over all variants: ${allWarnings.size === 0 ? 'none' : [...allWarnings].join(' | ')}`);
  });

  for (const { name, spec } of variants) {
    it(`${name}: dciodvfy finds no errors and dcmdump reads every file`, async () => {
      const series = await writePhantomSeries(freshDir('iod'), spec);
      expect(series.files).toHaveLength(spec.slices);
      for (const file of [series.files[0], series.files[series.files.length - 1]]) {
        const { errors, warnings } = await dciodvfy(file);
        warnings.forEach((warning) => allWarnings.add(warning));
        expect(errors, `${basename(file)}: ${errors.join('\n')}`).toEqual([]);
      }
      for (const file of series.files) {
        const { stdout, stderr } = await run('dcmdump', ['-M', file]);
        expect(stderr).toBe('');
        expect(stdout).toContain('(0008,0016) UI =CTImageStorage');
        expect(stdout).toContain(`[${series.seriesInstanceUid}]`);
      }
    });
  }

  it('has a 128-byte preamble, DICM, and the meta group dcmtk expects', async () => {
    const series = await writePhantomSeries(freshDir('preamble'), baseSpec({ slices: 2 }));
    const bytes = await readFile(series.files[0]);
    expect(bytes.subarray(0, 128).every((byte) => byte === 0)).toBe(true);
    expect(bytes.subarray(128, 132).toString('latin1')).toBe('DICM');
    const { stdout } = await run('dcmdump', [series.files[0]]);
    expect(stdout).toContain('(0002,0010) UI =LittleEndianExplicit');
    expect(stdout).toContain('(0002,0002) UI =CTImageStorage');
  });
});

describe('pixel values', () => {
  for (const { name, spec } of variants) {
    it(`${name}: every stored value read back equals the intended HU after rescale`, async () => {
      const series = await writePhantomSeries(freshDir('pixels'), spec);
      for (const [n, file] of series.files.entries()) {
        const { dataSet } = await readDicom(file);
        const k = series.slices[n].k;
        expect(storedPixels(dataSet)).toEqual(sliceOf(series, spec, k));
        // The rescale written in the file, applied to a few voxels, gives back the intended HU.
        const slope = Number(dataSet.string('x00281053'));
        const intercept = Number(dataSet.string('x00281052'));
        const stored = storedPixels(dataSet);
        for (const [i, j] of [[0, 0], [32, 32], [31, 31], [40, 20], [63, 63]]) {
          const index = voxelIndex(spec, i, j, k);
          const intended = series.huVolume[index];
          const readHu = stored[i + 64 * j] * slope + intercept;
          if (series.paddingMask?.[index]) {
            expect(stored[i + 64 * j]).toBe(spec.pixelPaddingValue);
          } else {
            // Storage rounds to the nearest stored step (clamping aside, which these voxels avoid).
            expect(Math.abs(readHu - intended)).toBeLessThanOrEqual(slope / 2 + 1e-9);
          }
        }
      }
    });
  }

  it('stores integer HU exactly at slope 1 (the box, the background, a golden voxel)', async () => {
    const spec = baseSpec({ objects: [box, { kind: 'voxels', voxels: [{ i: 3, j: 4, k: 5, hu: 129 }, { i: 5, j: 4, k: 5, hu: 130 }] }] });
    const series = await writePhantomSeries(freshDir('exact'), spec);
    const { dataSet } = await readDicom(series.files[5]);
    const stored = storedPixels(dataSet);
    const hu = (i: number, j: number): number => storedValueToHu(spec, stored[i + 64 * j]);
    expect(hu(3, 4)).toBe(129);
    expect(hu(5, 4)).toBe(130);
    expect(hu(0, 0)).toBe(40);
    const inBox = await readDicom(series.files[10]); // k = 10 is z = 130, the box centre
    expect(storedValueToHu(spec, storedPixels(inBox.dataSet)[32 + 64 * 32])).toBe(400);
  });

  it('rounds to the nearest stored step and clamps to the representable range', () => {
    const spec = baseSpec({ bitsStored: 12, rescaleSlope: 2, rescaleIntercept: -1024 });
    expect(huToStoredValue(spec, 41)).toBe(533); // (41 + 1024) / 2 = 532.5 rounds up
    expect(huToStoredValue(spec, 9000)).toBe(2047);
    expect(huToStoredValue(spec, -9000)).toBe(-2048);
    expect(huToStoredValue(baseSpec({ pixelRepresentation: 0 }), -3000)).toBe(0);
  });

  it('paints the blood pool (contrast present) under the objects', async () => {
    const spec = baseSpec({ bloodPool: { hu: 350, radiusMm: 6 }, objects: [{ kind: 'box', centerMm: [0, 0, 130], sizeMm: [2, 2, 3], hu: 900 }] });
    const series = await writePhantomSeries(freshDir('blood'), spec);
    // The image centre is at x = y = -0.25 mm, between pixels 31 (-0.5) and 32 (0).
    expect(series.huVolume[voxelIndex(spec, 31, 31, 3)]).toBe(350);
    expect(series.huVolume[voxelIndex(spec, 31, 31, 10)]).toBe(900);
    expect(series.huVolume[voxelIndex(spec, 2, 2, 3)]).toBe(40);
  });
});

describe('file names, instance numbers, skipped slices', () => {
  async function headers(series: PhantomSeries): Promise<Array<{ name: string; instanceNumber: number; positionMm: number }>> {
    return Promise.all(
      series.files.map(async (file) => {
        const { dataSet } = await readDicom(file);
        const position = numbers(dataSet, 'x00200032') as Vec3;
        return { name: basename(file), instanceNumber: Number(dataSet.string('x00200013')), positionMm: position[2] };
      }),
    );
  }

  it('random-hex (default): 8 upper-case hex digits, no extension, all different', async () => {
    const series = await writePhantomSeries(freshDir('hex'), baseSpec());
    const names = series.files.map((file) => basename(file));
    names.forEach((name) => expect(name).toMatch(/^[0-9A-F]{8}$/));
    expect(new Set(names).size).toBe(names.length);
    expect((await readdir(series.dir)).sort()).toEqual([...names].sort());
  });

  it('with-extension: 8 hex digits and .dcm', async () => {
    const series = await writePhantomSeries(freshDir('ext'), baseSpec({ fileNames: 'with-extension' }));
    series.files.forEach((file) => expect(basename(file)).toMatch(/^[0-9A-F]{8}\.dcm$/));
  });

  it('instance: the file is named by its InstanceNumber', async () => {
    const series = await writePhantomSeries(freshDir('inst'), baseSpec({ fileNames: 'instance', instanceNumbers: 'shuffled' }));
    for (const header of await headers(series)) expect(header.name).toBe(String(header.instanceNumber));
  });

  it('ascending, descending and shuffled instance numbers, against position', async () => {
    const byPosition = async (order: PhantomSpec['instanceNumbers']): Promise<number[]> => {
      const series = await writePhantomSeries(freshDir(`order-${order}`), baseSpec({ instanceNumbers: order, seed: 3 }));
      return (await headers(series)).sort((a, b) => a.positionMm - b.positionMm).map((header) => header.instanceNumber);
    };
    const ascending = Array.from({ length: 20 }, (_, k) => k + 1);
    expect(await byPosition('ascending')).toEqual(ascending);
    expect(await byPosition('descending')).toEqual([...ascending].reverse());
    const shuffled = await byPosition('shuffled');
    expect([...shuffled].sort((a, b) => a - b)).toEqual(ascending);
    expect(shuffled).not.toEqual(ascending);
    expect(shuffled).not.toEqual([...ascending].reverse());
  });

  it('skipped slices are absent; the others keep their position and number', async () => {
    const spec = baseSpec({ skipSliceIndices: [4, 5, 12] });
    const series = await writePhantomSeries(freshDir('skip'), spec);
    expect(series.files).toHaveLength(17);
    expect(await readdir(series.dir)).toHaveLength(17);
    const found = await headers(series);
    const positions = found.map((header) => header.positionMm);
    for (const k of [4, 5, 12]) expect(positions).not.toContain(100 + 3 * k);
    expect(found.map((header) => header.instanceNumber).sort((a, b) => a - b)).not.toContain(5);
    expect(series.slices.map((slice) => slice.k)).toEqual(Array.from({ length: 20 }, (_, k) => k).filter((k) => ![4, 5, 12].includes(k)));
    // The full volume is still returned: a loader must report the gap, not invent the slice.
    expect(series.huVolume).toHaveLength(64 * 64 * 20);
  });
});

describe('noise', () => {
  const noisy = (seed: number): PhantomSpec => baseSpec({ noiseSdHu: 22, seed, objects: [box] });

  it('is the same for the same seed, in memory and in the files', async () => {
    const first = await writePhantomSeries(freshDir('noise-a'), noisy(11));
    const second = await writePhantomSeries(freshDir('noise-b'), noisy(11));
    expect(second.huVolume).toEqual(first.huVolume);
    expect(second.storedValues).toEqual(first.storedValues);
    const pixelsOf = async (file: string): Promise<Int32Array> => storedPixels((await readDicom(file)).dataSet);
    expect(await pixelsOf(second.files[7])).toEqual(await pixelsOf(first.files[7]));
  });

  it('differs between seeds and has the requested SD and zero mean', async () => {
    const seeded = await writePhantomSeries(freshDir('noise-c'), noisy(11));
    const other = await writePhantomSeries(freshDir('noise-d'), noisy(12));
    expect(other.storedValues).not.toEqual(seeded.storedValues);
    const clean = await writePhantomSeries(freshDir('noise-e'), baseSpec({ objects: [box], slices: 20 }));
    let sum = 0;
    let sumSquares = 0;
    for (let n = 0; n < clean.huVolume.length; n++) {
      const noise = seeded.huVolume[n] - clean.huVolume[n];
      sum += noise;
      sumSquares += noise * noise;
    }
    const mean = sum / clean.huVolume.length;
    const sd = Math.sqrt(sumSquares / clean.huVolume.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.5);
    expect(sd).toBeGreaterThan(22 * 0.97);
    expect(sd).toBeLessThan(22 * 1.03);
  });
});

describe('written geometry', () => {
  async function geometryOf(series: PhantomSeries): Promise<Array<{ k: number; ipp: Vec3; iop: number[]; spacing: number[]; thickness: number; tilt: number; ds: string[] }>> {
    return Promise.all(
      series.files.map(async (file, n) => {
        const { dataSet } = await readDicom(file);
        return {
          k: series.slices[n].k,
          ipp: numbers(dataSet, 'x00200032') as Vec3,
          iop: numbers(dataSet, 'x00200037'),
          spacing: numbers(dataSet, 'x00280030'),
          thickness: Number(dataSet.string('x00180050')),
          tilt: Number(dataSet.string('x00181120')),
          ds: decimalStrings(dataSet),
        };
      }),
    );
  }

  it('axial: IPP = origin + k x increment along z, PixelSpacing and SliceThickness as given', async () => {
    const spec = baseSpec({ sliceIncrementMm: 1.5, sliceThicknessMm: 3, pixelSpacingMm: [0.4, 0.6] });
    for (const slice of await geometryOf(await writePhantomSeries(freshDir('axial'), spec))) {
      expect(slice.ipp).toEqual([-16, -16, 100 + 1.5 * slice.k]);
      expect(slice.iop).toEqual([1, 0, 0, 0, 1, 0]);
      expect(slice.spacing).toEqual([0.4, 0.6]);
      expect(slice.thickness).toBe(3);
      expect(slice.tilt).toBe(0);
    }
  });

  it('gantry tilt with a tilted orientation: origins step along z only, increment along the normal', async () => {
    const spec = baseSpec({ gantryTiltDeg: 20, orientation: tiltedAxialOrientation(20), originMm: [-123.456789, 12.3456789012, -1000.123456789] });
    const slices = await geometryOf(await writePhantomSeries(freshDir('tilt'), spec));
    const radians = (20 * Math.PI) / 180;
    const normal: Vec3 = [0, Math.sin(radians), Math.cos(radians)];
    for (const slice of slices) {
      expect(slice.tilt).toBe(20);
      expect(slice.iop[4]).toBeCloseTo(Math.cos(radians), 12);
      expect(slice.iop[5]).toBeCloseTo(-Math.sin(radians), 12);
      slice.ds.forEach((text) => expect(text.length).toBeLessThanOrEqual(16));
    }
    for (let n = 1; n < slices.length; n++) {
      const step = sub(slices[n].ipp, slices[n - 1].ipp);
      expect(step[0]).toBeCloseTo(0, 9);
      expect(step[1]).toBeCloseTo(0, 9);
      expect(step[2]).toBeCloseTo(3 / Math.cos(radians), 9);
      expect(dot(step, normal)).toBeCloseTo(3, 9);
    }
  });

  it('gantry tilt with an axial orientation: each slice shifts sideways by increment x tan(tilt)', async () => {
    const spec = baseSpec({ gantryTiltDeg: 15 });
    const slices = await geometryOf(await writePhantomSeries(freshDir('shear'), spec));
    for (const slice of slices) {
      expect(slice.ipp[0]).toBe(-16);
      expect(slice.ipp[1]).toBeCloseTo(-16 - slice.k * 3 * Math.tan((15 * Math.PI) / 180), 9);
      expect(slice.ipp[2]).toBeCloseTo(100 + 3 * slice.k, 9);
    }
  });

  it('oblique: IOP as given, origins step by the increment along rowDir x columnDir', async () => {
    const orientation: PhantomSpec['orientation'] = [cosine30, 0.5, 0, 0, 0, -1];
    const spec = baseSpec({ orientation, sliceIncrementMm: 0.7, originMm: [10, 20, 30] });
    const slices = await geometryOf(await writePhantomSeries(freshDir('oblique'), spec));
    const normal: Vec3 = [-0.5, cosine30, 0]; // (cos30, 0.5, 0) x (0, 0, -1)
    for (const slice of slices) {
      slice.iop.forEach((value, n) => expect(value).toBeCloseTo(orientation[n], 13));
      const expected = [10 + 0.7 * slice.k * normal[0], 20 + 0.7 * slice.k * normal[1], 30];
      slice.ipp.forEach((value, n) => expect(value).toBeCloseTo(expected[n], 10));
      expect(slice.ipp).toEqual(voxelCenterMm(spec, 0, 0, slice.k).map((value) => Number(formatDecimalString(value))));
    }
  });

  it('voxel centres follow PixelSpacing order: [between rows, between columns]', () => {
    const spec = baseSpec({ pixelSpacingMm: [0.4, 0.6], originMm: [0, 0, 0] });
    expect(voxelCenterMm(spec, 1, 0, 0)).toEqual([0.6, 0, 0]);
    expect(voxelCenterMm(spec, 0, 1, 0)).toEqual([0, 0.4, 0]);
    expect(voxelCenterMm(spec, 0, 0, 2)).toEqual([0, 0, 6]);
  });
});

describe('analytic helpers (pure geometry)', () => {
  it('a 10 mm box with 0.5 mm pixels covers exactly 20 pixels a side, wherever it sits', async () => {
    for (const centre of [0, 0.25, 0.1, -0.37]) {
      const placed: Extract<PhantomObject, { kind: 'box' }> = { kind: 'box', centerMm: [centre, centre, 130], sizeMm: [10, 10, 6], hu: 400 };
      const spec = baseSpec({ objects: [placed] });
      const expected = boxVoxelCount(spec, placed);
      expect(expected).toEqual({ alongRow: 20, alongColumn: 20, alongNormal: 2, total: 800 });
      const series = await writePhantomSeries(freshDir('box'), { ...spec, slices: 20 });
      expect(count(series.huVolume, 400)).toBe(expected.total);
    }
  });

  it('boxVoxelCount agrees with the painted volume when clipped, tilted and oblique', async () => {
    const oblique = baseSpec({ orientation: [cosine30, 0.5, 0, 0, 0, -1], originMm: [0, 0, 16], sliceIncrementMm: 0.7 });
    const cases: Array<{ spec: PhantomSpec; placed: Extract<PhantomObject, { kind: 'box' }> }> = [
      { spec: baseSpec(), placed: { kind: 'box', centerMm: [14, -14, 100], sizeMm: [7.3, 5.1, 4], hu: 300 } }, // clipped at the image edge
      { spec: baseSpec({ gantryTiltDeg: 25 }), placed: { kind: 'box', centerMm: [0, -2, 130], sizeMm: [4, 3, 12], hu: 300 } },
      { spec: baseSpec({ gantryTiltDeg: 20, orientation: tiltedAxialOrientation(20) }), placed: { kind: 'box', centerMm: [0, 0, 130], sizeMm: [4, 3, 12], hu: 300 } },
      // Centred on a voxel centre, so edges fall on pixel centres: the half-open rule decides.
      { spec: oblique, placed: { kind: 'box', centerMm: voxelCenterMm(oblique, 30, 30, 10), sizeMm: [3, 2, 2.1], hu: 300 } },
    ];
    for (const { spec, placed } of cases) {
      const series = await writePhantomSeries(freshDir('count'), { ...spec, objects: [placed] });
      const expected = boxVoxelCount(spec, placed);
      expect(expected.total).toBeGreaterThan(0);
      expect(count(series.huVolume, 300)).toBe(expected.total);
    }
    // The tilted box keeps its size per slice: the tilt moves it, it does not shrink it.
    const tilted = cases[1];
    expect(boxVoxelCount(tilted.spec, tilted.placed)).toMatchObject({ alongRow: 8, alongColumn: 6, alongNormal: 4, total: 192 });
  });

  it('a sphere and a cylinder cover about their analytic volume', async () => {
    const fine = baseSpec({ pixelSpacingMm: [0.25, 0.25], sliceIncrementMm: 0.25, sliceThicknessMm: 0.25, slices: 64, originMm: [-8, -8, -8] });
    const sphere = await writePhantomSeries(freshDir('sphere'), { ...fine, objects: [{ kind: 'sphere', centerMm: [0.1, 0.05, 0], radiusMm: 5, hu: 500 }] });
    const voxelMm3 = 0.25 ** 3;
    const within = (actual: number, expected: number, fraction: number): void => expect(Math.abs(actual / expected - 1)).toBeLessThan(fraction);
    within(count(sphere.huVolume, 500) * voxelMm3, (4 / 3) * Math.PI * 125, 0.02);
    const cylinder = await writePhantomSeries(freshDir('cylinder'), { ...fine, objects: [{ kind: 'cylinder', centerMm: [0.1, 0.05, 0], radiusMm: 3, lengthMm: 5, hu: 500 }] });
    // Half-open along the axis: exactly 5 / 0.25 = 20 slices.
    expect(new Set(Array.from(cylinder.huVolume.keys()).filter((n) => cylinder.huVolume[n] === 500).map((n) => Math.floor(n / (64 * 64)))).size).toBe(20);
    within(count(cylinder.huVolume, 500) * voxelMm3, Math.PI * 9 * 5, 0.03);
  });

  it('formats DS values in at most 16 characters, keeping the most digits that fit', () => {
    const values = [0, -0, 1, -1024, 0.1 + 0.2, Math.PI * 1e3, -123.456789012345, 1e-7, -3.2e-9, 123456789012.345, Math.cos(Math.PI / 6), -992.786589567139, -0.000123456789012345, 6.02214076e23];
    for (const value of values) {
      const text = formatDecimalString(value);
      expect(text.length).toBeLessThanOrEqual(16);
      expect(text).toMatch(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/);
      // At least 10 significant digits survive in 16 characters, whatever the magnitude.
      if (value !== 0) expect(Math.abs(Number(text) / value - 1)).toBeLessThan(1e-10);
    }
    expect(formatDecimalString(0.1 + 0.2)).toBe('0.3');
    expect(formatDecimalString(-0)).toBe('0');
  });

  it('axes: normal = rowDir x columnDir, and the slice step includes the shear', () => {
    const axes = phantomAxes(baseSpec({ gantryTiltDeg: 10 }));
    expect(axes.normal).toEqual([0, 0, 1]);
    expect(axes.sliceStepMm[1]).toBeCloseTo(-3 * Math.tan((10 * Math.PI) / 180), 12);
  });
});

describe('UIDs and attributes', () => {
  it('writes valid 2.25 UIDs, uses the given study and series UIDs, and the extra attributes', async () => {
    const studyInstanceUid = createUid();
    const series = await writePhantomSeries(
      freshDir('uids'),
      baseSpec({ slices: 3, studyInstanceUid, seriesDescription: 'CaSc 3.0', patientId: 'QA-1', extraAttributes: { CalciumScoringMassFactorPatient: 0.75, KVP: '100', SmallestImagePixelValue: -5 } }),
    );
    expect(series.studyInstanceUid).toBe(studyInstanceUid);
    const sopInstanceUids = new Set<string>();
    for (const file of series.files) {
      const { dataSet } = await readDicom(file);
      for (const tag of ['x00080018', 'x0020000d', 'x0020000e', 'x00200052', 'x00020003']) {
        const uid = dataSet.string(tag) ?? '';
        expect(uid).toMatch(/^2\.25\.(0|[1-9]\d*)$/);
        expect(uid.length).toBeLessThanOrEqual(64);
      }
      expect(dataSet.string('x00020003')).toBe(dataSet.string('x00080018'));
      sopInstanceUids.add(dataSet.string('x00080018') ?? '');
      expect(dataSet.string('x0020000d')).toBe(studyInstanceUid);
      expect(dataSet.string('x0020000e')).toBe(series.seriesInstanceUid);
      expect(dataSet.string('x0008103e')).toBe('CaSc 3.0');
      expect(dataSet.string('x00100020')).toBe('QA-1');
      expect(dataSet.float('x00189351')).toBeCloseTo(0.75, 6);
      expect(dataSet.string('x00180060')).toBe('100');
      expect(dataSet.int16('x00280106')).toBe(-5); // a "US or SS" element follows PixelRepresentation
    }
    expect(sopInstanceUids.size).toBe(3);
  });

  it('rejects specs it cannot write honestly', async () => {
    await expect(writePhantomSeries(freshDir('bad'), baseSpec({ fovRadiusMm: 10 }))).rejects.toThrow(/pixelPaddingValue/);
    await expect(writePhantomSeries(freshDir('bad'), baseSpec({ orientation: [1, 0, 0, 0, 0.9, 0.1] }))).rejects.toThrow(/orthonormal/);
    await expect(writePhantomSeries(freshDir('bad'), baseSpec({ extraAttributes: { CalciumMassFactor: 1 } }))).rejects.toThrow(/CalciumMassFactor/);
    await expect(writePhantomSeries(freshDir('bad'), baseSpec({ bitsStored: 12, pixelPaddingValue: -3000 }))).rejects.toThrow(/pixelPaddingValue/);
    await expect(writePhantomSeries(freshDir('bad'), baseSpec({ objects: [{ kind: 'voxels', voxels: [{ i: 64, j: 0, k: 0, hu: 1 }] }] }))).rejects.toThrow(/outside/);
  });
});

describe('speed', () => {
  it('writes a 64 x 64 x 20 series well under a second (reported, not a budget)', async () => {
    const spec = baseSpec({ objects: [box, { kind: 'sphere', centerMm: [5, 5, 120], radiusMm: 3, hu: 600 }], noiseSdHu: 20, pixelPaddingValue: -2000, fovRadiusMm: 15 });
    await writePhantomSeries(freshDir('warm'), spec); // first call pays for module warm-up
    const started = performance.now();
    await writePhantomSeries(freshDir('timed'), spec);
    const elapsedMs = performance.now() - started;
    console.info(`syntheticPhantom: 64x64x20 explicit series written in ${elapsedMs.toFixed(1)} ms`);
    expect(elapsedMs).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Compressed and deflated syntaxes go through transcodeFile (test/support/transcode.ts). Until it
// is implemented these skip with a note; once it lands they check the result with real tools.

const decompressors: Partial<Record<PhantomTransferSyntax, string[]>> = {
  deflated: ['dcmconv', '+te'],
  'jpeg-lossless-57': ['dcmdjpeg'],
  'jpeg-lossless-70': ['dcmdjpeg'],
  'jpeg-ls': ['dcmdjpls'],
  rle: ['dcmdrle'],
  // jpeg2000: dcmtk has no JPEG 2000 codec; the header and dciodvfy are still checked.
};

describe.skipIf(!haveTool('dciodvfy') || !haveTool('dcmdump'))('transcoded transfer syntaxes', () => {
  const syntaxes: PhantomTransferSyntax[] = ['deflated', 'jpeg-lossless-57', 'jpeg-lossless-70', 'jpeg-ls', 'jpeg2000', 'rle'];
  for (const syntax of syntaxes) {
    it(`${syntax}: the file carries its transfer syntax, is a valid CT image, and decodes losslessly`, async (context) => {
      const spec = baseSpec({ slices: 3, transferSyntax: syntax, objects: [box], noiseSdHu: 15, seed: 5, pixelPaddingValue: -2000, fovRadiusMm: 15 });
      let series: PhantomSeries;
      try {
        series = await writePhantomSeries(freshDir(syntax), spec);
      } catch (error) {
        if (error instanceof Error && /not implemented yet/.test(error.message)) {
          context.skip(`transcodeFile is still a stub: ${syntax} not checked`);
        }
        throw error;
      }
      expect(series.transferSyntaxUid).toBe(transferSyntaxUid(syntax));
      for (const [n, file] of series.files.entries()) {
        const { stdout } = await run('dcmdump', ['-M', file]);
        expect(stdout).toContain(`(0002,0010) UI =`);
        expect(stdout).toMatch(new RegExp(`\\(0002,0010\\) UI (=\\S+|\\[${transferSyntaxUid(syntax).replace(/\./g, '\\.')}\\])`));
        const [tool, ...options] = decompressors[syntax] ?? [];
        const native = join(workDir, `${basename(file)}-${syntax}-native.dcm`);
        if (tool) await run(tool, [...options, file, native]);
        // This dicom3tools build cannot inflate a deflated data set ("Tag read failed"), so the
        // deflated file's IOD is checked on its inflated copy; dcmdump above read it deflated.
        const { errors } = await dciodvfy(syntax === 'deflated' ? native : file);
        expect(errors, errors.join('\n')).toEqual([]);
        if (!tool) continue;
        const { dataSet, transferSyntaxUid: nativeSyntax } = await readDicom(native);
        expect(nativeSyntax).toBe(transferSyntaxUid('explicit'));
        expect(storedPixels(dataSet)).toEqual(sliceOf(series, spec, series.slices[n].k));
      }
      // The staging copies are gone: only the series files are in the folder.
      expect((await readdir(series.dir)).length).toBe(series.files.length);
    });
  }
});
