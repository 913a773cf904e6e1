/**
 * The report PDF (CLINICAL.md 3 and 6): the clinician's report a radiologist signs, the key images,
 * and a plain-language summary page for the patient, all from one report version.
 *
 * Deterministic on purpose: the same version and key images always give the same bytes (fixed
 * CreationDate = signedAt or createdAt, a document ID derived from the info dictionary, no clock),
 * because the DICOM Encapsulated PDF built from it must be identical when it is sent again.
 * Only pdfkit's standard fonts are used (nothing to embed or find on the machine), so every string
 * goes through toWinAnsi first.
 */
import PDFDocument from 'pdfkit';
import { ARTERIES } from '../../../native-worker/scoring/arteries.js';
import { arteryRows } from '../arteryRows.js';
import { HOKANSON_SQRT_VOLUME_THRESHOLD } from '../../../native-worker/risk/progression.js';
import { LABEL_CODE } from '../../../native-worker/scoring/arteries.js';
import { LABEL_RGB } from '../../../renderer/reading/palette.js';
import { AXIAL_WINDOW, type KeyImage } from '../keyImages.js';
import type { ReportVersion } from '../reportContent.js';
import { shortSha256 } from '../signature.js';
import { ROLE_LABELS } from '../../auth/roles.js';
import { patientSummary } from './patientSummary.js';
import {
  DOSE_SOURCE_TEXT,
  formatChange,
  formatDate,
  formatDlpTotal,
  formatMass,
  formatScore,
  formatSex,
  formatTime,
  formatTimestamp,
  massFactorSourceText,
  mesaInputPhrases,
  thresholdSourceText,
} from './reportFormat.js';
import { printablePersonName, toWinAnsi } from './winAnsiText.js';

export interface ReportPdfOptions {
  siteName?: string;
  siteAddress?: string;
}

export class ReportPdfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportPdfError';
  }
}

const PAGE = { width: 595.28, height: 841.89 } as const;
const MARGIN = { top: 56, bottom: 56, left: 50, right: 50 } as const;
const LEFT = MARGIN.left;
const WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const BOTTOM = PAGE.height - MARGIN.bottom;

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const ITALIC = 'Helvetica-Oblique';
const SIZE = { body: 9.5, small: 8, heading: 11, title: 15 } as const;
const COLOUR = {
  text: '#111111',
  muted: '#555555',
  rule: '#999999',
  band: '#eef1f5',
  warning: '#9a3412',
  draft: '#c00000',
  final: '#14532d',
} as const;

type Doc = PDFKit.PDFDocument;

/** Text through the WinAnsi filter: the only way strings reach the page. */
const t = toWinAnsi;

function ensureSpace(doc: Doc, heightPt: number): void {
  if (doc.y + heightPt > BOTTOM) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  // Room for the heading and the first lines or rows under it: no heading alone at a page foot.
  ensureSpace(doc, 80);
  doc.moveDown(0.45);
  doc.font(BOLD).fontSize(SIZE.heading).fillColor(COLOUR.text).text(t(text), LEFT, doc.y, { width: WIDTH });
  const y = doc.y + 1;
  doc.moveTo(LEFT, y).lineTo(LEFT + WIDTH, y).lineWidth(0.5).strokeColor(COLOUR.rule).stroke();
  doc.y = y + 4;
}

function paragraph(doc: Doc, text: string, options: { font?: string; size?: number; colour?: string; indent?: number } = {}): void {
  const indent = options.indent ?? 0;
  doc
    .font(options.font ?? FONT)
    .fontSize(options.size ?? SIZE.body)
    .fillColor(options.colour ?? COLOUR.text)
    .text(t(text), LEFT + indent, doc.y, { width: WIDTH - indent, lineGap: 1.5 });
  doc.moveDown(0.25);
}

function bullet(doc: Doc, text: string, colour: string = COLOUR.text): void {
  ensureSpace(doc, 14);
  const y = doc.y;
  doc.font(FONT).fontSize(SIZE.body).fillColor(colour).text('•', LEFT + 4, y, { width: 10, lineBreak: false });
  doc.text(t(text), LEFT + 14, y, { width: WIDTH - 14, lineGap: 1.5 });
  doc.moveDown(0.15);
}

