import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { cacCategory, cacDrs, categoryWording, classicCategory } from '../../../native-worker/risk/categories.js';
import { mesaTenYearChdRisk } from '../../../native-worker/risk/mesa.js';
import { progressionFromPrior } from '../../../native-worker/risk/progression.js';
import type { Artery } from '../../../native-worker/scoring/arteries.js';
import type { CalciumScore } from '../../../native-worker/scoring/scores.js';
import { LABEL_RGB } from '../../../renderer/reading/palette.js';
import { haveTool, projectRoot } from '../../../test/support/sharedData.js';
import { makeTempDir } from '../../../test/support/tempDir.js';
import { sampleReportContent, sampleSignedVersion } from '../../../test/support/reportFixture.js';
import { renderKeyImages, type KeyImage } from '../keyImages.js';
import type { ReportContent, ReportVersion } from '../reportContent.js';
import { ReportPdfError, renderReportPdf } from './reportPdf.js';

const haveTools = haveTool('pdftotext') && haveTool('pdftoppm');

/** A small body with LAD, LCX and RCA calcium (or none), through the real key-image renderer. */
function syntheticKeyImages(withCalcium = true): KeyImage[] {
  const [columns, rows, slices] = [160, 128, 12];
  const hu = new Int16Array(columns * rows * slices).fill(-1000);
  const labels = new Uint8Array(hu.length);
  for (let k = 0; k < slices; k++) {
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < columns; i++) {
        const inBody = ((i - 80) / 70) ** 2 + ((j - 64) / 50) ** 2 <= 1;
        if (inBody) hu[(k * rows + j) * columns + i] = 40;
      }
    }
  }
  if (withCalcium) {
    const boxes = [
      { k: 4, i: 60, j: 50, code: 2 },
      { k: 6, i: 100, j: 60, code: 3 },
      { k: 7, i: 70, j: 80, code: 4 },
    ];
    for (const box of boxes) {
      for (let dj = 0; dj < 6; dj++) {
        for (let di = 0; di < 6; di++) {
          const v = (box.k * rows + box.j + dj) * columns + box.i + di;
          hu[v] = 450;
          labels[v] = box.code;
        }
      }
    }
  }
  return renderKeyImages({ hu, labels, columns, rows, slices, pixelSpacingMm: [0.7, 0.7], sliceIncrementMm: 3 });
}

function zeroContent(): ReportContent {
  const zero: CalciumScore = { agatston: 0, volumeMm3: 0, massMg: 0, lesions: 0 };
  const arteries: Record<Artery, CalciumScore> = { LM: zero, LAD: zero, LCX: zero, RCA: zero };
  const drs = cacDrs(arteries, 0);
  const base = sampleReportContent();
  const factors = { ...base.risk!.factors, cacAgatston: 0 };
  return sampleReportContent({
    scores: { arteries, total: zero },
    categories: { seed: cacCategory(0, false), classic: classicCategory(0, false), cacDrs: drs, wording: categoryWording('cacDrs', drs.grade) },
    risk: { factors, mesa: mesaTenYearChdRisk(factors) },
    progression: null,
    findings: 'No coronary artery calcium.',
    impression: 'CAC-DRS 0.',
  });
}

function uncalibratedContent(): ReportContent {
  const base = sampleReportContent();
  const strip = (s: CalciumScore): CalciumScore => ({ ...s, massMg: null });
  const arteries = Object.fromEntries(Object.entries(base.scores.arteries).map(([a, s]) => [a, strip(s)])) as Record<Artery, CalciumScore>;
  return sampleReportContent({
    scores: { arteries, total: strip(base.scores.total) },
    method: { ...base.method, massFactor: null, massFactorSource: 'none' },
  });
}

function progressingContent(): ReportContent {
  const base = sampleReportContent();
  const prior = { studyInstanceUid: '1.2.3', studyDate: '2021-05-10', agatston: 40.5, volumeMm3: 36, massMg: 8.1 };
  const current = base.scores.total;
  return sampleReportContent({
    progression: {
      prior,
      result: progressionFromPrior(
        { ...prior },
        { agatston: current.agatston, volumeMm3: current.volumeMm3, massMg: current.massMg, studyDate: base.study.studyDate! },
      ),
    },
  });
}

