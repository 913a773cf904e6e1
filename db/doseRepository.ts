/**
 * The dose log: one immutable row per recorded dose of a study (RDSR, image headers or manual
 * entry), with the effective dose, its k and the reference level computed when it was recorded,
 * and the technologist's reasons for doses above the level. The record in effect for a study is
 * the newest of the most preferred source: RDSR, then manual entry (the technologist read the
 * scanner's dose page), then image headers (CTDIvol only, usually without DLP).
 */
import type { ArchiveDatabase } from './archiveDatabase.js';
import type { DoseCheckAlert, DoseEvent, DoseSource, StudyDose } from '../main/dose/doseTypes.js';
import type { DoseLogFilter, DoseReasonView, DoseRecordView, ManualDoseEntry } from '../main/dose/doseLogContract.js';
import { manualDoseSchema } from '../main/dose/doseLogContract.js';
import { K_FACTORS, studyEffectiveDoseMsv, type KFactorChoice } from '../main/dose/effectiveDose.js';
import { checkReferenceLevel, referenceLevelFor, type ReferenceLevel } from '../main/dose/referenceLevels.js';

/** SQL ORDER BY that puts the record in effect first. */
export const DOSE_RECORD_PREFERENCE = `CASE source WHEN 'rdsr' THEN 0 WHEN 'manual' THEN 1 ELSE 2 END, id DESC`;

/** The settings and archive facts a record is made with (kept with it, never re-applied later). */
export interface DoseRecordingContext {
  kFactorChoice: KFactorChoice;
  referenceLevels: readonly ReferenceLevel[];
  /** Matched against the reference levels when the dose names no protocol. */
  studyDescription: string | null;
  patientId: string | null;
  /** "YYYY-MM-DD" from the archive, used when the dose object carries no date. */
  studyDate: string | null;
  recordedBy: string;
  comment?: string | null;
}

/** A manual entry that cannot be recorded: every problem, each naming the field and its unit. */
export class DoseEntryError extends Error {
  constructor(readonly problems: string[]) {
    super(`the dose entry is not valid: ${problems.join('; ')}`);
    this.name = 'DoseEntryError';
  }
}

/** A row of the dose log: the record in effect for a study, with the patient and the newest reason. */
export interface DoseLogRecord extends DoseRecordView {
  patientName: string | null;
  scannerLabel: string | null;
  reason: string | null;
}

interface DoseRow {
  id: number;
  studyInstanceUid: string;
  source: DoseSource;
  sourceSopInstanceUids: string;
  events: string;
  dlpTotalMgyCm: number | null;
  ctdivolMaxMgy: number | null;
  protocol: string | null;
  scanner: string;
  scannerLabel: string | null;
  studyDate: string | null;
  patientId: string | null;
  alerts: string;
  kFactorChoice: KFactorChoice;
  kFactor: number;
  kFactorSource: string;
  effectiveDoseMsv: number | null;
  referenceLevel: string | null;
  ctdivolAbove: 0 | 1 | null;
  dlpAbove: 0 | 1 | null;
  comment: string | null;
  recordedBy: string;
  recordedAt: string;
  patientName?: string | null;
  reason?: string | null;
}

const COLUMNS = `id, study_instance_uid AS studyInstanceUid, source, source_sop_instance_uids AS sourceSopInstanceUids, events,
  dlp_total_mgy_cm AS dlpTotalMgyCm, ctdivol_max_mgy AS ctdivolMaxMgy, protocol, scanner, scanner_label AS scannerLabel,
  study_date AS studyDate, patient_id AS patientId, alerts, k_factor_choice AS kFactorChoice, k_factor AS kFactor,
  k_factor_source AS kFactorSource, effective_dose_msv AS effectiveDoseMsv, reference_level AS referenceLevel,
  ctdivol_above AS ctdivolAbove, dlp_above AS dlpAbove, comment, recorded_by AS recordedBy, recorded_at AS recordedAt`;

/** The protocol a study's dose is filed under: that of its largest-DLP event, else the highest-CTDIvol one. */
export function mainProtocol(events: readonly DoseEvent[]): string | null {
  const named = events.filter((event) => event.protocol && event.protocol.trim());
  if (named.length === 0) return null;
  const by = (value: (event: DoseEvent) => number | null) => [...named].sort((a, b) => (value(b) ?? -1) - (value(a) ?? -1))[0];
  const largest = named.some((event) => event.dlpMgyCm !== null) ? by((event) => event.dlpMgyCm) : by((event) => event.ctdivolMgy);
  return largest.protocol!.trim();
}

function maxOrNull(values: Array<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null && Number.isFinite(value));
  return known.length ? Math.max(...known) : null;
}

function scannerLabelOf(scanner: StudyDose['scanner']): string | null {
  const parts = [scanner.manufacturer, scanner.model, scanner.stationName].filter((part): part is string => !!part && part.trim().length > 0);
  return parts.length ? parts.map((part) => part.trim()).join(' ') : null;
}