/** "Label: value" lines in a column; returns the y below the column. */
function labelledLines(doc: Doc, x: number, y: number, width: number, lines: Array<[string, string]>, labelWidth: number): number {
  let cursor = y;
  for (const [label, value] of lines) {
    doc.font(FONT).fontSize(SIZE.small).fillColor(COLOUR.muted).text(t(label), x, cursor + 1, { width: labelWidth, lineBreak: false });
    doc.font(BOLD).fontSize(SIZE.body).fillColor(COLOUR.text).text(t(value), x + labelWidth, cursor, { width: width - labelWidth });
    cursor = Math.max(doc.y, cursor + 13) + 1;
  }
  return cursor;
}

interface Column {
  header: string;
  width: number;
  align: 'left' | 'right';
}

/** A simple ruled table; rows flagged bold get a rule above (the total). */
function table(doc: Doc, columns: Column[], rows: Array<{ cells: string[]; bold?: boolean }>): void {
  const rowHeight = 15;
  const padding = 5;
  ensureSpace(doc, rowHeight * Math.min(rows.length + 1, 4));
  let y = doc.y;
  const drawRow = (cells: string[], font: string, fill: string | null): void => {
    if (fill !== null) doc.rect(LEFT, y, WIDTH, rowHeight).fill(fill);
    let x = LEFT;
    cells.forEach((cell, n) => {
      const column = columns[n];
      doc.font(font).fontSize(SIZE.body).fillColor(COLOUR.text).text(t(cell), x + padding, y + 4, {
        width: column.width - 2 * padding,
        align: column.align,
        lineBreak: false,
      });
      x += column.width;
    });
    y += rowHeight;
  };
  drawRow(columns.map((c) => c.header), BOLD, COLOUR.band);
  rows.forEach((row, n) => {
    if (y + rowHeight > BOTTOM) {
      doc.addPage();
      y = doc.y;
    }
    if (row.bold) doc.moveTo(LEFT, y).lineTo(LEFT + WIDTH, y).lineWidth(0.8).strokeColor(COLOUR.text).stroke();
    drawRow(row.cells, row.bold ? BOLD : FONT, n % 2 === 1 && !row.bold ? '#f7f7f7' : null);
  });
  doc.moveTo(LEFT, y).lineTo(LEFT + WIDTH, y).lineWidth(0.5).strokeColor(COLOUR.rule).stroke();
  doc.y = y + 6;
  doc.x = LEFT;
}

function statusLine(version: ReportVersion): { text: string; colour: string; watermark: string | null } {
  const signed = version.signedAt !== null && version.signedBy !== null;
  const amendment = version.amends ? `AMENDED (version ${version.version}, reason: ${version.amends.reason}; replaces version ${version.amends.version})` : null;
  if (version.status === 'draft' || !signed) {
    const text = amendment ? `DRAFT – not signed. ${amendment}` : 'DRAFT – not signed';
    return { text, colour: COLOUR.draft, watermark: 'DRAFT – not signed' };
  }
  const signature = `signed ${formatTimestamp(version.signedAt!)} by ${version.signature?.printedName ?? version.signedBy}`;
  if (version.status === 'superseded') {
    return { text: `SUPERSEDED by a later amended version (this version ${version.version} was ${signature})`, colour: COLOUR.draft, watermark: 'SUPERSEDED' };
  }
  // An amendment stands out (amber): the reader of a paper copy must notice it replaced another.
  return amendment ? { text: `${amendment} – ${signature}`, colour: COLOUR.warning, watermark: null } : { text: `FINAL – ${signature}`, colour: COLOUR.final, watermark: null };
}

function creationDate(version: ReportVersion): Date {
  const when = version.signedAt ?? version.createdAt;
  const ms = Date.parse(when);
  if (Number.isNaN(ms)) {
    throw new ReportPdfError(`report ${version.reportId} version ${version.version}: "${when}" is not a valid ${version.signedAt ? 'signing' : 'creation'} time, so the PDF cannot be dated`);
  }
  return new Date(ms);
}

