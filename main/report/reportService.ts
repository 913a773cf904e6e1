/**
 * The report's life cycle behind the report.* channels: a draft made from an open reading, the
 * reader's text, risk factors, signing (role checked, the content the reader saw, outputs made
 * once and kept), amendments, and delivery to PACS through the outbound queue.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveStore } from '../archive/archiveStore.js';
import { ApiFailure } from '../api/apiError.js';
import type { ReadingSessions } from '../api/readingSessions.js';
import type { NamedPacsNode, Settings } from '../api/settings.js';
import { actorId, actorLabel, actorRoles, currentActor } from '../auth/actor.js';
import type { AccountService } from '../auth/accountService.js';
import { SIGNING_ROLES } from '../auth/roles.js';
import type { EmitApiEvent } from '../api/eventHub.js';
import { ReportRepository, type EnteredRiskFactors, type ReportRecord } from '../../db/reportRepository.js';
import type { ReadingRecord } from '../../db/readingRepository.js';
import { assembleReportContent, editedText, isoDate, type PriorScores, type StudyFacts } from './assembleReport.js';
import type { ReportContent, ReportDose, ReportVersion } from './reportContent.js';
import type { OutboundItem, ReportSummary } from './reportContract.js';
import { reportContentSha256 } from './reportHash.js';
import { bindSignature, checkSignature, SIGNATURE_MEANING, siteTimeZone, zonedIso, type SignatureCheck } from './signature.js';
import { readReportFiles, reportDicomObjects, reportFileEntries, reportFolder, writeReportFiles, type ReportFiles } from './reportFiles.js';
import { writeFileDurably } from '../outbound/durableFile.js';
import { renderKeyImages, type KeyImage } from './keyImages.js';
import { renderReportPdf } from './pdf/reportPdf.js';
import { writeCalciumScoreSr } from './dicom/calciumScoreSr.js';
import { writeEncapsulatedPdf } from './dicom/encapsulatedPdf.js';
import { writeKeyImageCaptures } from './dicom/keyImageCapture.js';

/** Sends report objects to PACS (the outbound queue) and tells what became of them. */
export interface ReportDelivery {
  /** How many of the objects this call queued; with `again`, also those the PACS already has. */
  enqueue(objects: Array<{ bytes: Uint8Array }>, destination: NamedPacsNode, context: { reportId: number; reportVersion: number }, again?: boolean): Promise<number>;
  list(filter: { studyInstanceUid?: string; reportId?: number; limit?: number }): OutboundItem[];
  /** Send a queued or failed delivery now; undefined when there is no such delivery. */
  retry(id: number): OutboundItem | undefined;
}

export interface ReportServiceOptions {
  store: ArchiveStore;
  sessions: ReadingSessions;
  settings: () => Settings;
  emit: EmitApiEvent;
  /** "CAC Workstation 0.1.0" */
  software: string;
  /** The study's dose as the dose log holds it. */
  doseFor: (studyInstanceUid: string) => ReportDose | null;
  /** Procedure notes the reader must know (claustrophobia, incomplete scan). */
  procedureAlertsFor: (studyInstanceUid: string) => string[];
  delivery?: ReportDelivery;
  /** Signing asks for the signer's password again (failures count toward the account's lockout). */
  accounts: Pick<AccountService, 'confirmPassword'>;
  /** The site's time zone for the signature's local time (default: the process's, TZ). */
  timeZone?: () => string;
  now?: () => Date;
}

export class ReportService {
  readonly reports: ReportRepository;
  /** Sign and amend of one report run one at a time: a second click waits and then finds it signed. */
  private readonly locks = new Map<number, Promise<unknown>>();

  constructor(private readonly options: ReportServiceOptions) {
    this.reports = new ReportRepository(options.store.db);
  }

  private get reader(): string {
    return actorLabel();
  }

