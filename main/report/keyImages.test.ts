import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { AXIAL_WINDOW, KeyImageInputError, LABEL_BLEND, renderKeyImages, type KeyImage, type KeyImageVolume } from './keyImages.js';
import { LABEL_RGB } from '../../renderer/reading/palette.js';
import { openScoringSession } from '../../native-worker/openScoringSession.js';
import { haveSharedData, qrmInserts, qrmMassFactor, qrmPhantomDir } from '../../test/support/sharedData.js';
import { ARTERY_BOXES, CALCIUM_HU, KEY_IMAGE_VOLUME, labelledBoxVolume, type LabelledBox } from '../../test/support/keyImageVolume.js';

const { columns: COLUMNS, rows: ROWS, slices: SLICES } = KEY_IMAGE_VOLUME;

/**
 * The artery boxes of test/support/keyImageVolume.ts plus unassigned (6) and excluded (5) calcium
 * that must never be chosen or coloured.
 */
const boxes: LabelledBox[] = [
  ...ARTERY_BOXES,
  { k: 8, i0: 25, i1: 45, j0: 25, j1: 45, code: 6 },
  // Excluded and denser, in front of the LAD box in the anterior projection: must not hide it.
  { k: 3, i0: 30, i1: 34, j0: 22, j1: 24, code: 5, hu: 1500 },
];

const syntheticVolume = (): KeyImageVolume => labelledBoxVolume(boxes);

function pixel(image: KeyImage, x: number, y: number): [number, number, number] {
  const png = PNG.sync.read(Buffer.from(image.png));
  expect([png.width, png.height]).toEqual([image.widthPx, image.heightPx]);
  const p = (y * png.width + x) * 4;
  return [png.data[p], png.data[p + 1], png.data[p + 2]];
}

const greyOf = (hu: number): number => Math.round(Math.min(255, Math.max(0, ((hu - (AXIAL_WINDOW.levelHu - AXIAL_WINDOW.widthHu / 2)) / AXIAL_WINDOW.widthHu) * 255)));

describe('renderKeyImages on a synthetic volume with labelled boxes', () => {
  const volume = syntheticVolume();

  it('chooses the best slice of each artery with calcium, then the largest remaining, in slice order', () => {
    const axial = (max: number): Array<number | undefined> => renderKeyImages(volume, { maxAxial: max }).filter((im) => im.kind === 'axial').map((im) => im.sliceIndex);
    expect(axial(4)).toEqual([3, 4, 6, 7]);
    expect(axial(3)).toEqual([3, 6, 7]);
    expect(axial(2)).toEqual([3, 7]);
    expect(axial(0)).toEqual([]);
    // Default 4; slice 8 (unassigned only) is never chosen even when there is room.
    expect(axial(10)).toEqual([3, 4, 6, 7]);
    expect(renderKeyImages(volume).filter((im) => im.kind === 'axial')).toHaveLength(4);
  });

  it('titles the slices 1-based with their position and the arteries on them', () => {
    const titles = renderKeyImages(volume).map((im) => im.title);
    expect(titles).toEqual([
      'Slice 4 (z = -111.0 mm): LAD',
      'Slice 5 (z = -108.0 mm): LAD',
      'Slice 7 (z = -102.0 mm): LCX, RCA',
      'Slice 8 (z = -99.0 mm): LCX',
      "Calcium map, anterior view (patient's right on the left)",
      'Calcium map, left lateral view (anterior on the left)',
    ]);
  });

  it('crops the axial images to the body plus 8 mm and colours the labels in the artery colours', () => {
    const slice4 = renderKeyImages(volume).find((im) => im.sliceIndex === 3)!;
    // Body i 20..75, j 20..59; margin 8 mm = 16 columns (0.5 mm), 13 rows (0.6 mm): 88 x 66 voxels,
    // shown with square pixels: 66 rows of 0.6 mm become 79 rows of 0.5 mm.
    const croppedRows = 59 + 13 - (20 - 13) + 1;
    expect([slice4.widthPx, slice4.heightPx]).toEqual([75 + 16 - (20 - 16) + 1, Math.round((croppedRows * 0.6) / 0.5)]);
    expect(slice4.heightPx * 0.5).toBeCloseTo(croppedRows * 0.6, 0);
    const yOf = (j: number): number => {
      for (let y = 0; y < slice4.heightPx; y++) if (Math.floor(((y + 0.5) * croppedRows) / slice4.heightPx) === j - 7) return y;
      throw new Error(`row ${j} not shown`);
    };
    const at = (i: number, j: number): [number, number, number] => pixel(slice4, i - 4, yOf(j));
    // Edge of the LAD box: pure LAD colour; inside: 60 % blend over the calcium grey.
    expect(at(30, 30)).toEqual([...LABEL_RGB[2]]);
    const g = greyOf(CALCIUM_HU);
    expect(at(32, 32)).toEqual(LABEL_RGB[2].map((c) => Math.round(LABEL_BLEND * c + (1 - LABEL_BLEND) * g)));
    // Body is grey, air black, excluded calcium white (not coloured).
    expect(at(70, 55)).toEqual([greyOf(40), greyOf(40), greyOf(40)]);
    expect(at(5, 8)).toEqual([0, 0, 0]);
    expect(at(32, 23)).toEqual([255, 255, 255]);
  });

  it('makes aspect-correct anterior and lateral projections coloured by artery', () => {
    const [anterior, lateral] = renderKeyImages(volume).filter((im) => im.kind === 'map');
    // Width = cropped columns/rows; height = 10 slices x 3 mm in pixels of 0.5 / 0.6 mm.
    expect([anterior.widthPx, anterior.heightPx]).toEqual([88, 60]);
    expect([lateral.widthPx, lateral.heightPx]).toEqual([66, 50]);
    expect((anterior.heightPx * 0.5) / (anterior.widthPx * 0.5)).toBeCloseTo(30 / (88 * 0.5), 6);
    // Superior at the top: slice k covers rows (9 - k) x 6 .. + 5 in the anterior view.
    expect(pixel(anterior, 32 - 4, 6 * 6 + 3)).toEqual([...LABEL_RGB[2]]); // LAD, in front of the denser excluded box
    expect(pixel(anterior, 61 - 4, 3 * 6 + 2)).toEqual([...LABEL_RGB[4]]); // RCA, slice 6
    expect(pixel(anterior, 51 - 4, 2 * 6 + 2)).toEqual([...LABEL_RGB[3]]); // LCX, slice 7
    // Unassigned calcium on slice 8 is not coloured: faint grey body.
    const [r, g, b] = pixel(anterior, 35 - 4, 1 * 6 + 2);
    expect(r).toBe(g);
    expect(g).toBe(b);
    expect(r).toBeLessThanOrEqual(110);
    // Lateral: rows of 0.6 mm, slice k covers rows (9 - k) x 5 .. + 4.
    expect(pixel(lateral, 46 - 7, 3 * 5 + 2)).toEqual([...LABEL_RGB[4]]);
    expect(pixel(lateral, 32 - 7, 6 * 5 + 2)).toEqual([...LABEL_RGB[2]]);
  });

  it('gives the same bytes for the same volume', () => {
    const a = renderKeyImages(volume);
    const b = renderKeyImages(volume);
    expect(a.map((im) => Buffer.from(im.png).toString('hex'))).toEqual(b.map((im) => Buffer.from(im.png).toString('hex')));
  });

  it('refuses volumes that do not match their dimensions, with the numbers', () => {
    expect(() => renderKeyImages({ ...volume, labels: new Uint8Array(10) })).toThrow(KeyImageInputError);
    expect(() => renderKeyImages({ ...volume, labels: new Uint8Array(10) })).toThrow(/label volume has 10 voxels, expected 96 x 80 x 10/);
    expect(() => renderKeyImages({ ...volume, sliceIncrementMm: 0 })).toThrow(/slice increment must be > 0/);
    expect(() => renderKeyImages(volume, { maxAxial: -1 })).toThrow(/maxAxial/);
  });
});