function siteHeader(doc: Doc, title: string, options: ReportPdfOptions): void {
  const top = MARGIN.top - 16;
  doc.font(BOLD).fontSize(SIZE.heading).fillColor(COLOUR.text).text(t(options.siteName ?? ''), LEFT, top, { width: WIDTH / 2 });
  if (options.siteAddress) doc.font(FONT).fontSize(SIZE.small).fillColor(COLOUR.muted).text(t(options.siteAddress), LEFT, doc.y, { width: WIDTH / 2 });
  const leftBottom = doc.y;
  doc.font(BOLD).fontSize(SIZE.title).fillColor(COLOUR.text).text(t(title), LEFT + WIDTH / 2, top, { width: WIDTH / 2, align: 'right' });
  const y = Math.max(leftBottom, doc.y) + 4;
  doc.moveTo(LEFT, y).lineTo(LEFT + WIDTH, y).lineWidth(1.2).strokeColor(COLOUR.text).stroke();
  doc.y = y + 8;
}

function patientBlock(doc: Doc, version: ReportVersion): void {
  const { patient, study } = version.content;
  const columnWidth = WIDTH / 2 - 8;
  const y = doc.y;
  const time = formatTime(study.studyTime);
  const left = labelledLines(doc, LEFT, y, columnWidth, [
    ['Patient', printablePersonName(patient.name)],
    ['Patient ID', patient.patientId],
    ['Birth date', formatDate(patient.birthDate)],
    ['Sex', formatSex(patient.sex)],
    ['Age', patient.ageYears === null ? 'not recorded' : `${patient.ageYears} years`],
  ], 62);
  const right = labelledLines(doc, LEFT + WIDTH / 2 + 8, y, columnWidth, [
    ['Study date', `${formatDate(study.studyDate)}${time ? ` ${time}` : ''}`],
    ['Accession', study.accessionNumber ?? 'not recorded'],
    ['Referring', study.referringPhysician ? printablePersonName(study.referringPhysician) : 'not recorded'],
    ['Study', study.description ?? 'not recorded'],
  ], 62);
  doc.y = Math.max(left, right) + 4;
  doc.x = LEFT;
}

function statusBox(doc: Doc, version: ReportVersion): void {
  const status = statusLine(version);
  doc.font(BOLD).fontSize(SIZE.body);
  const height = doc.heightOfString(t(status.text), { width: WIDTH - 12 }) + 8;
  const y = doc.y;
  doc.rect(LEFT, y, WIDTH, height).lineWidth(1).strokeColor(status.colour).stroke();
  doc.fillColor(status.colour).text(t(status.text), LEFT + 6, y + 4.5, { width: WIDTH - 12 });
  doc.y = y + height + 4;
  doc.x = LEFT;
}

function scoreSection(doc: Doc, version: ReportVersion): void {
  const { scores, method } = version.content;
  heading(doc, 'Calcium scores');
  const columns: Column[] = [
    { header: 'Artery', width: 95, align: 'left' },
    { header: 'Agatston', width: 95, align: 'right' },
    { header: 'Volume (mm³)', width: 105, align: 'right' },
    { header: 'Mass (mg HA)', width: 115, align: 'right' },
    { header: 'Lesions', width: WIDTH - 410, align: 'right' },
  ];
  const row = (name: string, s: (typeof scores)['total'], bold = false) => ({
    cells: [name, formatScore(s.agatston), formatScore(s.volumeMm3), formatMass(s.massMg), String(s.lesions)],
    bold,
  });
  table(doc, columns, [...arteryRows(scores.arteries, version.content.lmWithLad ?? false).map(({ label, score }) => row(label, score)), row('Total', scores.total, true)]);
  if (method.massFactor === null) {
    paragraph(doc, 'Mass not reported: no calcium mass calibration is known for this scanner and kVp.', { size: SIZE.small, colour: COLOUR.muted });
  }
}

function categorySection(doc: Doc, version: ReportVersion): void {
  const { categories } = version.content;
  heading(doc, 'Category');
  const y = doc.y;
  doc.font(BOLD).fontSize(SIZE.heading).fillColor(COLOUR.text).text(t(categories.cacDrs.text), LEFT, y, { width: 150 });
  doc.font(BOLD).fontSize(SIZE.body).text(t(categories.seed.label), LEFT + 160, y + 1, { width: WIDTH - 160 });
  doc.font(FONT).fontSize(SIZE.body).text(t(categories.wording.text), LEFT + 160, doc.y + 1, { width: WIDTH - 160, lineGap: 1.5 });
  doc.font(FONT).fontSize(SIZE.small).fillColor(COLOUR.muted)
    .text(t(`Classic five-tier scale: ${categories.classic.label}.${categories.wording.fromSite ? ' Category wording: site text.' : ''}`), LEFT + 160, doc.y + 2, { width: WIDTH - 160 });
  doc.x = LEFT;
  doc.moveDown(0.3);
}