  private exclusive<T>(reportId: number, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(reportId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const settled = result.catch(() => undefined);
    this.locks.set(reportId, settled);
    void settled.then(() => {
      if (this.locks.get(reportId) === settled) this.locks.delete(reportId);
    });
    return result;
  }

  get(seriesInstanceUid: string): ReportSummary | null {
    const report = this.reports.findBySeries(seriesInstanceUid);
    if (!report) return null;
    this.options.store.audit.record({ actor: this.reader, action: 'report-viewed', subject: report.studyInstanceUid, details: { reportId: report.id } });
    return this.summary(report);
  }

  /** Start the draft from the open reading, or bring it up to date with the reading's scores (the reader's edited text is kept). */
  async draft(readingId: number): Promise<ReportSummary> {
    const { reading, view } = await this.options.sessions.reportSnapshot(readingId);
    this.requireOwnReading(reading, 'make a draft');
    const report = this.reports.findOrCreate({ studyInstanceUid: reading.studyInstanceUid, seriesInstanceUid: reading.seriesInstanceUid, patientId: this.studyFacts(reading.studyInstanceUid).patientId });
    return this.exclusive(report.id, async () => {
      const draft = this.reports.draft(report.id);
      if (!draft && this.reports.latestSigned(report.id)) {
        throw new ApiFailure('conflict', 'this report is signed and cannot be changed: amend it, giving the reason');
      }
      const content = this.assemble(readingId, reading, view, draft ? editedText(draft.content) : undefined);
      const saved = this.reports.saveDraft(report.id, content, this.reader, draft?.amends ?? undefined);
      this.options.store.audit.record({ actor: this.reader, action: 'report-drafted', subject: report.studyInstanceUid, details: { reportId: report.id, version: saved.version, readingRevision: reading.revision } });
      this.changed(report, saved);
      return this.summary(report);
    });
  }

  saveText(reportId: number, version: number, text: { findings: string; impression: string }): ReportSummary {
    const report = this.report(reportId);
    const draft = this.reports.draft(reportId);
    if (!draft || draft.version !== version) throw new ApiFailure('conflict', `version ${version} of this report is not a draft any more (it was signed or replaced): reload the report`);
    const saved = this.reports.saveDraft(reportId, { ...draft.content, findings: text.findings, impression: text.impression }, this.reader);
    this.options.store.audit.record({ actor: this.reader, action: 'report-text-saved', subject: report.studyInstanceUid, details: { reportId, version } });
    this.changed(report, saved);
    return this.summary(report);
  }

  riskFactors(studyInstanceUid: string) {
    const stored = this.reports.riskFactors(studyInstanceUid);
    return { factors: stored?.factors ?? null, enteredBy: stored?.enteredBy ?? null, enteredAt: stored?.enteredAt ?? null };
  }

  saveRiskFactors(studyInstanceUid: string, factors: EnteredRiskFactors) {
    const saved = this.reports.saveRiskFactors(studyInstanceUid, factors, this.reader);
    this.options.store.audit.record({ actor: this.reader, action: 'risk-factors-saved', subject: studyInstanceUid, details: { factors: Object.keys(factors) } });
    return { factors: saved.factors, enteredBy: saved.enteredBy, enteredAt: saved.enteredAt };
  }

  /**
   * Sign the draft the reader saw. The outputs (PDF with key images, SR, Encapsulated PDF) are made
   * before the signature is committed, so a signed version always has them; then they are queued
   * to the site's PACS.
   */
  sign(reportId: number, version: number, contentSha256: string, password: string): Promise<{ report: ReportSummary; queued: number; deliveryProblems: string[] }> {
    const report = this.report(reportId);
    return this.exclusive(reportId, async () => {
      const settings = this.options.settings();
      const actor = currentActor();
      const signerRole = SIGNING_ROLES.find((role) => actorRoles().includes(role));
      if (!signerRole || actor.kind !== 'user') throw new ApiFailure('not-permitted', `${actorLabel()} is not a radiologist or cardiologist: only they can sign a report`);
      const draft = this.reports.draft(reportId);
      if (!draft || draft.version !== version) {
        const signed = this.reports.version(reportId, version);
        throw new ApiFailure('conflict', signed?.status === 'signed' ? `version ${version} is already signed (by ${signed.signedBy})` : `version ${version} of this report is not the draft: reload the report`);
      }
      if (reportContentSha256(draft.content) !== contentSha256) throw new ApiFailure('conflict', 'the draft changed after you last saw it: review it again before signing');
      const reading = this.options.sessions.readings.get(draft.content.reading.readingId);
      if (!reading || reading.revision !== draft.content.reading.revision) {
        throw new ApiFailure('conflict', 'the scores changed after this draft was made: update the draft from the reading, review it, then sign');
      }
      this.requireOwnReading(reading, 'sign this draft');
      // The second component of the signature: the signer's password (wrong ones count toward the lockout and are audited).
      // Its scrypt check runs on libuv's thread pool while the key images are drawn, so it adds little to signing;
      // nothing is written or kept before both are done, and a wrong password is what the signer hears first.
      const [confirmed, drawn] = await Promise.allSettled([
        this.options.accounts.confirmPassword(actor.userId, password, 'signature'),
        this.keyImages(draft.content.reading.readingId),
      ]);
      if (confirmed.status === 'rejected') throw confirmed.reason;
      if (drawn.status === 'rejected') throw drawn.reason;
      const signer = confirmed.value;
      const keyImages = drawn.value;
      const at = this.options.now?.() ?? new Date();
      const signedAt = at.toISOString();
      const timeZone = this.options.timeZone?.() ?? siteTimeZone();
      const signature = bindSignature({
        reportId,
        version,
        studyInstanceUid: report.studyInstanceUid,
        signerUserId: signer.id,
        printedName: signer.displayName,
        role: signerRole,
        signedAtUtc: signedAt,
        signedAtLocal: zonedIso(at, timeZone),
        timeZone,
        meaning: SIGNATURE_MEANING,
        contentSha256,
      });
      const signedVersion: ReportVersion = { ...draft, status: 'signed', signedAt, signedBy: actorLabel(), contentSha256, signature };
      const files = await this.renderOutputs(signedVersion, keyImages);
      const folder = reportFolder(this.options.store.root, reportId, version);
      await writeReportFiles(folder, files).catch((error: NodeJS.ErrnoException) => {
        // Nothing is signed without its files: the reader can sign again once the disk is fixed.
        throw new ApiFailure('internal', `the report was not signed: its files could not be kept in ${folder} (${describeWriteError(error)})`);
      });
      const stored = this.reports.sign(reportId, version, { signedBy: actorLabel(), signerRole, signedAt, contentSha256 }, signature);
      if (!stored) throw new ApiFailure('conflict', `version ${version} was signed meanwhile: reload the report`);
      this.options.store.db.prepare(`UPDATE studies SET status = 'signed' WHERE study_instance_uid = ?`).run(report.studyInstanceUid);
      this.options.emit('studies.changed', { studyInstanceUids: [report.studyInstanceUid], reason: 'status' });
      this.options.store.audit.record({
        actor: actorLabel(),
        action: 'report-signed',
        subject: report.studyInstanceUid,
        details: { reportId, version, role: signerRole, contentSha256, amends: draft.amends?.version ?? null, signerUserId: signer.id, meaning: SIGNATURE_MEANING, signedAtLocal: signature.signedAtLocal, bindingSha256: signature.bindingSha256 },
      });
      this.changed(report, stored);
      // The signature stands whatever happens to the sending: a PACS that cannot be queued is told, and can be sent to later.
      let queued = 0;
      const deliveryProblems: string[] = [];
      for (const name of settings.report.sendTo) {
        try {
          queued += await this.enqueue(report, stored, files, name);
        } catch (error) {
          deliveryProblems.push(`not queued for ${name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return { report: this.summary(report), queued, deliveryProblems };
    });
  }

  /** A new draft that replaces the signed version in force, from the open reading, with the reason. */
  amend(reportId: number, readingId: number, reason: string): Promise<ReportSummary> {
    const report = this.report(reportId);
    return this.exclusive(reportId, async () => {
      const signed = this.reports.latestSigned(reportId);
      if (!signed) throw new ApiFailure('conflict', 'this report is not signed yet: edit the draft instead of amending');
      if (this.reports.draft(reportId)) throw new ApiFailure('conflict', 'an amendment of this report is already in progress: finish or discard it');
      if (!actorRoles().some((role) => SIGNING_ROLES.includes(role))) throw new ApiFailure('not-permitted', `${actorLabel()} is not a radiologist or cardiologist: only they can amend a report`);
      const { reading, view } = await this.options.sessions.reportSnapshot(readingId);
      if (reading.seriesInstanceUid !== report.seriesInstanceUid) throw new ApiFailure('bad-request', 'the reading is of another series than the report');
      this.requireOwnReading(reading, 'amend the report');
      const content = this.assemble(readingId, reading, view, { findings: signed.content.findings, impression: signed.content.impression });
      const draft = this.reports.saveDraft(reportId, content, this.reader, { version: signed.version, reason });
      this.options.store.audit.record({ actor: this.reader, action: 'report-amendment-started', subject: report.studyInstanceUid, details: { reportId, version: draft.version, amends: signed.version, reason } });
      this.changed(report, draft);
      return this.summary(report);
    });
  }

  discardDraft(reportId: number): ReportSummary | null {
    const report = this.report(reportId);
    const discarded = this.reports.discardDraft(reportId);
    if (discarded) this.options.store.audit.record({ actor: this.reader, action: 'report-draft-discarded', subject: report.studyInstanceUid, details: { reportId } });
    return this.reports.versions(reportId).length ? this.summary(report) : null;
  }

  /** The PDF of a version: the stored one when signed, else rendered now with a DRAFT mark. */
  async pdf(reportId: number, version: number): Promise<ArrayBuffer> {
    const report = this.report(reportId);
    const found = this.reports.version(reportId, version);
    if (!found) throw new ApiFailure('not-found', `report ${reportId} has no version ${version}`);
    let bytes: Uint8Array;
    if (found.status === 'draft') {
      const readingId = found.content.reading.readingId;
      const keyImages = await this.keyImages(readingId).catch(() => [] as KeyImage[]);
      bytes = await renderReportPdf(found, keyImages, this.siteOptions());
    } else {
      this.requireValidSignature(report, found);
      bytes = (await this.signedFiles(reportId, version)).pdf;
    }
    this.options.store.audit.record({ actor: this.reader, action: 'report-pdf-viewed', subject: report.studyInstanceUid, details: { reportId, version, status: found.status } });
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** Copy a signed version's PDF, SR, Encapsulated PDF and key images into a folder (a USB stick, a share). */
  async export(reportId: number, version: number, folder: string): Promise<{ files: string[] }> {
    const report = this.report(reportId);
    const found = this.reports.version(reportId, version);
    if (found && found.status !== 'draft') this.requireValidSignature(report, found);
    const files = await this.signedFiles(reportId, version);
    const written: string[] = [];
    const base = `CAC-report-${safeName(report.studyInstanceUid)}-v${version}`;
    await mkdir(folder, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new ApiFailure('bad-request', `cannot create the folder ${folder}: ${describeWriteError(error)}`);
    });
    for (const { name, bytes } of reportFileEntries(files)) {
      const target = join(folder, `${base}-${name}`);
      // Never over another file: the same bytes again are fine (an export repeated).
      const result = await writeFileDurably(target, bytes, { replace: false }).catch((error: NodeJS.ErrnoException) => {
        throw new ApiFailure('bad-request', `cannot write ${target}: ${describeWriteError(error)}`);
      });
      if (result === 'different') throw new ApiFailure('conflict', `${target} already exists with other content: choose another folder`);
      written.push(target);
    }
    this.options.store.audit.record({ actor: this.reader, action: 'report-exported', subject: report.studyInstanceUid, details: { reportId, version, folder } });
    return { files: written };
  }

  send(reportId: number, version: number, pacsName: string, again = false): Promise<{ queued: number; objects: number }> {
    const report = this.report(reportId);
    return this.exclusive(reportId, async () => {
      const signed = this.reports.version(reportId, version);
      if (!signed || signed.status === 'draft') throw new ApiFailure('bad-request', 'only a signed report can be sent: sign it first');
      this.requireValidSignature(report, signed);
      const files = await this.signedFiles(reportId, version);
      return { queued: await this.enqueue(report, signed, files, pacsName, again), objects: reportDicomObjects(files).length };
    });
  }

  // ------------------------------------------------------------------ helpers

  private report(reportId: number): ReportRecord {
    const report = this.reports.get(reportId);
    if (!report) throw new ApiFailure('not-found', `there is no report ${reportId}`);
    return report;
  }

  private summary(report: ReportRecord): ReportSummary {
    // Every signed version's signature is checked on each read: a copied or broken one is flagged, never shown as valid.
    const versions = this.reports.versions(report.id).map((version) => (version.status === 'draft' ? version : { ...version, signatureCheck: this.checkSignatureOf(report, version) }));
    const current = versions.find((version) => version.status === 'draft') ?? [...versions].reverse().find((version) => version.status === 'signed') ?? versions[versions.length - 1];
    const actor = currentActor();
    const signerRole = SIGNING_ROLES.find((role) => actorRoles().includes(role));
    const allowed = signerRole !== undefined;
    const signatureProblems = versions.flatMap((version) => (version.signatureCheck && (version.signatureCheck.status === 'mismatch' || version.signatureCheck.status === 'missing') ? [version.signatureCheck.message] : []));
    return {
      reportId: report.id,
      studyInstanceUid: report.studyInstanceUid,
      seriesInstanceUid: report.seriesInstanceUid,
      versions,
      current,
      currentSha256: reportContentSha256(current.content),
      signing: {
        allowed,
        ...(allowed ? {} : { reason: `${actorLabel()} is not a radiologist or cardiologist: only they can sign` }),
        meaning: SIGNATURE_MEANING,
        signer: actor.kind === 'user' && signerRole ? { displayName: actor.displayName, role: signerRole } : null,
      },
      signatureProblems,
      deliveries: this.options.delivery?.list({ reportId: report.id }) ?? [],
    };
  }

  /** Recompute a signed version's binding against the version as stored now; a broken one is audited. */
  private checkSignatureOf(report: ReportRecord, version: ReportVersion): SignatureCheck {
    const legacy = !version.signature && this.reports.isLegacySigned(report.id, version.version);
    const check = checkSignature({ ...version, studyInstanceUid: report.studyInstanceUid }, version.signature, legacy);
    if (check.status === 'mismatch' || check.status === 'missing') {
      this.options.store.audit.record({ actor: this.reader, action: 'signature-check-failed', outcome: 'failure', subject: report.studyInstanceUid, details: { reportId: report.id, version: version.version, status: check.status, message: check.message } });
    }
    return check;
  }

  /** The PDF, export and send of a version whose signature does not hold are refused. */
  private requireValidSignature(report: ReportRecord, version: ReportVersion): void {
    const check = this.checkSignatureOf(report, version);
    if (check.status === 'mismatch' || check.status === 'missing') throw new ApiFailure('conflict', check.message);
  }

  /** Drafts, amendments and signatures come only from the signer's own reading (or one taken over, which is then theirs). */
  private requireOwnReading(reading: ReadingRecord, what: string): void {
    if (reading.readerUserId === actorId()) return;
    throw new ApiFailure(
      'not-permitted',
      `reading ${reading.id} is ${reading.reader}'s, not yours: to ${what}, open the series and take that reading over (recorded in the audit) or start your own reading`,
    );
  }

  private changed(report: ReportRecord, version: ReportVersion): void {
    this.options.emit('report.changed', { reportId: report.id, studyInstanceUid: report.studyInstanceUid, version: version.version, status: version.status });
  }

  private studyFacts(studyInstanceUid: string): StudyFacts {
    const facts = this.options.store.db
      .prepare(
        `SELECT st.study_instance_uid AS studyInstanceUid, p.patient_id AS patientId, p.patient_name AS patientName,
                p.birth_date AS patientBirthDate, p.sex AS patientSex, st.study_date AS studyDate, st.study_time AS studyTime,
                st.study_description AS studyDescription, st.accession_number AS accessionNumber,
                st.referring_physician AS referringPhysician
           FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE st.study_instance_uid = ?`,
      )
      .get(studyInstanceUid) as StudyFacts | undefined;
    if (!facts) throw new ApiFailure('not-found', `study ${studyInstanceUid} is not in the archive`);
    return facts;
  }

  private assemble(
    readingId: number,
    reading: ReadingRecord,
    view: Awaited<ReturnType<ReadingSessions['reportSnapshot']>>['view'],
    text: { findings: string; impression: string } | undefined,
  ): ReportContent {
    if (!reading.scores) throw new ApiFailure('conflict', 'this reading has not been scored yet: open the series first');
    const study = this.studyFacts(reading.studyInstanceUid);
    const instances = this.options.store.instances.listInstances(reading.seriesInstanceUid);
    const seriesNumber = this.options.store.instances.listSeries(reading.studyInstanceUid).find((series) => series.seriesInstanceUid === reading.seriesInstanceUid)?.seriesNumber ?? null;
    const stored = this.reports.riskFactors(reading.studyInstanceUid);
    const { geometry } = view;
    const wording = this.options.settings().report.cacDrsWording;
    return assembleReportContent({
      study,
      series: {
        seriesInstanceUid: reading.seriesInstanceUid,
        seriesNumber,
        slices: geometry.slices,
        sliceThicknessMm: view.series.sliceThicknessMm ?? null,
        sliceIncrementMm: geometry.sliceIncrementMm,
        pixelSpacingMm: [geometry.pixelSpacingMm[0], geometry.pixelSpacingMm[1]],
        kvp: view.series.kvp ?? null,
        sopInstanceUids: view.series.sopInstanceUids,
        sopClassUid: instances[0]?.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.2',
      },
      reading: { readingId, revision: reading.revision, reader: reading.reader },
      scores: reading.scores,
      warnings: view.issues.filter((issue) => issue.severity !== 'note').map(({ code, message }) => ({ code, message })),
      software: this.options.software,
      siteWording: wording,
      lmWithLad: this.options.settings().display.reportLmWithLad,
      riskFactors: stored?.factors ?? null,
      prior: this.priorOf(study),
      dose: this.options.doseFor(reading.studyInstanceUid),
      procedureNotes: this.options.procedureAlertsFor(reading.studyInstanceUid),
      ...(text ? { text } : {}),
    });
  }

  /** The newest earlier study of the same patient with a signed report (else with saved scores). */
  private priorOf(study: StudyFacts): PriorScores | null {
    const currentDate = isoDate(study.studyDate);
    if (!currentDate) return null;
    const signed = this.reports
      .signedReportsOfPatient(study.patientId)
      .filter((version) => version.content.study.studyInstanceUid !== study.studyInstanceUid && version.content.study.studyDate !== null && version.content.study.studyDate < currentDate)
      // A prior whose signature does not hold is not a signed prior.
      .filter((version) => checkSignature({ ...version, studyInstanceUid: version.content.study.studyInstanceUid }, version.signature, !version.signature && this.reports.isLegacySigned(version.reportId, version.version)).status !== 'mismatch')
      .sort((a, b) => (a.content.study.studyDate! < b.content.study.studyDate! ? 1 : -1))[0];
    if (signed) {
      const { total } = signed.content.scores;
      return { studyInstanceUid: signed.content.study.studyInstanceUid, studyDate: signed.content.study.studyDate!, agatston: total.agatston, volumeMm3: total.volumeMm3, massMg: total.massMg };
    }
    const rows = this.options.store.db
      .prepare(
        `SELECT r.study_instance_uid AS studyInstanceUid, st.study_date AS studyDate, r.scores
           FROM readings r JOIN studies st ON st.study_instance_uid = r.study_instance_uid JOIN patients p ON p.id = st.patient_ref
          WHERE p.patient_id = ? AND r.study_instance_uid <> ? AND r.scores IS NOT NULL
          ORDER BY st.study_date DESC, r.updated_at DESC`,
      )
      .all(study.patientId, study.studyInstanceUid) as Array<{ studyInstanceUid: string; studyDate: string | null; scores: string }>;
    for (const row of rows) {
      const date = isoDate(row.studyDate);
      if (!date || date >= currentDate) continue;
      const { total } = JSON.parse(row.scores) as { total: { agatston: number; volumeMm3: number; massMg: number | null } };
      return { studyInstanceUid: row.studyInstanceUid, studyDate: date, agatston: total.agatston, volumeMm3: total.volumeMm3, massMg: total.massMg };
    }
    return null;
  }

  private async keyImages(readingId: number): Promise<KeyImage[]> {
    const { view, hu, labels } = await this.options.sessions.reportSnapshot(readingId);
    const { geometry } = view;
    const huArray = view.volume.huType === 'float32' ? new Float32Array(hu) : new Int16Array(hu);
    return renderKeyImages({
      hu: huArray,
      labels: new Uint8Array(labels),
      columns: geometry.columns,
      rows: geometry.rows,
      slices: geometry.slices,
      pixelSpacingMm: [geometry.pixelSpacingMm[0], geometry.pixelSpacingMm[1]],
      sliceIncrementMm: geometry.sliceIncrementMm,
      sliceLabels: geometry.slicePositionsMm.map((position) => `position ${position.toFixed(1)} mm`),
    });
  }

  private siteOptions(): { siteName?: string; siteAddress?: string } {
    const { siteName, siteAddress } = this.options.settings().report;
    return { ...(siteName ? { siteName } : {}), ...(siteAddress ? { siteAddress } : {}) };
  }

  private async renderOutputs(version: ReportVersion, keyImages: KeyImage[]): Promise<ReportFiles> {
    const site = this.siteOptions();
    const pdf = await renderReportPdf(version, keyImages, site);
    const dicomOptions = site.siteName ? { institutionName: site.siteName } : {};
    return {
      pdf,
      sr: writeCalciumScoreSr(version, dicomOptions),
      encapsulatedPdf: writeEncapsulatedPdf(version, pdf, dicomOptions),
      // For PACS viewers that do not open PDFs: the same key images as DICOM Secondary Capture.
      keyImages: keyImages.length ? writeKeyImageCaptures(version, keyImages, dicomOptions) : [],
    };
  }

  private async signedFiles(reportId: number, version: number): Promise<ReportFiles> {
    const found = this.reports.version(reportId, version);
    if (!found || found.status === 'draft') throw new ApiFailure('bad-request', 'only a signed report version has a PDF, SR and Encapsulated PDF to export or send: sign it first');
    const folder = reportFolder(this.options.store.root, reportId, version);
    const present = await access(folder).then(() => true, () => false);
    if (!present) throw new ApiFailure('not-found', `the signed files of report ${reportId} version ${version} are missing from ${folder}: restore the archive folder from backup`);
    return readReportFiles(folder);
  }

  private async enqueue(report: ReportRecord, version: ReportVersion, files: ReportFiles, pacsName: string, again = false): Promise<number> {
    const { delivery } = this.options;
    if (!delivery) throw new ApiFailure('internal', 'sending to PACS is not available in this setup');
    const node = this.options.settings().pacsNodes.find((candidate) => candidate.name === pacsName);
    if (!node) throw new ApiFailure('not-found', `there is no PACS named "${pacsName}" in the settings`);
    const queued = await delivery.enqueue(
      reportDicomObjects(files),
      node,
      { reportId: report.id, reportVersion: version.version },
      again,
    );
    this.options.store.audit.record({
      actor: this.reader,
      action: again ? 'report-queued-to-pacs-again' : 'report-queued-to-pacs',
      subject: report.studyInstanceUid,
      details: { reportId: report.id, version: version.version, pacs: pacsName, objects: queued },
    });
    return queued;
  }
}

function describeWriteError(error: NodeJS.ErrnoException): string {
  if (error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS') return 'no permission to write there';
  if (error.code === 'ENOSPC') return 'the disk is full';
  if (error.code === 'ENOTDIR') return 'part of the path is a file, not a folder';
  return error.message;
}

function safeName(uid: string): string {
  return uid.replace(/[^0-9.]/g, '_');
}