describe.skipIf(!haveSharedData(qrmPhantomDir))('renderKeyImages on the QRM phantom', () => {
  it('renders the inserts assigned to arteries, quickly', async () => {
    const { opened, session } = await openScoringSession(qrmPhantomDir, { massFactor: qrmMassFactor });
    const arteryOf = ['LAD', 'LAD', 'LAD', 'LCX', 'LCX', 'RCA', 'RCA'] as const;
    qrmInserts.forEach((insert, n) => session.assign({ artery: arteryOf[n], point: [...insert.point], scope: 'lesion' }));
    const g = opened.series.geometry;
    const labels = session.labelVolume();
    const started = performance.now();
    const images = renderKeyImages({
      hu: opened.series.hu,
      labels,
      columns: g.columns,
      rows: g.rows,
      slices: g.slices,
      pixelSpacingMm: g.pixelSpacingMm,
      sliceIncrementMm: g.sliceIncrementMm,
      sliceLabels: Array.from(g.slicePositionsMm, (z) => `z = ${z.toFixed(1)} mm`),
    });
    const elapsedMs = performance.now() - started;
    console.log(`key images of ${g.columns}x${g.rows}x${g.slices}: ${elapsedMs.toFixed(0)} ms, ${images.map((im) => `${im.widthPx}x${im.heightPx}`).join(', ')}`);
    const axial = images.filter((im) => im.kind === 'axial');
    expect(axial.length).toBeGreaterThanOrEqual(1);
    expect(axial.length).toBeLessThanOrEqual(4);
    for (const im of axial) expect(im.title).toMatch(/^Slice \d+ \(z = -?\d+\.\d mm\): (LAD|LCX|RCA)/);
    const map = images.find((im) => im.kind === 'map')!;
    const png = PNG.sync.read(Buffer.from(map.png));
    const coloured = new Set<string>();
    for (let p = 0; p < png.data.length; p += 4) {
      const rgb = [png.data[p], png.data[p + 1], png.data[p + 2]];
      for (const code of [2, 3, 4]) if (rgb.every((c, n) => c === LABEL_RGB[code][n])) coloured.add(String(code));
    }
    expect([...coloured].sort()).toEqual(['2', '3', '4']);
  }, 60_000);
});