function riskSection(doc: Doc, version: ReportVersion): void {
  const { risk } = version.content;
  heading(doc, '10-year coronary heart disease risk (MESA, with CAC)');
  if (risk === null) {
    paragraph(doc, 'Risk factors were not entered: MESA risk not calculated.');
    return;
  }
  if (risk.mesa.ok) {
    paragraph(doc, `MESA 10-year CHD risk: ${risk.mesa.tenYearRiskPercent.toFixed(1)} %`, { font: BOLD });
  } else {
    paragraph(doc, risk.mesa.reason, { font: BOLD, colour: COLOUR.warning });
  }
  paragraph(doc, `Inputs: ${mesaInputPhrases(risk.factors).join(', ')}.`, { size: SIZE.small, colour: COLOUR.muted });
  paragraph(doc, 'McClelland et al., JACC 2015;66:1643 (valid for ages 45-85).', { size: SIZE.small, colour: COLOUR.muted });
}

function progressionSection(doc: Doc, version: ReportVersion): void {
  const { progression } = version.content;
  heading(doc, 'Progression against the prior study');
  if (progression === null) {
    paragraph(doc, 'No earlier scored study of this patient in the archive.');
    return;
  }
  const { prior, result } = progression;
  paragraph(doc, `Prior study ${prior.studyDate}; interval ${result.intervalYears.toFixed(2)} years (${result.intervalDays} days).`);
  const changeRow = (name: string, change: typeof result.agatston, format: (v: number | null) => string) => ({
    cells: [name, format(change.prior), format(change.current), formatChange(change.absoluteChange), formatChange(change.annualisedChange)],
  });
  const score = (v: number | null): string => (v === null ? 'not calibrated' : formatScore(v));
  table(
    doc,
    [
      { header: 'Score', width: 110, align: 'left' },
      { header: 'Prior', width: 95, align: 'right' },
      { header: 'Current', width: 95, align: 'right' },
      { header: 'Change', width: 95, align: 'right' },
      { header: 'Per year', width: WIDTH - 395, align: 'right' },
    ],
    [changeRow('Agatston', result.agatston, score), changeRow('Volume (mm³)', result.volumeMm3, score), changeRow('Mass (mg HA)', result.massMg, score)],
  );
  if (result.annualisedUnavailableReason) paragraph(doc, `No annual rate: ${result.annualisedUnavailableReason}.`, { colour: COLOUR.warning });
  const verdict = result.progression ? 'progression' : 'no progression beyond measurement noise';
  paragraph(
    doc,
    `Verdict: ${verdict} (square-root volume change ${formatChange(result.sqrtVolumeChange, 2)}; progression when >= ${HOKANSON_SQRT_VOLUME_THRESHOLD}, Hokanson et al., AJR 2004).`,
    { font: BOLD },
  );
}

function acquisitionSection(doc: Doc, version: ReportVersion): void {
  const { series, warnings } = version.content;
  heading(doc, 'Acquisition');
  const facts = [
    series.seriesNumber === null ? null : `series ${series.seriesNumber}`,
    `${series.slices} slices`,
    `slice thickness ${series.sliceThicknessMm === null ? 'not recorded' : `${series.sliceThicknessMm.toFixed(2)} mm`}`,
    `increment ${series.sliceIncrementMm.toFixed(2)} mm`,
    `pixel spacing ${series.pixelSpacingMm[0].toFixed(3)} x ${series.pixelSpacingMm[1].toFixed(3)} mm`,
    `${series.kvp === null ? 'kVp not recorded' : `${series.kvp} kVp`}`,
  ].filter((fact): fact is string => fact !== null);
  paragraph(doc, `${facts.join(', ')}.`);
  if (warnings.length === 0) paragraph(doc, 'No acquisition warnings.', { colour: COLOUR.muted });
  for (const warning of warnings) bullet(doc, `Warning: ${warning.message}`, COLOUR.warning);
}

