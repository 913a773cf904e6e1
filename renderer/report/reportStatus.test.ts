import { describe, expect, it } from 'vitest';
import type { OutboundItem, ReportSummary } from '../../main/report/reportContract.js';
import type { ReportContent, ReportVersion } from '../../main/report/reportContent.js';
import { canRetry, mergeDelivery, pdfFileName, signedVersion, staleness, versionStatusText } from './reportStatus.js';

function version(overrides: Partial<ReportVersion> & { reading?: ReportContent['reading']; patientId?: string; studyDate?: string | null }): ReportVersion {
  const content = {
    reading: overrides.reading ?? { readingId: 7, revision: 3, reader: 'Dr A' },
    patient: { name: null, patientId: overrides.patientId ?? 'PID 1/2', birthDate: null, sex: null, ageYears: null },
    study: { studyInstanceUid: '1.2.3', studyDate: overrides.studyDate === undefined ? '2026-11-27' : overrides.studyDate, studyTime: null, accessionNumber: null, description: null, referringPhysician: null },
  } as unknown as ReportContent;
  return {
    reportId: 1,
    version: 1,
    status: 'draft',
    content,
    createdAt: '2026-11-27T10:00:00.000Z',
    createdBy: 'Dr A',
    signedAt: null,
    signedBy: null,
    amends: null,
    contentSha256: null,
    ...overrides,
  };
}

function summary(versions: ReportVersion[]): ReportSummary {
  return { reportId: 1, studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4', versions, current: versions[versions.length - 1], currentSha256: 'a'.repeat(64), signing: { allowed: true, meaning: 'Reviewed and approved as the reading physician', signer: null }, signatureProblems: [], deliveries: [] };
}

function item(id: number, status: OutboundItem['status'], reportId: number | null = 1): OutboundItem {
  return { id, sopInstanceUid: `1.2.${id}`, sopClassUid: '1.2', studyInstanceUid: '1.2.3', description: 'PDF report v1', destination: 'PACS', status, attempts: 0, nextAttemptAt: null, lastError: null, createdAt: '', sentAt: null, reportId, reportVersion: 1 };
}

describe('report status for the panel', () => {
  const signed = { status: 'signed' as const, signedAt: '2026-11-27T10:15:42.000Z', signedBy: 'Dr A', contentSha256: 'b'.repeat(64) };

  it('says who signed when (UTC), and marks amendments and superseded versions', () => {
    expect(versionStatusText(version({}))).toBe('Draft v1: not signed');
    expect(versionStatusText(version({ version: 2, amends: { version: 1, reason: 'x' } }))).toBe('Draft v2 (amends v1): not signed');
    expect(versionStatusText(version(signed))).toBe('Signed by Dr A at 2026-11-27 10:15 UTC (v1)');
    expect(versionStatusText(version({ ...signed, version: 2, amends: { version: 1, reason: 'x' } }))).toBe('Amended, signed by Dr A at 2026-11-27 10:15 UTC (v2)');
    expect(versionStatusText(version({ ...signed, status: 'superseded' }))).toBe('Superseded v1 (signed by Dr A at 2026-11-27 10:15 UTC)');
  });

  it('finds a draft or signed report behind the reading, and says what to do', () => {
    expect(staleness(summary([version({})]), 7, 3)).toEqual({ stale: false });
    const draft = staleness(summary([version({})]), 7, 5);
    expect(draft).toMatchObject({ stale: true, reportRevision: 3, readingRevision: 5 });
    expect(draft.stale && draft.message).toMatch(/revision 3; the reading is now at revision 5.*update the draft/);
    const afterSigning = staleness(summary([version(signed)]), 7, 4);
    expect(afterSigning.stale && afterSigning.message).toMatch(/amend the report/);
    expect(staleness(summary([version({})]), 8, 3).stale).toBe(true);
  });

  it('picks the signed version in force, not the superseded one nor the draft', () => {
    expect(signedVersion(summary([version({})]))).toBeUndefined();
    const report = summary([version({ ...signed, status: 'superseded' }), version({ ...signed, version: 2 }), version({ version: 3 })]);
    expect(signedVersion(report)?.version).toBe(2);
  });

  it('names the PDF safely after patient, date and version', () => {
    expect(pdfFileName(version({}))).toBe('CAC-report_PID_1_2_2026-11-27_v1-DRAFT.pdf');
    expect(pdfFileName(version({ ...signed, patientId: '../../etc', studyDate: null }))).toBe('CAC-report_etc_undated_v1.pdf');
    expect(pdfFileName(version({ ...signed, status: 'superseded', patientId: '***' }))).toBe('CAC-report_unknown_2026-11-27_v1-superseded.pdf');
  });

  it('merges live delivery events by id and ignores other reports', () => {
    const list = [item(1, 'queued'), item(2, 'queued')];
    expect(mergeDelivery(list, item(2, 'sent'), 1).map((entry) => entry.status)).toEqual(['queued', 'sent']);
    expect(mergeDelivery(list, item(3, 'queued'), 1)).toHaveLength(3);
    expect(mergeDelivery(list, item(4, 'sent', 2), 1)).toBe(list);
    expect([canRetry(item(1, 'failed')), canRetry(item(1, 'queued')), canRetry(item(1, 'sending')), canRetry(item(1, 'sent'))]).toEqual([true, true, false, false]);
  });
});
