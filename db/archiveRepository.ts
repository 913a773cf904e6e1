/**
 * Patients, studies, series and instances: typed reads and the one-transaction write of a stored
 * instance (its file is already safely on disk when this runs).
 */
import type { ArchiveDatabase } from './archiveDatabase.js';
// dose log and procedure notes (issue 5): the worklist flags
import { DOSE_RECORD_PREFERENCE } from './doseRepository.js';
import { procedureAlerts, procedureChecklistSchema } from '../main/notes/procedureChecklist.js';

export interface InstanceRecord {
  patientId: string;
  issuerOfPatientId?: string;
  patientName?: string;
  patientBirthDate?: string;
  patientSex?: string;
  studyInstanceUid: string;
  studyDate?: string;
  studyTime?: string;
  studyDescription?: string;
  accessionNumber?: string;
  referringPhysician?: string;
  seriesInstanceUid: string;
  seriesNumber?: number;
  modality?: string;
  seriesDescription?: string;
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  instanceNumber?: number;
  /** Relative to the archive folder. */
  path: string;
  sizeBytes: number;
  sha256: string;
  importJobId?: number;
}

export interface StoredInstance {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  instanceNumber: number | null;
  path: string;
  sizeBytes: number;
  sha256: string;
  receivedAt: string;
}

export interface StudySummary {
  studyInstanceUid: string;
  patientId: string;
  patientName: string | null;
  patientBirthDate: string | null;
  patientSex: string | null;
  studyDate: string | null;
  studyTime: string | null;
  studyDescription: string | null;
  accessionNumber: string | null;
  status: 'new' | 'in-progress' | 'signed';
  receivedAt: string;
  lastReceivedAt: string;
  completeAt: string | null;
  seriesCount: number;
  instanceCount: number;
  modalities: string;
  // ---- dose log and procedure notes (issue 5)
  /** The dose record in effect is above its reference level (CTDIvol or DLP). */
  doseAboveReference: boolean;
  /** From the current procedure note: what the reader must see ("Claustrophobia/anxiety: scan not completed", "Incomplete scan"). */
  procedureAlerts: string[];
}

export interface SeriesSummary {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  seriesNumber: number | null;
  modality: string | null;
  seriesDescription: string | null;
  instanceCount: number;
}

export interface StudyQuery {
  text?: string;
  limit?: number;
}

const now = (): string => new Date().toISOString();

export class ArchiveRepository {
  private readonly statements;

  constructor(private readonly db: ArchiveDatabase) {
    this.statements = {
      upsertPatient: db.prepare(
        `INSERT INTO patients (patient_id, issuer_of_patient_id, patient_name, birth_date, sex, created_at)
         VALUES (@patientId, @issuer, @patientName, @birthDate, @sex, @at)
         ON CONFLICT (patient_id, issuer_of_patient_id) DO UPDATE SET
           patient_name = coalesce(patients.patient_name, excluded.patient_name),
           birth_date = coalesce(patients.birth_date, excluded.birth_date),
           sex = coalesce(patients.sex, excluded.sex)
         RETURNING id`,
      ),
      upsertStudy: db.prepare(
        `INSERT INTO studies (study_instance_uid, patient_ref, study_date, study_time, study_description, accession_number,
                              referring_physician, received_at, last_received_at)
         VALUES (@uid, @patientRef, @date, @time, @description, @accession, @referring, @at, @at)
         ON CONFLICT (study_instance_uid) DO UPDATE SET last_received_at = excluded.last_received_at, complete_at = NULL
         RETURNING id, patient_ref AS patientRef`,
      ),
      upsertSeries: db.prepare(
        `INSERT INTO series (series_instance_uid, study_ref, series_number, modality, series_description, created_at)
         VALUES (@uid, @studyRef, @number, @modality, @description, @at)
         ON CONFLICT (series_instance_uid) DO UPDATE SET series_number = coalesce(series.series_number, excluded.series_number)
         RETURNING id, study_ref AS studyRef`,
      ),
      insertInstance: db.prepare(
        `INSERT INTO instances (sop_instance_uid, series_ref, sop_class_uid, transfer_syntax_uid, instance_number, path,
                                size_bytes, sha256, received_at, import_job_ref)
         VALUES (@sopInstanceUid, @seriesRef, @sopClassUid, @transferSyntaxUid, @instanceNumber, @path, @sizeBytes, @sha256, @at, @importJobId)`,
      ),
      findInstance: db.prepare(
        `SELECT i.sop_instance_uid AS sopInstanceUid, se.series_instance_uid AS seriesInstanceUid, st.study_instance_uid AS studyInstanceUid,
                i.sop_class_uid AS sopClassUid, i.transfer_syntax_uid AS transferSyntaxUid, i.instance_number AS instanceNumber,
                i.path, i.size_bytes AS sizeBytes, i.sha256, i.received_at AS receivedAt
           FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies st ON st.id = se.study_ref
          WHERE i.sop_instance_uid = ?`,
      ),
    };
  }