function doseSection(doc: Doc, version: ReportVersion): void {
  const { dose } = version.content;
  heading(doc, 'Radiation dose');
  if (dose === null) {
    paragraph(doc, 'No dose record for this study.');
    return;
  }
  const parts = [
    `CTDIvol ${dose.ctdivolMgy === null ? 'not recorded' : `${dose.ctdivolMgy.toFixed(1)} mGy`}`,
    `DLP (total) ${formatDlpTotal(dose)}`,
    `effective dose ${dose.effectiveDoseMsv === null ? 'not calculated' : `${dose.effectiveDoseMsv.toFixed(2)} mSv`}`,
  ];
  paragraph(doc, `${parts.join(', ')}.`, { font: BOLD });
  paragraph(doc, `Effective dose = k x DLP, k = ${dose.kFactor} mSv/(mGy·cm) (${dose.kFactorSource}). Source: ${DOSE_SOURCE_TEXT[dose.source] ?? dose.source}.`, {
    size: SIZE.small,
    colour: COLOUR.muted,
  });
  for (const note of dose.notes ?? []) bullet(doc, `Note: ${note}.`, COLOUR.warning);
  if (dose.aboveReference) {
    paragraph(doc, `Above the protocol's reference level. Reason given: ${dose.aboveReferenceReason ?? 'none recorded'}.`, { font: BOLD, colour: COLOUR.warning });
  } else {
    paragraph(doc, "Within the protocol's reference levels.");
  }
}

function notesAndText(doc: Doc, version: ReportVersion): void {
  const { procedureNotes, findings, impression } = version.content;
  heading(doc, 'Procedure notes');
  if (procedureNotes.length === 0) paragraph(doc, 'None.', { colour: COLOUR.muted });
  for (const note of procedureNotes) bullet(doc, note);
  heading(doc, 'Findings');
  paragraph(doc, findings.trim() === '' ? 'None entered.' : findings);
  heading(doc, 'Impression');
  paragraph(doc, impression.trim() === '' ? 'None entered.' : impression, { font: BOLD });
}

function methodSection(doc: Doc, version: ReportVersion): void {
  const { method, reading } = version.content;
  heading(doc, 'Method');
  const weights = method.weightBoundsHu.map((bound, n) => `${n + 1} from ${bound} HU`).join(', ');
  const mass =
    method.massFactor === null
      ? 'no mass calibration: mass not reported'
      : `mass factor ${method.massFactor} mg HA/cm³ per HU (${massFactorSourceText(method.massFactorSource)})`;
  const series = version.content.series;
  paragraph(
    doc,
    `Agatston scoring: threshold ${method.thresholdHu} HU (${thresholdSourceText(method.thresholdSource, series.kvp)}); density weights ${weights}; ` +
      `minimum plaque area (A_min) ${method.minAreaMm2.toFixed(1)} mm²; ${mass}. ` +
      `${method.software}, algorithm ${method.algorithmVersion}; reading ${reading.readingId} revision ${reading.revision} by ${reading.reader}.`,
  );
}

function signOffSection(doc: Doc, version: ReportVersion): void {
  heading(doc, 'Sign-off');
  const { signature } = version;
  if (signature && version.status !== 'draft') {
    // The electronic signature as bound (signature.ts): who, as what, when (UTC and the site's time), what it means, what it covers.
    paragraph(doc, `Electronically signed by ${signature.printedName}, ${(ROLE_LABELS as Record<string, string>)[signature.role] ?? signature.role}.`, { font: BOLD });
    paragraph(doc, `Meaning of the signature: ${signature.meaning}.`);
    paragraph(doc, `Signed at ${signature.signedAtUtc.replace(/\.\d+Z$/, 'Z')} UTC (${signature.signedAtLocal} ${signature.timeZone}).`);
    paragraph(doc, `Signed content SHA-256: ${shortSha256(signature.contentSha256)} ...; signature binding ${shortSha256(signature.bindingSha256)} ...`, { size: SIZE.small });
  } else if (version.signedAt !== null && version.signedBy !== null && version.status !== 'draft') {
    paragraph(doc, `Signed by ${version.signedBy} at ${formatTimestamp(version.signedAt)}.`, { font: BOLD });
  } else {
    paragraph(doc, 'Not signed. This is a draft and must not be used for patient care.', { font: BOLD, colour: COLOUR.draft });
  }
  if (version.amends) paragraph(doc, `This version ${version.version} amends version ${version.amends.version}. Reason: ${version.amends.reason}`);
  const hash = version.contentSha256 ? `; content SHA-256 ${version.contentSha256}` : '';
  paragraph(doc, `Version ${version.version} created by ${version.createdBy} at ${formatTimestamp(version.createdAt)}${hash}.`, { size: SIZE.small, colour: COLOUR.muted });
}

