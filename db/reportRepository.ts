/**
 * Reports and their versions (migration 004). Drafts are edited in place; signing turns the draft
 * into an immutable version (SQLite triggers refuse any later change); an amendment is a new draft
 * that names the signed version it replaces. Also the MESA risk factors entered per study.
 */
import type { ArchiveDatabase } from './archiveDatabase.js';
import type { ReportContent, ReportSignature, ReportVersion } from '../main/report/reportContent.js';
import type { MesaInput } from '../native-worker/risk/mesa.js';

export interface ReportRecord {
  id: number;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientId: string;
  createdAt: string;
}

/** The risk factors a technologist or reader entered (the score comes from the reading; ageYears only counts when the study has no age). */
export type EnteredRiskFactors = Omit<MesaInput, 'cacAgatston'>;

export interface StoredRiskFactors {
  studyInstanceUid: string;
  factors: EnteredRiskFactors;
  enteredBy: string;
  enteredAt: string;
}

export interface Signature {
  signedBy: string;
  signerRole: string;
  signedAt: string;
  contentSha256: string;
}

interface VersionRow {
  reportId: number;
  version: number;
  status: 'draft' | 'signed';
  content: string;
  createdAt: string;
  createdBy: string;
  signedAt: string | null;
  signedBy: string | null;
  contentSha256: string | null;
  amendsVersion: number | null;
  amendmentReason: string | null;
  amendedLater: number;
  /** The report_signatures row as JSON (migration 009), null when there is none. */
  signature: string | null;
}

const REPORT_SELECT = `SELECT id, study_instance_uid AS studyInstanceUid, series_instance_uid AS seriesInstanceUid,
                              patient_id AS patientId, created_at AS createdAt FROM reports`;
const VERSION_SELECT = `SELECT v.report_ref AS reportId, v.version, v.status, v.content, v.created_at AS createdAt,
                               v.created_by AS createdBy, v.signed_at AS signedAt, v.signed_by AS signedBy,
                               v.content_sha256 AS contentSha256, v.amends_version AS amendsVersion,
                               v.amendment_reason AS amendmentReason,
                               EXISTS (SELECT 1 FROM report_versions later
                                        WHERE later.report_ref = v.report_ref AND later.amends_version = v.version
                                          AND later.status = 'signed') AS amendedLater,
                               (SELECT json_object('reportId', s.report_ref, 'version', s.version, 'studyInstanceUid', r0.study_instance_uid,
                                                   'signerUserId', s.signer_user_id, 'printedName', s.printed_name, 'role', s.signer_role,
                                                   'signedAtUtc', s.signed_at_utc, 'signedAtLocal', s.signed_at_local, 'timeZone', s.time_zone,
                                                   'meaning', s.meaning, 'contentSha256', s.content_sha256, 'bindingSha256', s.binding_sha256)
                                  FROM report_signatures s JOIN reports r0 ON r0.id = s.report_ref
                                 WHERE s.report_ref = v.report_ref AND s.version = v.version) AS signature
                          FROM report_versions v`;

const now = (): string => new Date().toISOString();