  /**
   * Record a stored instance with its patient, study and series, in one transaction. The same
   * study or series arriving again is merged; a UID already filed elsewhere is refused.
   */
  recordInstance(record: InstanceRecord): void {
    const failure = this.recordInstances([record])[0];
    if (failure) throw failure;
  }

  /**
   * Record several instances in one commit (one fsync for all: a group commit). Each record is
   * applied in its own savepoint, so one conflicting record fails alone; the failures are returned
   * in input order (undefined where the record was written).
   */
  recordInstances(records: InstanceRecord[]): Array<Error | undefined> {
    const failures: Array<Error | undefined> = [];
    const one = this.db.transaction((record: InstanceRecord) => this.insertInstanceRows(record));
    this.db
      .transaction(() => {
        for (const record of records) {
          try {
            one(record);
            failures.push(undefined);
          } catch (reason) {
            failures.push(reason instanceof Error ? reason : new Error(String(reason)));
          }
        }
      })
      .immediate();
    return failures;
  }

  private insertInstanceRows(record: InstanceRecord): void {
    const at = now();
    const patient = this.statements.upsertPatient.get({
      patientId: record.patientId,
      issuer: record.issuerOfPatientId ?? '',
      patientName: record.patientName ?? null,
      birthDate: record.patientBirthDate ?? null,
      sex: record.patientSex ?? null,
      at,
    }) as { id: number };
    const study = this.statements.upsertStudy.get({
      uid: record.studyInstanceUid,
      patientRef: patient.id,
      date: record.studyDate ?? null,
      time: record.studyTime ?? null,
      description: record.studyDescription ?? null,
      accession: record.accessionNumber ?? null,
      referring: record.referringPhysician ?? null,
      at,
    }) as { id: number; patientRef: number };
    if (study.patientRef !== patient.id) {
      throw new ArchiveConflictError(`study ${record.studyInstanceUid} is already filed under another patient; this instance names patient ${record.patientId}`);
    }
    const series = this.statements.upsertSeries.get({
      uid: record.seriesInstanceUid,
      studyRef: study.id,
      number: record.seriesNumber ?? null,
      modality: record.modality ?? null,
      description: record.seriesDescription ?? null,
      at,
    }) as { id: number; studyRef: number };
    if (series.studyRef !== study.id) {
      throw new ArchiveConflictError(`series ${record.seriesInstanceUid} is already filed under another study`);
    }
    this.statements.insertInstance.run({
      sopInstanceUid: record.sopInstanceUid,
      seriesRef: series.id,
      sopClassUid: record.sopClassUid,
      transferSyntaxUid: record.transferSyntaxUid,
      instanceNumber: record.instanceNumber ?? null,
      path: record.path,
      sizeBytes: record.sizeBytes,
      sha256: record.sha256,
      at,
      importJobId: record.importJobId ?? null,
    });
  }

  findInstance(sopInstanceUid: string): StoredInstance | undefined {
    return this.statements.findInstance.get(sopInstanceUid) as StoredInstance | undefined;
  }

  /** Every instance's relative path, for the start-up consistency check. */
  instancePaths(): Map<string, string> {
    const rows = this.db.prepare('SELECT path, sop_instance_uid AS uid FROM instances').all() as Array<{ path: string; uid: string }>;
    return new Map(rows.map((row) => [row.path, row.uid]));
  }