function legend(doc: Doc): void {
  let x = LEFT;
  const y = doc.y;
  doc.font(FONT).fontSize(SIZE.small).fillColor(COLOUR.muted).text('Colours:', x, y + 1, { lineBreak: false });
  x += 40;
  for (const artery of ARTERIES) {
    const [r, g, b] = LABEL_RGB[LABEL_CODE[artery]];
    doc.rect(x, y, 10, 10).fill([r, g, b]);
    doc.fillColor(COLOUR.text).text(artery, x + 13, y + 1, { lineBreak: false });
    x += 50;
  }
  doc.y = y + 16;
  doc.x = LEFT;
}

function keyImagesSection(doc: Doc, keyImages: KeyImage[]): void {
  doc.addPage();
  heading(doc, 'Key images');
  if (keyImages.length === 0) {
    paragraph(doc, 'No key images were made for this report.');
    return;
  }
  legend(doc);
  const axial = keyImages.filter((image) => image.kind === 'axial');
  const maps = keyImages.filter((image) => image.kind === 'map');
  if (axial.length === 0) {
    paragraph(doc, 'No calcium was assigned to a coronary artery, so there are no axial key images.', { colour: COLOUR.muted });
  } else {
    paragraph(doc, `Axial slices with the most calcium of each artery, window W ${AXIAL_WINDOW.widthHu} / L ${AXIAL_WINDOW.levelHu} HU; calcium coloured by artery.`, { size: SIZE.small, colour: COLOUR.muted });
  }
  grid(doc, axial, 170);
  if (maps.length > 0) {
    // The caption stays with the first row of maps.
    ensureSpace(doc, MAP_CELL_HEIGHT_PT + 60);
    paragraph(doc, 'Calcium map: maximum-intensity projections of the coronary calcium, coloured by artery, over a faint projection of the body; superior at the top.', {
      size: SIZE.small,
      colour: COLOUR.muted,
    });
    grid(doc, maps, MAP_CELL_HEIGHT_PT);
  }
}

const MAP_CELL_HEIGHT_PT = 150;

/** Images two to a row, each fitted (aspect kept) in a cell, with its title below. */
function grid(doc: Doc, images: KeyImage[], cellHeightPt: number): void {
  const gap = 15;
  const cellWidth = (WIDTH - gap) / 2;
  for (let n = 0; n < images.length; n += 2) {
    const row = images.slice(n, n + 2);
    ensureSpace(doc, cellHeightPt + 30);
    const y = doc.y;
    let bottom = y;
    row.forEach((image, c) => {
      const x = LEFT + c * (cellWidth + gap);
      const scale = Math.min(cellWidth / image.widthPx, cellHeightPt / image.heightPx);
      const w = image.widthPx * scale;
      const h = image.heightPx * scale;
      doc.image(Buffer.from(image.png), x + (cellWidth - w) / 2, y, { width: w, height: h });
      doc.font(FONT).fontSize(SIZE.small).fillColor(COLOUR.text).text(t(image.title), x, y + h + 3, { width: cellWidth, align: 'center' });
      bottom = Math.max(bottom, doc.y);
    });
    doc.y = bottom + 10;
    doc.x = LEFT;
  }
}