export class DoseRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  /**
   * Record a study's dose as it is now, with the effective dose, k and the reference check made
   * from `context` (the settings at this moment). Returns the new record.
   */
  record(dose: StudyDose, context: DoseRecordingContext): DoseRecordView {
    const k = K_FACTORS[context.kFactorChoice];
    if (!k) throw new Error(`unknown k factor choice ${String(context.kFactorChoice)}`);
    const ctdivolMaxMgy = maxOrNull(dose.events.map((event) => event.ctdivolMgy));
    const protocol = mainProtocol(dose.events);
    const level = referenceLevelFor(context.referenceLevels, protocol, context.studyDescription);
    const check = checkReferenceLevel(level, ctdivolMaxMgy, dose.dlpTotalMgyCm);
    const row = this.db
      .prepare(
        `INSERT INTO dose_records (study_instance_uid, source, source_sop_instance_uids, events, dlp_total_mgy_cm, ctdivol_max_mgy,
                                   protocol, scanner, scanner_label, study_date, patient_id, alerts, k_factor_choice, k_factor,
                                   k_factor_source, effective_dose_msv, reference_level, ctdivol_above, dlp_above, comment,
                                   recorded_by, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
      )
      .get(
        dose.studyInstanceUid,
        dose.source,
        JSON.stringify(dose.sourceSopInstanceUids),
        JSON.stringify(dose.events),
        dose.dlpTotalMgyCm,
        ctdivolMaxMgy,
        protocol ?? context.studyDescription ?? null,
        JSON.stringify(dose.scanner),
        scannerLabelOf(dose.scanner),
        dose.studyDate ?? context.studyDate,
        context.patientId,
        JSON.stringify(dose.alerts),
        context.kFactorChoice,
        k.kFactor,
        k.source,
        studyEffectiveDoseMsv(dose, k.kFactor),
        check.level ? JSON.stringify(check.level) : null,
        check.ctdivolAbove === null ? null : Number(check.ctdivolAbove),
        check.dlpAbove === null ? null : Number(check.dlpAbove),
        context.comment ?? null,
        context.recordedBy,
        new Date().toISOString(),
      ) as DoseRow;
    return toView(row);
  }

  /**
   * Validate a manual entry (ranges with units; NaN, strings and missing values refused) and record
   * it in one transaction: either the whole entry is stored or nothing is.
   */
  recordManual(entry: unknown, context: Omit<DoseRecordingContext, 'comment'>): DoseRecordView {
    const parsed = manualDoseSchema.safeParse(entry);
    if (!parsed.success) {
      throw new DoseEntryError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`));
    }
    const manual: ManualDoseEntry = parsed.data;
    const events: DoseEvent[] = manual.events.map((event) => ({
      irradiationEventUid: null,
      ctdivolMgy: event.ctdivolMgy,
      dlpMgyCm: event.dlpMgyCm,
      phantom: event.phantom ?? 'body-32',
      kvp: event.kvp ?? null,
      tubeCurrentMa: event.tubeCurrentMa ?? null,
      exposureTimeS: event.exposureTimeS ?? null,
      scanLengthMm: event.scanLengthMm ?? null,
      acquisitionType: event.acquisitionType || null,
      protocol: event.protocol || null,
      targetRegion: null,
      startedAt: null,
    }));
    const dlpTotalMgyCm = manual.dlpTotalMgyCm ?? events.reduce((sum, event) => sum + (event.dlpMgyCm ?? 0), 0);
    const dose: StudyDose = {
      studyInstanceUid: manual.studyInstanceUid,
      source: 'manual',
      sourceSopInstanceUids: [],
      events,
      dlpTotalMgyCm,
      scanner: { manufacturer: null, model: null, stationName: manual.scanner || null, deviceSerial: null },
      alerts: [],
      studyDate: null,
    };
    return this.db.transaction(() => this.record(dose, { ...context, comment: manual.comment || null })).immediate();
  }

  /** The record in effect for the study, or undefined when none was recorded. */
  current(studyInstanceUid: string): DoseRecordView | undefined {
    const row = this.db
      .prepare(`SELECT ${COLUMNS} FROM dose_records WHERE study_instance_uid = ? ORDER BY ${DOSE_RECORD_PREFERENCE} LIMIT 1`)
      .get(studyInstanceUid) as DoseRow | undefined;
    return row && toView(row);
  }

  /** The newest record of one source (to merge a re-sent RDSR into what was recorded). */
  newestOfSource(studyInstanceUid: string, source: DoseSource): DoseRecordView | undefined {
    const row = this.db
      .prepare(`SELECT ${COLUMNS} FROM dose_records WHERE study_instance_uid = ? AND source = ? ORDER BY id DESC LIMIT 1`)
      .get(studyInstanceUid, source) as DoseRow | undefined;
    return row && toView(row);
  }

  /** Every record of the study, newest first. */
  history(studyInstanceUid: string): DoseRecordView[] {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM dose_records WHERE study_instance_uid = ? ORDER BY id DESC`).all(studyInstanceUid) as DoseRow[];
    return rows.map(toView);
  }

  /** Record why the study's dose is above its level, for the record in effect. */
  addReason(studyInstanceUid: string, doseRecordId: number, reason: string, recordedBy: string): DoseReasonView {
    const text = reason.trim();
    if (!text) throw new DoseEntryError(['reason: give the reason the study is above its reference level']);
    return this.db
      .prepare(
        `INSERT INTO dose_reasons (study_instance_uid, dose_record_ref, reason, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?)
         RETURNING reason, dose_record_ref AS doseRecordId, recorded_by AS recordedBy, recorded_at AS recordedAt`,
      )
      .get(studyInstanceUid, doseRecordId, text, recordedBy, new Date().toISOString()) as DoseReasonView;
  }

  latestReason(studyInstanceUid: string): DoseReasonView | undefined {
    return this.db
      .prepare(
        `SELECT reason, dose_record_ref AS doseRecordId, recorded_by AS recordedBy, recorded_at AS recordedAt
           FROM dose_reasons WHERE study_instance_uid = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(studyInstanceUid) as DoseReasonView | undefined;
  }

  /**
   * The record in effect of every study matching the filter (newest `limit` studies by date),
   * oldest first, with the patient's name and the newest reason.
   */
  log(filter: DoseLogFilter & { patientId?: string } = {}): DoseLogRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit ?? 1000 };
    if (filter.from) (where.push('c.studyDate >= @from'), (params.from = filter.from));
    if (filter.to) (where.push('c.studyDate <= @to'), (params.to = filter.to));
    if (filter.protocol) (where.push(`c.protocol LIKE @protocol ESCAPE '\\'`), (params.protocol = like(filter.protocol)));
    if (filter.scanner) (where.push(`c.scannerLabel LIKE @scanner ESCAPE '\\'`), (params.scanner = like(filter.scanner)));
    if (filter.patientId) (where.push('c.patientId = @patientId'), (params.patientId = filter.patientId));
    const rows = this.db
      .prepare(
        `WITH ranked AS (
           SELECT *, row_number() OVER (PARTITION BY study_instance_uid ORDER BY ${DOSE_RECORD_PREFERENCE}) AS rank FROM dose_records),
         current AS (SELECT ${COLUMNS} FROM ranked WHERE rank = 1)
         SELECT * FROM (
           SELECT c.*, p.patient_name AS patientName,
                  (SELECT dr.reason FROM dose_reasons dr WHERE dr.study_instance_uid = c.studyInstanceUid ORDER BY dr.id DESC LIMIT 1) AS reason
             FROM current c
             LEFT JOIN studies st ON st.study_instance_uid = c.studyInstanceUid
             LEFT JOIN patients p ON p.id = st.patient_ref
            ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
            ORDER BY c.studyDate DESC, c.id DESC
            LIMIT @limit)
         ORDER BY studyDate, id`,
      )
      .all(params) as DoseRow[];
    return rows.map((row) => ({ ...toView(row), patientName: row.patientName ?? null, scannerLabel: row.scannerLabel, reason: row.reason ?? null }));
  }
}