interface Rendered {
  pdf: Uint8Array;
  /** Whole text, whitespace collapsed. */
  text: string;
  pageTexts: string[];
  pages: PNG[];
}

let tmp: { dir: string; remove: () => Promise<void> };
let renderCount = 0;

beforeAll(async () => {
  tmp = await makeTempDir('report-pdf');
});
afterAll(async () => {
  await tmp?.remove();
});

const collapse = (s: string): string => s.replace(/\s+/g, ' ');

async function render(version: ReportVersion, keyImages: KeyImage[] = syntheticKeyImages()): Promise<Rendered> {
  const pdf = await renderReportPdf(version, keyImages, { siteName: 'Riverside Imaging Centre', siteAddress: '12 Harbour Road' });
  const name = `r${++renderCount}`;
  const file = join(tmp.dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const raw = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  const text = collapse(raw);
  const pageTexts = raw.split('\f').map(collapse);
  execFileSync('pdftoppm', ['-png', '-r', '50', file, join(tmp.dir, name)]);
  const pngs = readdirSync(tmp.dir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort();
  const pages = pngs.map((f) => PNG.sync.read(readFileSync(join(tmp.dir, f))));
  return { pdf, text, pageTexts, pages };
}

function luminanceVariance(page: PNG): number {
  let sum = 0;
  let sumSq = 0;
  const n = page.width * page.height;
  for (let p = 0; p < page.data.length; p += 4) {
    const l = 0.299 * page.data[p] + 0.587 * page.data[p + 1] + 0.114 * page.data[p + 2];
    sum += l;
    sumSq += l * l;
  }
  return sumSq / n - (sum / n) ** 2;
}

function pixelsNear(page: PNG, rgb: readonly number[], tolerance = 40): number {
  let count = 0;
  for (let p = 0; p < page.data.length; p += 4) {
    if (Math.abs(page.data[p] - rgb[0]) + Math.abs(page.data[p + 1] - rgb[1]) + Math.abs(page.data[p + 2] - rgb[2]) <= tolerance) count += 1;
  }
  return count;
}

/** The draft watermark: pale red (red at 14 % over white). */
function watermarkPixels(page: PNG): number {
  let count = 0;
  for (let p = 0; p < page.data.length; p += 4) {
    const [r, g, b] = [page.data[p], page.data[p + 1], page.data[p + 2]];
    if (r >= 245 && g >= 195 && g <= 235 && Math.abs(g - b) <= 8) count += 1;
  }
  return count;
}

describe.skipIf(!haveTools)('renderReportPdf', () => {
  it('prints every key fact of the signed fixture, page numbers and the patient summary', async () => {
    const version = sampleSignedVersion();
    const { text, pages, pageTexts } = await render(version);
    const c = version.content;
    for (const fact of [
      'Riverside Imaging Centre',
      'Coronary artery calcium score',
      'PAT-0042',
      'DOE, JOHN',
      '1963-02-14',
      'Male',
      '62 years',
      '2025-11-20 09:30',
      'ACC-77881',
      'SMITH, ANNA',
      'FINAL – signed 2025-11-20 10:15 UTC by Dr Jane Reader',
      // Per artery: Agatston, volume, mass, lesions as printed; then the total.
      'LM 0.0 0.0 0.0 0',
      'LAD 112.4 98.5 21.3 3',
      'LCX 14.3 12.8 2.1 1',
      'RCA 61.1 55.3 11.7 2',
      'Total 187.8 166.5 35.1 6',
      'CAC-DRS A2/N3',
      'Moderate calcified plaque',
      c.categories.wording.text,
      `MESA 10-year CHD risk: ${(c.risk!.mesa as { tenYearRiskPercent: number }).tenYearRiskPercent.toFixed(1)} %`,
      'age 62 years',
      'Prior study 2023-05-10; interval 2.53 years',
      'Agatston 120.5 187.8 +67.3 +26.6',
      'Verdict: no progression beyond measurement noise (square-root volume change +2.40',
      'Warning: Slice thickness is 2.5 mm',
      'CTDIvol 3.1 mGy, DLP (total) 52.7 mGy·cm, effective dose 0.74 mSv',
      'k = 0.014 mSv/(mGy·cm)',
      'Radiation Dose Structured Report',
      "Within the protocol's reference levels",
      'Claustrophobia: anxious in the gantry',
      c.findings,
      c.impression,
      'threshold 130 HU (standard)',
      'A_min) 1.0 mm²',
      'mass factor 0.72205 mg HA/cm³ per HU (phantom calibration for this scanner and kVp)',
      'CAC Workstation 0.1.0, algorithm cac-scoring/1.0.0',
      'Signed by Dr Jane Reader at 2025-11-20 10:15 UTC',
      'Key images',
      'Slice 5: LAD',
      'Calcium map, anterior view',
      'Report 3, version 1',
      // Patient summary (CLINICAL.md 6).
      'Your coronary calcium score (Agatston score) is 188',
      'This is in the category "Moderate calcified plaque"',
      'It does not see soft (non-calcified) plaque, and it does not show whether an artery is narrowed',
      'would lower the risk of heart problems but would not remove it',
      'about 0.7 mSv',
      'about 3 months of natural background radiation',
      'Your doctor will discuss these results with you',
      'It is not medical advice',
    ]) {
      expect(text, fact).toContain(fact);
    }
    expect(pages.length).toBe(4);
    for (let n = 1; n <= pages.length; n++) expect(text).toContain(`page ${n} of ${pages.length}`);
    expect(text).not.toContain('DRAFT');
    for (const page of pages) expect(luminanceVariance(page)).toBeGreaterThan(100);
    // The key-image page shows the artery colours (the legend, the slices and the maps).
    const keyPage = pageTexts.findIndex((p) => p.includes('Key images'));
    expect(keyPage).toBeGreaterThan(0);
    for (const code of [2, 3, 4]) expect(pixelsNear(pages[keyPage], LABEL_RGB[code]), `colour of label ${code}`).toBeGreaterThan(20);
    // ... and the text pages do not.
    expect(pixelsNear(pages[0], LABEL_RGB[2])).toBe(0);
  });

  it('gives the same bytes for the same version, dated at signing', async () => {
    const version = sampleSignedVersion();
    const images = syntheticKeyImages();
    const a = await renderReportPdf(version, images);
    const b = await renderReportPdf(structuredClone(version), syntheticKeyImages());
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const file = join(tmp.dir, 'dated.pdf');
    writeFileSync(file, a);
    const info = execFileSync('pdfinfo', ['-isodates', file], { encoding: 'utf8' });
    expect(info).toMatch(/CreationDate:\s+2025-11-20T10:15:42/);
    // A draft is dated at its creation.
    const draft = await renderReportPdf({ ...version, status: 'draft', signedAt: null, signedBy: null }, images);
    writeFileSync(file, draft);
    expect(execFileSync('pdfinfo', ['-isodates', file], { encoding: 'utf8' })).toMatch(/CreationDate:\s+2025-11-20T10:02:00/);
  });

  it('gives the same bytes in another process and time zone (a resend after a restart)', async () => {
    const here = createHash('sha256').update(await renderReportPdf(sampleSignedVersion(), [])).digest('hex');
    const script = [
      `import { renderReportPdf } from ${JSON.stringify(join(projectRoot, 'main/report/pdf/reportPdf.ts'))};`,
      `import { sampleSignedVersion } from ${JSON.stringify(join(projectRoot, 'test/support/reportFixture.ts'))};`,
      "import { createHash } from 'node:crypto';",
      "console.log(createHash('sha256').update(await renderReportPdf(sampleSignedVersion(), [])).digest('hex'));",
    ].join('\n');
    const there = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: projectRoot,
      env: { ...process.env, TZ: 'Pacific/Kiritimati', LANG: 'de_DE.UTF-8' },
      encoding: 'utf8',
    }).trim();
    expect(there).toBe(here);
  }, 60_000);

  it('marks a draft on every page and says it is not signed', async () => {
    const version: ReportVersion = { ...sampleSignedVersion(), status: 'draft', signedAt: null, signedBy: null, contentSha256: null };
    const { text, pageTexts, pages } = await render(version);
    expect(text).toContain('DRAFT – not signed');
    expect(text).toContain('Not signed. This is a draft');
    expect(text).not.toContain('Signed by');
    // On every page, the patient summary included: in the footer, and as the faint red watermark.
    const printed = pageTexts.filter((p) => p.trim() !== '');
    expect(printed).toHaveLength(pages.length);
    for (const page of printed) expect(page).toContain('DRAFT – not signed');
    for (const page of pages) expect(watermarkPixels(page)).toBeGreaterThan(500);
    const signed = await render(sampleSignedVersion());
    expect(watermarkPixels(signed.pages[0])).toBeLessThan(50);
  });

  it('says what an amended version amends and why', async () => {
    const version: ReportVersion = {
      ...sampleSignedVersion(),
      version: 2,
      createdAt: '2025-11-21T08:00:00.000Z',
      signedAt: '2025-11-21T08:05:00.000Z',
      amends: { version: 1, reason: 'LCX lesion reassigned to LAD' },
    };
    const { text } = await render(version);
    expect(text).toContain('AMENDED (version 2, reason: LCX lesion reassigned to LAD; replaces version 1) – signed 2025-11-21 08:05 UTC by Dr Jane Reader');
    expect(text).toContain('This version 2 amends version 1. Reason: LCX lesion reassigned to LAD');
    expect(text).toContain('Report 3, version 2');
    expect(text).not.toContain('FINAL');
  });

  it('prints a zero score as CAC-DRS 0 with the zero wording and no axial images', async () => {
    const { text, pages, pageTexts } = await render(sampleSignedVersion(zeroContent()), syntheticKeyImages(false));
    expect(text).toContain('Total 0.0 0.0 0.0 0');
    expect(text).toContain('CAC-DRS 0');
    expect(text).toContain('No detectable calcified plaque');
    expect(text).toContain('no axial key images');
    expect(text).toContain('Your coronary calcium score (Agatston score) is 0');
    expect(text).toContain('Your score of 0 is reassuring: it lowers your risk of heart problems, but it does not remove it.');
    expect(text).toContain('No earlier scored study of this patient');
    const keyPage = pageTexts.findIndex((p) => p.includes('Key images'));
    // Only the legend swatches carry colour, not the maps.
    expect(pixelsNear(pages[keyPage], LABEL_RGB[4])).toBeLessThan(60);
  });

  it('says "not calibrated" for mass without a calibration', async () => {
    const { text } = await render(sampleSignedVersion(uncalibratedContent()));
    expect(text).toContain('LAD 112.4 98.5 not calibrated 3');
    expect(text).toContain('Total 187.8 166.5 not calibrated 6');
    expect(text).toContain('Mass not reported: no calcium mass calibration');
    expect(text).toContain('no mass calibration: mass not reported');
  });

  it('prints LM in one row with the LAD when the site reports them together (display.reportLmWithLad)', async () => {
    const base = sampleReportContent();
    const arteries = { ...base.scores.arteries, LM: { agatston: 10, volumeMm3: 8.5, massMg: 1.7, lesions: 1 } };
    const { text } = await render(sampleSignedVersion(sampleReportContent({ scores: { ...base.scores, arteries }, lmWithLad: true })));
    expect(text).toContain('LM + LAD 122.4 107.0 23.0 4');
    expect(text).not.toMatch(/\bLM 10\.0\b/);
  });

  it('gives the reason when MESA cannot be computed (age 40)', async () => {
    const base = sampleReportContent();
    const factors = { ...base.risk!.factors, ageYears: 40 };
    const content = sampleReportContent({ patient: { ...base.patient, ageYears: 40 }, risk: { factors, mesa: mesaTenYearChdRisk(factors) } });
    const { text } = await render(sampleSignedVersion(content));
    expect(text).toContain('MESA risk not calculated: the MESA model is valid for ages 45-85; the patient is 40 years old.');
    expect(text).not.toContain('MESA 10-year CHD risk:');
  });

  it('handles no prior study, no dose, no risk factors, and a dose above the reference level', async () => {
    const none = await render(sampleSignedVersion(sampleReportContent({ progression: null, dose: null, risk: null })));
    expect(none.text).toContain('No earlier scored study of this patient in the archive.');
    expect(none.text).toContain('No dose record for this study.');
    expect(none.text).toContain('Risk factors were not entered: MESA risk not calculated.');
    expect(none.text).toContain('The radiation dose of this scan is not recorded in this report');
    expect(none.text).not.toContain('Compared with your previous scan');

    const base = sampleReportContent();
    const high = await render(
      sampleSignedVersion(sampleReportContent({ dose: { ...base.dose!, ctdivolMgy: 9.8, dlpTotalMgyCm: 180, effectiveDoseMsv: 2.52, aboveReference: true, aboveReferenceReason: 'BMI 41, rescan after breath-hold failure' } })),
    );
    expect(high.text).toContain("Above the protocol's reference level. Reason given: BMI 41, rescan after breath-hold failure.");
    expect(high.text).toContain('about 10 months of natural background radiation');
  });

  it('prints the progression verdict when sqrt(volume) grows by 2.5 or more', async () => {
    const { text } = await render(sampleSignedVersion(progressingContent()));
    expect(text).toContain('Verdict: progression (square-root volume change +6.90');
    expect(text).toContain('the amount of calcified plaque has grown');
  });

  it('wraps a long findings text onto further pages with nothing lost', async () => {
    const sentences = Array.from({ length: 220 }, (_, n) => `Finding sentence ${n + 1} describes the calcified plaque in some detail.`);
    const content = sampleReportContent({ findings: sentences.join(' ') });
    const { text, pages } = await render(sampleSignedVersion(content));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(text).toContain('Finding sentence 1 describes');
    expect(text).toContain('Finding sentence 220 describes the calcified plaque in some detail.');
    expect(text).toContain(content.impression);
    for (let n = 1; n <= pages.length; n++) expect(text).toContain(`page ${n} of ${pages.length}`);
    for (const page of pages) expect(luminanceVariance(page)).toBeGreaterThan(100);
  });

  it('prints non-Latin names readably (transliterated or replaced), never as garbage', async () => {
    const cases: Array<[string, string]> = [
      ['ØSTER^Åsa', 'ØSTER, Åsa'],
      ['Łukasz^Żółć', 'Lukasz, Zólc'],
      ['Иванов^Иван', 'Ivanov, Ivan'],
      ['Yamada^Tarou=山田^太郎=やまだ^たろう', 'Yamada, Tarou'],
      ['山田^太郎', '(name in a script this PDF font cannot print; see patient ID)'],
    ];
    for (const [name, printed] of cases) {
      const base = sampleReportContent();
      const content = sampleReportContent({ patient: { ...base.patient, name }, findings: 'Calcium 😀 noted — “LAD” ≥ 100 → see images.' });
      const { text } = await render(sampleSignedVersion(content));
      expect(text, name).toContain(printed);
      expect(text).toContain('Calcium noted — “LAD” >= 100 -> see images.');
      expect(text).not.toMatch(/Ø=|\uFFFD|[\u0400-\u04FF\u3040-\u30FF\u4E00-\u9FFF]/u);
    }
  }, 60_000);

  it('refuses a version whose time cannot date the PDF', async () => {
    await expect(renderReportPdf({ ...sampleSignedVersion(), signedAt: 'yesterday' }, [])).rejects.toThrow(ReportPdfError);
    await expect(renderReportPdf({ ...sampleSignedVersion(), signedAt: 'yesterday' }, [])).rejects.toThrow(/"yesterday" is not a valid signing time/);
  });
});
