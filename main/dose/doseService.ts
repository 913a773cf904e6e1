/**
 * The technologist's dose log and procedure notes over the archive: dose captured from RDSRs as
 * they are stored (a re-sent, grown RDSR merged by irradiation event), a study scanned for dose on
 * demand (RDSRs among its objects, else CTDIvol from its image headers), manual entry, reference
 * level flags with the technologist's reason, the log with per-protocol distributions, per-patient
 * history, CSV export, and the versioned procedure notes. One instance per archive (serviceFor).
 */
import { readFile } from 'node:fs/promises';
import { isoDate } from '../../native-worker/dicom/dicomDate.js';
import type { ArchiveStore, IngestOutcome } from '../archive/archiveStore.js';
import { DoseEntryError, DoseRepository, type DoseRecordingContext } from '../../db/doseRepository.js';
import { ProcedureNoteRepository, type NoteSaveOutcome } from '../../db/procedureNoteRepository.js';
import type { DoseSettings } from './referenceLevels.js';
import { referenceLevelFor } from './referenceLevels.js';
import type { DoseLogFilter, DoseLogResponse, DoseQuartiles, DoseRecordView, DoseView, PatientDoseHistory, ProtocolDoseDistribution } from './doseLogContract.js';
import type { StudyDose } from './doseTypes.js';
import { DoseReportError, readDoseReport } from './rdsrParser.js';
import { mergeStudyDoses } from './studyDoses.js';
import { readImageDose, studyDoseFromImages, type ImageDose } from './headerDose.js';
import { doseLogCsv } from './doseLogCsv.js';
import type { NotesView } from '../notes/notesContract.js';
import { procedureAlerts, procedureChecklistSchema } from '../notes/procedureChecklist.js';
import type { ReportDose } from '../report/reportContent.js';
import { K_FACTORS } from './effectiveDose.js';
import { doseNotes } from './doseNotes.js';

/** Structured reports (RDSR, and the Enhanced/Comprehensive SR some older scanners used for it). */
const SR_CLASS_PREFIX = '1.2.840.10008.5.1.4.1.1.88.';

export const NO_DOSE_MESSAGE = 'no dose recorded: enter it manually';
/** recordedBy of the records the workstation made itself. */
export const CAPTURED_FROM_RDSR = 'workstation (from the radiation dose report)';
export const CAPTURED_FROM_HEADERS = 'workstation (from the image headers)';

export interface DoseServiceOptions {
  /** The dose settings now (k factor choice, reference levels). */
  settings: () => DoseSettings;
  /** Who is using the workstation: recorded with every record, reason and note. */
  user: () => string;
}

interface StudyFacts {
  patientId: string | null;
  patientName: string | null;
  studyDescription: string | null;
  studyDate: string | null;
}

export class DoseService {
  readonly doses: DoseRepository;
  readonly notes: ProcedureNoteRepository;
  /** Captures run one after the other: a re-sent RDSR must merge with the previous one, not race it. */
  private captures: Promise<unknown> = Promise.resolve();
  /** Why a study's dose report could not be used (a damaged RDSR), for dose.get to say. */
  private readonly problems = new Map<string, string[]>();

  constructor(
    readonly store: ArchiveStore,
    private readonly options: DoseServiceOptions,
  ) {
    this.doses = new DoseRepository(store.db);
    this.notes = new ProcedureNoteRepository(store.db);
  }

  /** Follow the archive: every stored SR is read for a dose report. Returns the unsubscribe. */
  follow(): () => void {
    const listener = (outcome: IngestOutcome) => {
      if (outcome.status !== 'stored' || !outcome.sopInstanceUid) return;
      // The row is committed before 'stored' is emitted: its SOP class says whether it is an SR.
      const sopInstanceUid = outcome.sopInstanceUid;
      if (this.store.instances.findInstance(sopInstanceUid)?.sopClassUid.startsWith(SR_CLASS_PREFIX)) void this.enqueue(() => this.captureInstance(sopInstanceUid));
    };
    this.store.on('stored', listener);
    return () => this.store.off('stored', listener);
  }