  /** Remove the row of an instance whose file is gone (start-up check), and empty parents. */
  forgetInstance(sopInstanceUid: string): void {
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM instances WHERE sop_instance_uid = ?').run(sopInstanceUid);
        this.db.prepare('DELETE FROM series WHERE id NOT IN (SELECT DISTINCT series_ref FROM instances)').run();
        this.db.prepare('DELETE FROM studies WHERE id NOT IN (SELECT DISTINCT study_ref FROM series)').run();
      })
      .immediate();
  }

  listStudies(query: StudyQuery = {}): StudySummary[] {
    const text = query.text?.trim();
    const where = text
      ? `WHERE p.patient_name LIKE @like ESCAPE '\\' OR p.patient_id LIKE @like ESCAPE '\\' OR st.accession_number LIKE @like ESCAPE '\\' OR st.study_description LIKE @like ESCAPE '\\'`
      : '';
    const rows = this.db
      .prepare(
        `SELECT st.study_instance_uid AS studyInstanceUid, p.patient_id AS patientId, p.patient_name AS patientName,
                p.birth_date AS patientBirthDate, p.sex AS patientSex, st.study_date AS studyDate, st.study_time AS studyTime,
                st.study_description AS studyDescription, st.accession_number AS accessionNumber, st.status,
                st.received_at AS receivedAt, st.last_received_at AS lastReceivedAt, st.complete_at AS completeAt,
                (SELECT count(*) FROM series se WHERE se.study_ref = st.id) AS seriesCount,
                (SELECT count(*) FROM instances i JOIN series se ON se.id = i.series_ref WHERE se.study_ref = st.id) AS instanceCount,
                coalesce((SELECT group_concat(DISTINCT se.modality) FROM series se WHERE se.study_ref = st.id), '') AS modalities,
                coalesce((SELECT coalesce(d.ctdivol_above, 0) OR coalesce(d.dlp_above, 0) FROM dose_records d
                           WHERE d.study_instance_uid = st.study_instance_uid ORDER BY ${DOSE_RECORD_PREFERENCE.replace(/\b(source|id)\b/g, 'd.$1')} LIMIT 1), 0) AS doseAboveReference,
                (SELECT n.checklist FROM procedure_notes n WHERE n.study_instance_uid = st.study_instance_uid ORDER BY n.version DESC LIMIT 1) AS procedureChecklist
           FROM studies st JOIN patients p ON p.id = st.patient_ref
           ${where}
          ORDER BY st.study_date DESC, st.study_time DESC, st.id DESC
          LIMIT @limit`,
      )
      .all({ like: `%${(text ?? '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`, limit: query.limit ?? 500 }) as StudySummaryRow[];
    return rows.map(({ procedureChecklist, doseAboveReference, ...study }) => ({
      ...study,
      doseAboveReference: doseAboveReference === 1,
      procedureAlerts: procedureChecklist === null ? [] : alertsOf(procedureChecklist),
    }));
  }

  listSeries(studyInstanceUid: string): SeriesSummary[] {
    return this.db
      .prepare(
        `SELECT se.series_instance_uid AS seriesInstanceUid, st.study_instance_uid AS studyInstanceUid, se.series_number AS seriesNumber,
                se.modality, se.series_description AS seriesDescription,
                (SELECT count(*) FROM instances i WHERE i.series_ref = se.id) AS instanceCount
           FROM series se JOIN studies st ON st.id = se.study_ref
          WHERE st.study_instance_uid = ?
          ORDER BY se.series_number, se.id`,
      )
      .all(studyInstanceUid) as SeriesSummary[];
  }

  listInstances(seriesInstanceUid: string): StoredInstance[] {
    return this.db
      .prepare(
        `SELECT i.sop_instance_uid AS sopInstanceUid, se.series_instance_uid AS seriesInstanceUid, st.study_instance_uid AS studyInstanceUid,
                i.sop_class_uid AS sopClassUid, i.transfer_syntax_uid AS transferSyntaxUid, i.instance_number AS instanceNumber,
                i.path, i.size_bytes AS sizeBytes, i.sha256, i.received_at AS receivedAt
           FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies st ON st.id = se.study_ref
          WHERE se.series_instance_uid = ?
          ORDER BY i.instance_number, i.id`,
      )
      .all(seriesInstanceUid) as StoredInstance[];
  }

  /** Studies that received nothing for `quietMs` and are not yet marked complete: mark them. */
  completeQuietStudies(quietMs: number): string[] {
    const before = new Date(Date.now() - quietMs).toISOString();
    const rows = this.db
      .prepare(`UPDATE studies SET complete_at = @at WHERE complete_at IS NULL AND last_received_at <= @before RETURNING study_instance_uid AS uid`)
      .all({ at: now(), before }) as Array<{ uid: string }>;
    return rows.map((row) => row.uid);
  }
}

// ---- dose log and procedure notes (issue 5)
type StudySummaryRow = Omit<StudySummary, 'doseAboveReference' | 'procedureAlerts'> & { doseAboveReference: 0 | 1; procedureChecklist: string | null };

function alertsOf(checklistJson: string): string[] {
  const checked = procedureChecklistSchema.safeParse(JSON.parse(checklistJson));
  return checked.success ? procedureAlerts(checked.data) : ['Procedure note could not be read: open the notes'];
}
// ---- end dose log and procedure notes

export class ArchiveConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveConflictError';
  }
}