function like(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function toView(row: DoseRow): DoseRecordView {
  const level = row.referenceLevel ? (JSON.parse(row.referenceLevel) as ReferenceLevel) : null;
  const ctdivolAbove = row.ctdivolAbove === null ? null : row.ctdivolAbove === 1;
  const dlpAbove = row.dlpAbove === null ? null : row.dlpAbove === 1;
  return {
    id: row.id,
    studyInstanceUid: row.studyInstanceUid,
    source: row.source,
    valueSources: {
      ctdivolMgy: row.ctdivolMaxMgy === null ? null : row.source,
      dlpTotalMgyCm: row.dlpTotalMgyCm === null ? null : row.source,
      events: row.source,
    },
    sourceSopInstanceUids: JSON.parse(row.sourceSopInstanceUids) as string[],
    events: JSON.parse(row.events) as DoseEvent[],
    dlpTotalMgyCm: row.dlpTotalMgyCm,
    ctdivolMaxMgy: row.ctdivolMaxMgy,
    protocol: row.protocol,
    scanner: JSON.parse(row.scanner) as StudyDose['scanner'],
    studyDate: row.studyDate,
    patientId: row.patientId,
    effectiveDose:
      row.effectiveDoseMsv === null
        ? null
        : { effectiveDoseMsv: row.effectiveDoseMsv, kFactor: row.kFactor, kFactorChoice: row.kFactorChoice, kFactorSource: row.kFactorSource },
    alerts: JSON.parse(row.alerts) as DoseCheckAlert[],
    reference: { level, ctdivolAbove, dlpAbove, above: ctdivolAbove === true || dlpAbove === true },
    comment: row.comment,
    recordedBy: row.recordedBy,
    recordedAt: row.recordedAt,
  };
}