  /** Wait until every capture queued so far is done (tests, and dose.get before it answers). */
  async idle(): Promise<void> {
    let last: Promise<unknown>;
    do {
      last = this.captures;
      await last;
    } while (last !== this.captures);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T | undefined> {
    const run = this.captures.then(work).catch((reason: unknown) => {
      console.error('[dose] capture failed:', reason);
      return undefined;
    });
    this.captures = run;
    return run;
  }

  /** Read one archived object; record its dose report merged into the study's RDSR record. */
  private async captureInstance(sopInstanceUid: string): Promise<DoseRecordView | null> {
    const instance = this.store.instances.findInstance(sopInstanceUid);
    if (!instance || !instance.sopClassUid.startsWith(SR_CLASS_PREFIX)) return null;
    const dose = await this.readReport(instance.studyInstanceUid, instance.path, sopInstanceUid);
    if (!dose) return null;
    return this.recordRdsr([dose]);
  }

  private async readReport(studyInstanceUid: string, path: string, label: string): Promise<StudyDose | null> {
    try {
      return readDoseReport(await readFile(this.store.absolutePath(path)), label);
    } catch (reason) {
      if (!(reason instanceof DoseReportError)) throw reason;
      this.noteProblem(studyInstanceUid, reason.message);
      return null;
    }
  }

  private noteProblem(studyInstanceUid: string, message: string): void {
    const list = this.problems.get(studyInstanceUid) ?? [];
    if (!list.includes(message)) list.push(message);
    this.problems.set(studyInstanceUid, list);
  }

  /** Merge dose reports of one study with its recorded RDSR dose; a new record only when something was added. */
  private recordRdsr(reports: StudyDose[]): DoseRecordView | null {
    const studyInstanceUid = reports[0].studyInstanceUid;
    const previous = this.doses.newestOfSource(studyInstanceUid, 'rdsr');
    const known: StudyDose[] = previous ? [recordAsStudyDose(previous)] : [];
    const [merged] = mergeStudyDoses([...known, ...reports]);
    if (!merged) return null;
    if (previous && sameDose(recordAsStudyDose(previous), merged)) return previous;
    return this.doses.record(merged, this.context(studyInstanceUid, null, CAPTURED_FROM_RDSR));
  }

  /** Who recorded it: the user for entries and reasons; for what the workstation read itself, where it read it. */
  private context(studyInstanceUid: string, comment?: string | null, recordedBy = this.options.user()): DoseRecordingContext {
    const facts = this.studyFacts(studyInstanceUid);
    const settings = this.options.settings();
    return {
      kFactorChoice: settings.kFactor,
      referenceLevels: settings.referenceLevels,
      studyDescription: facts?.studyDescription ?? null,
      patientId: facts?.patientId ?? null,
      studyDate: facts?.studyDate ?? null,
      recordedBy,
      comment,
    };
  }

  private studyFacts(studyInstanceUid: string): StudyFacts | undefined {
    const row = this.store.db
      .prepare(
        `SELECT p.patient_id AS patientId, p.patient_name AS patientName, st.study_description AS studyDescription, st.study_date AS studyDate
           FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE st.study_instance_uid = ?`,
      )
      .get(studyInstanceUid) as StudyFacts | undefined;
    return row && { ...row, studyDate: isoDate(row.studyDate) };
  }

  /**
   * Look through the study's archived objects for its dose: its RDSRs (merged), else CTDIvol from
   * its CT image headers. Records what it finds; null when the study has neither.
   */
  async scanStudy(studyInstanceUid: string): Promise<DoseRecordView | null> {
    return (await this.enqueue(() => this.scanStudyNow(studyInstanceUid))) ?? null;
  }

  private async scanStudyNow(studyInstanceUid: string): Promise<DoseRecordView | null> {
    const instances = this.store.instances.listSeries(studyInstanceUid).flatMap((series) => this.store.instances.listInstances(series.seriesInstanceUid));
    const reports: StudyDose[] = [];
    for (const instance of instances.filter((candidate) => candidate.sopClassUid.startsWith(SR_CLASS_PREFIX))) {
      const dose = await this.readReport(studyInstanceUid, instance.path, instance.sopInstanceUid);
      if (dose && dose.studyInstanceUid === studyInstanceUid) reports.push(dose);
    }
    if (reports.length) return this.recordRdsr(reports);
    if (this.doses.newestOfSource(studyInstanceUid, 'image-header')) return this.doses.current(studyInstanceUid) ?? null;
    const images: ImageDose[] = [];
    for (const instance of instances) {
      if (instance.sopClassUid.startsWith(SR_CLASS_PREFIX)) continue;
      let image: ImageDose | null;
      try {
        image = readImageDose(await readFile(this.store.absolutePath(instance.path)), instance.sopInstanceUid);
      } catch (reason) {
        if (!(reason instanceof DoseReportError)) throw reason;
        this.noteProblem(studyInstanceUid, reason.message);
        continue;
      }
      if (image && image.studyInstanceUid === studyInstanceUid) images.push(image);
    }
    const fromHeaders = images.length ? studyDoseFromImages(images) : null;
    return fromHeaders ? this.doses.record(fromHeaders, this.context(studyInstanceUid, null, CAPTURED_FROM_HEADERS)) : null;
  }

  /** The study's dose as dose.get shows it; scans the archive first when nothing is recorded yet. */
  async view(studyInstanceUid: string, options: { scanIfMissing?: boolean } = {}): Promise<DoseView> {
    await this.idle();
    if (options.scanIfMissing !== false && !this.doses.current(studyInstanceUid)) await this.scanStudy(studyInstanceUid);
    return this.viewNow(studyInstanceUid);
  }

  viewNow(studyInstanceUid: string): DoseView {
    const current = this.doses.current(studyInstanceUid) ?? null;
    const reason = this.doses.latestReason(studyInstanceUid) ?? null;
    const messages: string[] = [...(this.problems.get(studyInstanceUid) ?? [])];
    if (!current) messages.push(NO_DOSE_MESSAGE);
    else if (current.source === 'image-header') {
      messages.push('CTDIvol from the image headers; DLP estimated from CTDIvol and the scanned length: enter the scanner’s values manually when you have them');
    }
    if (current && current.dlpTotalMgyCm === null) messages.push('DLP not known: enter it manually');
    return {
      studyInstanceUid,
      current,
      message: messages.length ? messages.join('; ') : null,
      history: this.doses.history(studyInstanceUid),
      reason,
      reasonNeeded: current !== null && current.reference.above && (reason === null || reason.doseRecordId !== current.id),
    };
  }

  /** Record a manual entry (validated: ranges with units). Refused when the scanner's RDSR is recorded. */
  recordManual(entry: unknown): DoseView {
    const studyInstanceUid = (entry as { studyInstanceUid?: unknown } | null)?.studyInstanceUid;
    if (typeof studyInstanceUid === 'string' && this.doses.newestOfSource(studyInstanceUid, 'rdsr')) {
      throw new DoseConflictError(`study ${studyInstanceUid} has the scanner's dose report (RDSR): its values are used and cannot be replaced by manual entry`);
    }
    if (typeof studyInstanceUid === 'string' && !this.studyFacts(studyInstanceUid)) throw new DoseNotFoundError(`study ${studyInstanceUid} is not in the archive`);
    const { comment: _comment, ...context } = this.context(typeof studyInstanceUid === 'string' ? studyInstanceUid : '');
    const record = this.doses.recordManual(entry, context);
    return this.viewNow(record.studyInstanceUid);
  }

  /** The technologist's reason for a study above its reference level. */
  setReason(studyInstanceUid: string, reason: string): DoseView {
    const current = this.doses.current(studyInstanceUid);
    if (!current) throw new DoseNotFoundError(`study ${studyInstanceUid} has no recorded dose: record it first`);
    if (!current.reference.above) {
      throw new DoseEntryError([`reason: study ${studyInstanceUid} is not above its reference level; no reason is needed`]);
    }
    this.doses.addReason(studyInstanceUid, current.id, reason, this.options.user());
    return this.viewNow(studyInstanceUid);
  }

  /** The log's rows (record in effect per study) and the per-protocol distributions for the charts. */
  log(filter: DoseLogFilter = {}): DoseLogResponse {
    const records = this.doses.log(filter);
    const levels = this.options.settings().referenceLevels;
    const rows = records.map((record) => ({
      studyInstanceUid: record.studyInstanceUid,
      patientId: record.patientId,
      patientName: record.patientName,
      studyDate: record.studyDate,
      protocol: record.protocol,
      scanner: record.scannerLabel,
      source: record.source,
      ctdivolMgy: record.ctdivolMaxMgy,
      dlpMgyCm: record.dlpTotalMgyCm,
      effectiveDoseMsv: record.effectiveDose?.effectiveDoseMsv ?? null,
      kFactor: record.effectiveDose?.kFactor ?? null,
      referenceLevel: record.reference.level,
      aboveReference: record.reference.above,
      reason: record.reason,
    }));
    const byProtocol = new Map<string, typeof rows>();
    for (const row of rows) {
      const protocol = row.protocol ?? '(no protocol)';
      const group = byProtocol.get(protocol);
      if (group) group.push(row);
      else byProtocol.set(protocol, [row]);
    }
    const protocols: ProtocolDoseDistribution[] = [...byProtocol.entries()]
      .map(([protocol, group]) => ({
        protocol,
        studies: group.length,
        ctdivolMgy: quartiles(group.map((row) => row.ctdivolMgy)),
        dlpMgyCm: quartiles(group.map((row) => row.dlpMgyCm)),
        referenceLevel: referenceLevelFor(levels, protocol, null),
      }))
      .sort((a, b) => b.studies - a.studies || a.protocol.localeCompare(b.protocol));
    return { rows, protocols, referenceLevels: levels.map((level) => ({ ...level })) };
  }

  /** The patient's studies oldest first with cumulative DLP and effective dose. */
  patientHistory(patientId: string): PatientDoseHistory {
    const studies = this.store.db
      .prepare(
        `SELECT st.study_instance_uid AS studyInstanceUid, st.study_date AS studyDate, st.study_description AS studyDescription, p.patient_name AS patientName
           FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE p.patient_id = ? ORDER BY st.study_date, st.study_time, st.id`,
      )
      .all(patientId) as Array<{ studyInstanceUid: string; studyDate: string | null; studyDescription: string | null; patientName: string | null }>;
    if (studies.length === 0) throw new DoseNotFoundError(`there is no patient with ID ${patientId} in the archive`);
    let cumulativeDlpMgyCm = 0;
    let cumulativeEffectiveDoseMsv = 0;
    let studiesWithoutDose = 0;
    const rows = studies.map((study) => {
      const record = this.doses.current(study.studyInstanceUid);
      if (!record || record.dlpTotalMgyCm === null) studiesWithoutDose += 1;
      cumulativeDlpMgyCm += record?.dlpTotalMgyCm ?? 0;
      cumulativeEffectiveDoseMsv += record?.effectiveDose?.effectiveDoseMsv ?? 0;
      return {
        studyInstanceUid: study.studyInstanceUid,
        studyDate: record?.studyDate ?? isoDate(study.studyDate),
        protocol: record?.protocol ?? study.studyDescription,
        source: record?.source ?? null,
        dlpMgyCm: record?.dlpTotalMgyCm ?? null,
        effectiveDoseMsv: record?.effectiveDose?.effectiveDoseMsv ?? null,
        kFactor: record?.effectiveDose?.kFactor ?? null,
        cumulativeDlpMgyCm,
        cumulativeEffectiveDoseMsv,
      };
    });
    return {
      patientId,
      patientName: studies[0].patientName,
      studies: rows,
      totalDlpMgyCm: cumulativeDlpMgyCm,
      totalEffectiveDoseMsv: cumulativeEffectiveDoseMsv,
      studiesWithoutDose,
    };
  }

  exportCsv(filter: DoseLogFilter = {}): { fileName: string; csv: string; rows: number } {
    const { rows } = this.log(filter);
    const stamp = new Date().toISOString().slice(0, 10);
    const range = filter.from || filter.to ? `_${filter.from ?? 'start'}_to_${filter.to ?? stamp}` : '';
    return { fileName: `dose-log${range}_exported-${stamp}.csv`, csv: doseLogCsv(rows), rows: rows.length };
  }

  // ---------------------------------------------------------------- procedure notes

  notesView(studyInstanceUid: string): NotesView {
    const versions = this.notes.versions(studyInstanceUid);
    const current = versions[0] ?? null;
    return { studyInstanceUid, current, versions, alerts: current ? procedureAlerts(current.checklist) : [] };
  }

  saveNotes(studyInstanceUid: string, baseVersion: number, checklist: unknown): NoteSaveOutcome {
    if (!this.studyFacts(studyInstanceUid)) throw new DoseNotFoundError(`study ${studyInstanceUid} is not in the archive`);
    return this.notes.save(studyInstanceUid, baseVersion, checklist, this.options.user());
  }

  procedureAlertsForStudy(studyInstanceUid: string): string[] {
    return procedureAlertsForStudy(this.store, studyInstanceUid);
  }

  currentDoseForStudy(studyInstanceUid: string): DoseRecordView | null {
    return this.doses.current(studyInstanceUid) ?? null;
  }
}

/** A study, patient or record that is not there. */
export class DoseNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DoseNotFoundError';
  }
}