export class ReportRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  get(reportId: number): ReportRecord | undefined {
    return this.db.prepare(`${REPORT_SELECT} WHERE id = ?`).get(reportId) as ReportRecord | undefined;
  }

  findBySeries(seriesInstanceUid: string): ReportRecord | undefined {
    return this.db.prepare(`${REPORT_SELECT} WHERE series_instance_uid = ?`).get(seriesInstanceUid) as ReportRecord | undefined;
  }

  listForStudy(studyInstanceUid: string): ReportRecord[] {
    return this.db.prepare(`${REPORT_SELECT} WHERE study_instance_uid = ? ORDER BY id`).all(studyInstanceUid) as ReportRecord[];
  }

  findOrCreate(report: Omit<ReportRecord, 'id' | 'createdAt'>): ReportRecord {
    return this.db.transaction(() => {
      const found = this.findBySeries(report.seriesInstanceUid);
      if (found) return found;
      const id = this.db
        .prepare(`INSERT INTO reports (study_instance_uid, series_instance_uid, patient_id, created_at) VALUES (?, ?, ?, ?)`)
        .run(report.studyInstanceUid, report.seriesInstanceUid, report.patientId, now()).lastInsertRowid;
      return this.get(Number(id))!;
    }).immediate();
  }

  versions(reportId: number): ReportVersion[] {
    return (this.db.prepare(`${VERSION_SELECT} WHERE v.report_ref = ? ORDER BY v.version`).all(reportId) as VersionRow[]).map(toVersion);
  }

  version(reportId: number, version: number): ReportVersion | undefined {
    const row = this.db.prepare(`${VERSION_SELECT} WHERE v.report_ref = ? AND v.version = ?`).get(reportId, version) as VersionRow | undefined;
    return row && toVersion(row);
  }

  draft(reportId: number): ReportVersion | undefined {
    const row = this.db.prepare(`${VERSION_SELECT} WHERE v.report_ref = ? AND v.status = 'draft'`).get(reportId) as VersionRow | undefined;
    return row && toVersion(row);
  }

  /** The newest signed version, the one in force. */
  latestSigned(reportId: number): ReportVersion | undefined {
    const row = this.db
      .prepare(`${VERSION_SELECT} WHERE v.report_ref = ? AND v.status = 'signed' ORDER BY v.version DESC LIMIT 1`)
      .get(reportId) as VersionRow | undefined;
    return row && toVersion(row);
  }

  /**
   * Write the draft: a new version when the report has none (the first, or an amendment of the
   * latest signed version), else the existing draft's content replaced.
   */
  saveDraft(reportId: number, content: ReportContent, author: string, amends?: { version: number; reason: string }): ReportVersion {
    return this.db.transaction(() => {
      const draft = this.draft(reportId);
      if (draft) {
        this.db.prepare(`UPDATE report_versions SET content = ? WHERE report_ref = ? AND version = ? AND status = 'draft'`).run(JSON.stringify(content), reportId, draft.version);
        return this.version(reportId, draft.version)!;
      }
      const next = ((this.db.prepare(`SELECT max(version) FROM report_versions WHERE report_ref = ?`).pluck().get(reportId) as number | null) ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO report_versions (report_ref, version, status, content, created_at, created_by, amends_version, amendment_reason)
           VALUES (?, ?, 'draft', ?, ?, ?, ?, ?)`,
        )
        .run(reportId, next, JSON.stringify(content), now(), author, amends?.version ?? null, amends?.reason ?? null);
      return this.version(reportId, next)!;
    }).immediate();
  }

  /**
   * Sign the draft `version` and keep its electronic signature, in one transaction; undefined when it
   * is no longer the draft (signed meanwhile).
   */
  sign(reportId: number, version: number, signature: Signature, electronic?: ReportSignature): ReportVersion | undefined {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(
          `UPDATE report_versions SET status = 'signed', signed_at = ?, signed_by = ?, signer_role = ?, content_sha256 = ?
            WHERE report_ref = ? AND version = ? AND status = 'draft'`,
        )
        .run(signature.signedAt, signature.signedBy, signature.signerRole, signature.contentSha256, reportId, version).changes;
      if (changed !== 1) return undefined;
      if (electronic) {
        this.db
          .prepare(
            `INSERT INTO report_signatures (report_ref, version, signer_user_id, printed_name, signer_role, signed_at_utc, signed_at_local,
                                            time_zone, meaning, content_sha256, binding_sha256)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(reportId, version, electronic.signerUserId, electronic.printedName, electronic.role, electronic.signedAtUtc, electronic.signedAtLocal,
            electronic.timeZone, electronic.meaning, electronic.contentSha256, electronic.bindingSha256);
      }
      return this.version(reportId, version);
    }).immediate();
  }

  /** Whether this signed version predates electronic signatures (migration 009 listed it). */
  isLegacySigned(reportId: number, version: number): boolean {
    return this.db.prepare(`SELECT 1 FROM legacy_signed_versions WHERE report_ref = ? AND version = ?`).get(reportId, version) !== undefined;
  }

  /** Discard an unsigned draft (e.g. an amendment started by mistake). */
  discardDraft(reportId: number): boolean {
    return this.db.prepare(`DELETE FROM report_versions WHERE report_ref = ? AND status = 'draft'`).run(reportId).changes === 1;
  }

  /** Signed versions in force (not amended later) of this patient's other reports, newest study first. */
  signedReportsOfPatient(patientId: string): ReportVersion[] {
    const rows = this.db
      .prepare(
        `${VERSION_SELECT} JOIN reports r ON r.id = v.report_ref
          WHERE r.patient_id = ? AND v.status = 'signed'
            AND v.version = (SELECT max(version) FROM report_versions s WHERE s.report_ref = v.report_ref AND s.status = 'signed')
          ORDER BY v.signed_at DESC`,
      )
      .all(patientId) as VersionRow[];
    return rows.map(toVersion);
  }

  riskFactors(studyInstanceUid: string): StoredRiskFactors | undefined {
    const row = this.db
      .prepare(`SELECT study_instance_uid AS studyInstanceUid, factors, entered_by AS enteredBy, entered_at AS enteredAt FROM risk_factors WHERE study_instance_uid = ?`)
      .get(studyInstanceUid) as (Omit<StoredRiskFactors, 'factors'> & { factors: string }) | undefined;
    return row && { ...row, factors: JSON.parse(row.factors) as EnteredRiskFactors };
  }

  saveRiskFactors(studyInstanceUid: string, factors: EnteredRiskFactors, enteredBy: string): StoredRiskFactors {
    this.db
      .prepare(
        `INSERT INTO risk_factors (study_instance_uid, factors, entered_by, entered_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (study_instance_uid) DO UPDATE SET factors = excluded.factors, entered_by = excluded.entered_by, entered_at = excluded.entered_at`,
      )
      .run(studyInstanceUid, JSON.stringify(factors), enteredBy, now());
    return this.riskFactors(studyInstanceUid)!;
  }
}

function toVersion(row: VersionRow): ReportVersion {
  return {
    reportId: row.reportId,
    version: row.version,
    status: row.status === 'signed' && row.amendedLater ? 'superseded' : row.status,
    content: JSON.parse(row.content) as ReportContent,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    signedAt: row.signedAt,
    signedBy: row.signedBy,
    amends: row.amendsVersion === null ? null : { version: row.amendsVersion, reason: row.amendmentReason ?? '' },
    contentSha256: row.contentSha256,
    signature: row.signature === null ? null : (JSON.parse(row.signature) as ReportSignature),
  };
}