function patientSummaryPage(doc: Doc, version: ReportVersion, options: ReportPdfOptions): void {
  const summary = patientSummary(version.content);
  const { patient, study } = version.content;
  doc.addPage();
  siteHeader(doc, 'Your scan result', options);
  doc.font(BOLD).fontSize(SIZE.title).fillColor(COLOUR.text).text(t(summary.title), LEFT, doc.y, { width: WIDTH });
  doc.moveDown(0.3);
  paragraph(doc, `For ${printablePersonName(patient.name)} (born ${formatDate(patient.birthDate)}), scan of ${formatDate(study.studyDate)}.`, { colour: COLOUR.muted });
  for (const section of summary.sections) {
    ensureSpace(doc, 50);
    doc.moveDown(0.4);
    doc.font(BOLD).fontSize(SIZE.heading + 0.5).fillColor(COLOUR.text).text(t(section.heading), LEFT, doc.y, { width: WIDTH });
    doc.moveDown(0.2);
    for (const text of section.paragraphs) paragraph(doc, text, { size: SIZE.body + 1 });
  }
}

/** Footer, running header and the draft watermark on every page, once the page count is known. */
function decoratePages(doc: Doc, version: ReportVersion): void {
  const { watermark } = statusLine(version);
  const range = doc.bufferedPageRange();
  const { patient, study } = version.content;
  for (let n = range.start; n < range.start + range.count; n++) {
    doc.switchToPage(n);
    // Writing below the bottom margin would make pdfkit start a new page.
    const margins = { ...doc.page.margins };
    doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    const footerY = PAGE.height - 36;
    doc.moveTo(LEFT, footerY - 4).lineTo(LEFT + WIDTH, footerY - 4).lineWidth(0.5).strokeColor(COLOUR.rule).stroke();
    doc.font(FONT).fontSize(SIZE.small).fillColor(COLOUR.muted);
    // The watermark is faint and not extractable text, so the footer says it too.
    const flag = watermark === null ? '' : `  ·  ${watermark}`;
    doc.text(t(`Report ${version.reportId}, version ${version.version}${flag}  ·  Patient ID ${patient.patientId}`), LEFT, footerY, { width: WIDTH * 0.7, lineBreak: false });
    doc.text(`page ${n - range.start + 1} of ${range.count}`, LEFT + WIDTH * 0.7, footerY, { width: WIDTH * 0.3, align: 'right', lineBreak: false });
    if (n > range.start) {
      doc.text(t(`${printablePersonName(patient.name)}  ·  ${patient.patientId}  ·  study ${formatDate(study.studyDate)}  ·  Coronary artery calcium score`), LEFT, 24, {
        width: WIDTH,
        lineBreak: false,
      });
    }
    if (watermark !== null) {
      doc.save();
      doc.font(BOLD).fontSize(58).fillColor(COLOUR.draft).opacity(0.14);
      const text = t(watermark);
      const w = doc.widthOfString(text);
      doc.rotate(-50, { origin: [PAGE.width / 2, PAGE.height / 2] });
      doc.text(text, PAGE.width / 2 - w / 2, PAGE.height / 2 - 29, { lineBreak: false });
      doc.restore();
    }
    doc.page.margins = margins;
  }
}

/**
 * The report PDF: the clinician's report (header, status, scores, category, risk, progression,
 * acquisition, dose, notes, findings, impression, method, sign-off), the key images, then the
 * patient summary page. A4; the same input always gives the same bytes.
 */
export async function renderReportPdf(version: ReportVersion, keyImages: KeyImage[], options: ReportPdfOptions = {}): Promise<Uint8Array> {
  const created = creationDate(version);
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    compress: true,
    info: {
      Title: t(`Coronary artery calcium score, report ${version.reportId} version ${version.version}`),
      Author: t(version.signedBy ?? version.createdBy),
      Subject: 'Coronary artery calcium score',
      Creator: t(version.content.method.software),
      Producer: t(version.content.method.software),
      CreationDate: created,
      ModDate: created,
    },
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });

  siteHeader(doc, 'Coronary artery calcium score', options);
  patientBlock(doc, version);
  statusBox(doc, version);
  scoreSection(doc, version);
  categorySection(doc, version);
  riskSection(doc, version);
  progressionSection(doc, version);
  acquisitionSection(doc, version);
  doseSection(doc, version);
  notesAndText(doc, version);
  methodSection(doc, version);
  signOffSection(doc, version);
  keyImagesSection(doc, keyImages);
  patientSummaryPage(doc, version, options);
  decoratePages(doc, version);
  doc.end();
  return finished;
}