/** The request contradicts what is recorded (manual entry over an RDSR). */
export class DoseConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DoseConflictError';
  }
}

const services = new WeakMap<ArchiveStore, DoseService>();

/** The one dose service of an archive (the handler tables and the capture share it). */
export function doseServiceFor(store: ArchiveStore, options: DoseServiceOptions): DoseService {
  let service = services.get(store);
  if (!service) {
    service = new DoseService(store, options);
    services.set(store, service);
  }
  return service;
}

/** For the report: what the reader must know about the procedure (claustrophobia, incomplete scan ...). */
export function procedureAlertsForStudy(store: ArchiveStore, studyInstanceUid: string): string[] {
  const current = new ProcedureNoteRepository(store.db).current(studyInstanceUid);
  if (!current) return [];
  const checked = procedureChecklistSchema.safeParse(current.checklist);
  return checked.success ? procedureAlerts(checked.data) : ['Procedure note could not be read: open the notes'];
}

/** For the report: the dose record in effect (values, source, k, effective dose, reference check), or null. */
export function currentDoseForStudy(store: ArchiveStore, studyInstanceUid: string): DoseRecordView | null {
  return new DoseRepository(store.db).current(studyInstanceUid) ?? null;
}

/** For the report: the dose in effect in the report's shape, with the technologist's reason when above the level. */
export function reportDoseForStudy(store: ArchiveStore, studyInstanceUid: string): ReportDose | null {
  const doses = new DoseRepository(store.db);
  const record = doses.current(studyInstanceUid);
  if (!record) return null;
  // Without a DLP there is no effective dose; k is then the record's choice as the settings had it.
  const k = record.effectiveDose ?? { kFactor: K_FACTORS['adult-chest'].kFactor, kFactorSource: K_FACTORS['adult-chest'].source };
  return {
    source: record.source,
    ctdivolMgy: record.ctdivolMaxMgy,
    dlpTotalMgyCm: record.dlpTotalMgyCm,
    effectiveDoseMsv: record.effectiveDose?.effectiveDoseMsv ?? null,
    kFactor: k.kFactor,
    kFactorSource: k.kFactorSource,
    aboveReference: record.reference.above,
    aboveReferenceReason: record.reference.above ? (doses.latestReason(studyInstanceUid)?.reason ?? null) : null,
    notes: doseNotes(record),
  };
}

/** Median and quartiles (linear interpolation between order statistics, like R type 7 / numpy). */
export function quartiles(values: Array<number | null>): DoseQuartiles | null {
  const sorted = values.filter((value): value is number => value !== null && Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const at = (p: number) => {
    const position = (sorted.length - 1) * p;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
  };
  return { min: sorted[0], q1: at(0.25), median: at(0.5), q3: at(0.75), max: sorted[sorted.length - 1] };
}

function recordAsStudyDose(record: DoseRecordView): StudyDose {
  return {
    studyInstanceUid: record.studyInstanceUid,
    source: record.source,
    sourceSopInstanceUids: record.sourceSopInstanceUids,
    events: record.events,
    dlpTotalMgyCm: record.dlpTotalMgyCm,
    scanner: record.scanner,
    alerts: record.alerts,
    studyDate: record.studyDate,
  };
}

function sameDose(a: StudyDose, b: StudyDose): boolean {
  const key = (dose: StudyDose) => JSON.stringify([dose.events, dose.dlpTotalMgyCm, dose.alerts, [...dose.sourceSopInstanceUids].sort()]);
  return key(a) === key(b);
}

