/**
 * The report of the series being read (CLINICAL.md 3 and 6): created from the reading, previewed
 * as it will print, text and risk factors edited, signed with a confirmation, amended with a
 * reason, every version viewable with its PDF, and its deliveries to PACS followed live.
 * Shown in the reading view in place of the images; the score table stays beside it.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ReportSummary } from '../../main/report/reportContract.js';
import type { Settings } from '../../main/api/settings.js';
import { formatScore } from '../../main/report/pdf/reportFormat.js';
import { cacClient } from '../api/cacClient.js';
import { ReportDelivery } from './ReportDelivery.js';
import { downloadReportPdf } from './reportPdfDownload.js';
import { ReportPreview } from './ReportPreview.js';
import { ReportSettings } from './ReportSettings.js';
import { mergeDelivery, signedVersion, staleness } from './reportStatus.js';
import { ReportTextForm, type TextDraft } from './ReportTextForm.js';
import { ReportVersions } from './ReportVersions.js';
import { RiskFactorsForm } from './RiskFactorsForm.js';
import { SignOff } from './SignOff.js';

export interface ReportPanelProps {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  readingId: number;
  /** The reading's current revision and scores (the draft is compared with them). */
  readingRevision: number;
  assignments: number;
  totalAgatston: number;
  /** Candidate lesions not assigned in the reading (a CAC 0 with some left asks for a confirmation). */
  unassignedLesions?: number;
}

type Tab = 'text' | 'risk' | 'versions' | 'delivery' | 'settings';
const TABS: Array<[Tab, string]> = [
  ['text', 'Findings'],
  ['risk', 'Risk factors'],
  ['versions', 'Versions'],
  ['delivery', 'Delivery'],
  ['settings', 'Signer & site'],
];

const EMPTY_TEXT: TextDraft = { findings: '', impression: '' };
const sameText = (a: TextDraft, b: TextDraft) => a.findings === b.findings && a.impression === b.impression;

export function ReportPanel({ studyInstanceUid, seriesInstanceUid, readingId, readingRevision, assignments, totalAgatston, unassignedLesions }: ReportPanelProps) {
  /** undefined while loading; null when the series has no report yet. */
  const [report, setReport] = useState<ReportSummary | null>();
  const [settings, setSettings] = useState<Settings>();
  const [viewing, setViewing] = useState<number>();
  const [tab, setTab] = useState<Tab>('text');
  const [text, setTextState] = useState<TextDraft>(EMPTY_TEXT);
  const [savedText, setSavedText] = useState<TextDraft>(EMPTY_TEXT);
  const textRef = useRef<TextDraft>(EMPTY_TEXT);
  const savedRef = useRef<TextDraft>(EMPTY_TEXT);
  const [busy, setBusy] = useState(false);
  const [savingText, setSavingText] = useState(false);
  const [textError, setTextError] = useState<string>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  /** Edits that could not be saved because the draft was signed or discarded meanwhile. */
  const [unsavedLeft, setUnsavedLeft] = useState<TextDraft>();

  const setText = useCallback((next: TextDraft) => {
    textRef.current = next;
    setTextState(next);
  }, []);

  /** A new summary from the API: the stored text replaces the form's unless the reader has unsaved edits. */
  const applyReport = useCallback(
    (next: ReportSummary | null) => {
      setReport(next);
      const stored = next ? { findings: next.current.content.findings, impression: next.current.content.impression } : EMPTY_TEXT;
      const wasDirty = !sameText(textRef.current, savedRef.current);
      savedRef.current = stored;
      setSavedText(stored);
      const editable = next !== null && next.current.status === 'draft';
      // Signed or discarded meanwhile (another window, another reader): the unsaved edits are kept aside, not dropped.
      if (wasDirty && !editable) setUnsavedLeft(textRef.current);
      if (!wasDirty || !editable) setText(stored);
    },
    [setText],
  );

  const reload = useCallback(async () => {
    try {
      applyReport((await cacClient.call('report.get', { seriesInstanceUid })).report);
    } catch (reason) {
      setError((reason as Error).message);
    }
  }, [seriesInstanceUid, applyReport]);

  useEffect(() => {
    void reload();
    cacClient.call('settings.get', {}).then(({ settings: loaded }) => setSettings(loaded), (reason: Error) => setError(reason.message));
    const offReport = cacClient.on('report.changed', (event) => {
      if (event.studyInstanceUid === studyInstanceUid) void reload();
    });
    const offOutbound = cacClient.on('outbound.changed', ({ item }) => {
      setReport((current) => {
        if (!current || item.reportId !== current.reportId) return current;
        return { ...current, deliveries: mergeDelivery(current.deliveries, item, current.reportId) };
      });
    });
    return () => {
      offReport();
      offOutbound();
    };
  }, [studyInstanceUid, reload]);

  /** Runs one report action; a refusal is shown and nothing typed is lost. */
  const act = useCallback(async (action: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    try {
      await action();
      setError(undefined);
      return true;
    } catch (reason) {
      setError((reason as Error).message);
      setNotice(undefined);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);

  const draft = () =>
    act(async () => {
      applyReport((await cacClient.call('report.draft', { readingId })).report);
      setViewing(undefined);
      setNotice(undefined);
    });

  const saveText = async () => {
    if (!report) return;
    setSavingText(true);
    try {
      const answer = await cacClient.call('report.saveText', { reportId: report.reportId, version: report.current.version, ...textRef.current });
      applyReport(answer.report);
      setTextError(undefined);
    } catch (reason) {
      setTextError(`Not saved: ${(reason as Error).message}. Your text is still here.`);
    } finally {
      setSavingText(false);
    }
  };

  const sign = (password: string) =>
    act(async () => {
      if (!report) return;
      // The password again: the electronic signature's second component (beside the session).
      const answer = await cacClient.call('report.sign', { reportId: report.reportId, version: report.current.version, contentSha256: report.currentSha256, password });
      applyReport(answer.report);
      setViewing(undefined);
      const queued = answer.queued > 0 ? ` ${answer.queued} object${answer.queued === 1 ? '' : 's'} queued for delivery.` : '';
      // The report is signed even when a PACS could not be queued: say which, so it can be sent from Delivery.
      const problems = answer.deliveryProblems.length ? ` ${answer.deliveryProblems.join('; ')}: send it again from Delivery.` : '';
      setNotice(`Signed.${queued}${problems}`);
    });

  const amend = (reason: string) =>
    act(async () => {
      if (!report) return;
      applyReport((await cacClient.call('report.amend', { reportId: report.reportId, readingId, reason })).report);
      setViewing(undefined);
      setTab('text');
      setNotice(undefined);
    });

  const discard = () =>
    act(async () => {
      if (!report) return;
      const next = (await cacClient.call('report.discardDraft', { reportId: report.reportId })).report;
      setText(savedRef.current); // the reader chose to discard: nothing to keep aside
      applyReport(next);
      setViewing(undefined);
    });

  const pdf = (version: number) =>
    act(async () => {
      const chosen = report?.versions.find((entry) => entry.version === version);
      if (!chosen) return;
      const name = await downloadReportPdf(chosen);
      setNotice(`PDF downloaded: ${name}`);
    });

  const riskSaved = async () => {
    // The draft carries the risk factors as they were: refresh it so MESA appears.
    if (report?.current.status === 'draft') await act(async () => applyReport((await cacClient.call('report.draft', { readingId })).report));
  };

  const settingsSaved = (next: Settings) => {
    setSettings(next);
    void reload(); // who may sign follows the role
  };

  const stopReadingKeys = (event: KeyboardEvent) => {
    // The reading view's keys (artery, window, Esc) must not fire while typing or choosing here.
    event.stopPropagation();
  };

  if (report === undefined) {
    return (
      <section className="report-panel" data-testid="report-panel" data-state="loading">
        <div className="loading">Loading the report…</div>
      </section>
    );
  }

  if (report === null) {
    return (
      <section className="report-panel" data-testid="report-panel" data-state="none" onKeyDown={stopReadingKeys}>
        <div className="report-empty">
          <h2>No report for this series yet</h2>
          <p>
            The report is made from the scores of this reading: {assignments} assignment{assignments === 1 ? '' : 's'}, total Agatston {formatScore(totalAgatston)}.
            {assignments === 0 && ' No calcium is assigned: the report will say there is no detectable calcified plaque (CAC 0).'}
          </p>
          <button className="primary report-big" data-testid="report-create" disabled={busy} onClick={() => void draft()}>
            Create report
          </button>
          {error && (
            <div className="error" role="alert" data-testid="report-error">
              {error}
            </div>
          )}
        </div>
      </section>
    );
  }

  const current = report.current;
  const isDraft = current.status === 'draft';
  const shown = report.versions.find((entry) => entry.version === viewing) ?? current;
  const viewingOther = shown.version !== current.version;
  const dirty = isDraft && !sameText(text, savedText);
  const stale = staleness(report, readingId, readingRevision);
  const blockedReason = dirty ? 'save or revert your text changes first' : stale.stale && isDraft ? 'the scores changed since the draft was made: update it from the scores first' : undefined;
  const outputVersion = shown.status !== 'draft' ? shown : signedVersion(report);

  return (
    <section className="report-panel" data-testid="report-panel" data-state={current.status} data-report-id={report.reportId} data-version={current.version} onKeyDown={stopReadingKeys}>
      <div className="report-document">
        <div className="report-document-bar">
          {viewingOther ? (
            <span className="report-viewing-other" data-testid="report-viewing-other">
              Viewing v{shown.version} ({shown.status}), read-only{' '}
              <button className="link" data-testid="report-back-to-current" onClick={() => setViewing(undefined)}>
                back to v{current.version} ({current.status})
              </button>
            </span>
          ) : (
            <span className="muted">Preview of v{shown.version} as it prints</span>
          )}
          <span className="spacer" />
          <button data-testid="report-open-pdf" disabled={busy} onClick={() => void pdf(shown.version)} title="Download the PDF of the version shown">
            Open PDF (v{shown.version}{shown.status === 'draft' ? ', draft' : ''})
          </button>
        </div>
        <div className="report-document-scroll">
          <ReportPreview version={shown} siteName={settings?.report.siteName} siteAddress={settings?.report.siteAddress} pendingText={!viewingOther && dirty ? text : undefined} />
        </div>
      </div>
      <div className="report-controls">
        {stale.stale && (
          <div className={`report-stale ${isDraft ? 'draft' : 'signed'}`} role="status" data-testid="report-stale">
            {stale.message}
            {isDraft && (
              <button className="primary" data-testid="report-update" disabled={busy} onClick={() => void draft()}>
                Update from scores
              </button>
            )}
          </div>
        )}
        <SignOff
          report={report}
          blockedReason={blockedReason}
          busy={busy}
          onSign={sign}
          onAmend={amend}
          onDiscard={discard}
          reading={{ assignments, unassignedLesions }}
        />
        {notice && (
          <div className="saved" role="status" data-testid="report-notice">
            {notice}
          </div>
        )}
        {error && (
          <div className="error" role="alert" data-testid="report-error">
            {error}
          </div>
        )}
        <nav className="report-tabs" role="tablist">
          {TABS.map(([key, label]) => (
            <button key={key} role="tab" aria-selected={tab === key} className={tab === key ? 'active' : undefined} data-testid={`report-tab-${key}`} onClick={() => setTab(key)}>
              {label}
              {key === 'text' && dirty ? ' ●' : ''}
              {key === 'delivery' && report.deliveries.some((item) => item.status === 'failed') ? ' ⚠' : ''}
            </button>
          ))}
        </nav>
        <div className="report-tab-body">
          {tab === 'text' && unsavedLeft && (
            <div className="report-section report-unsaved-left" role="alert" data-testid="report-unsaved-left">
              <strong>Your unsaved edits were not saved: the draft was {isDraft ? 'replaced' : `signed meanwhile (${current.signedBy ?? 'another reader'})`}.</strong>
              <span className="muted">Copy what you need (e.g. into an amendment).</span>
              <textarea readOnly rows={4} value={`Findings:\n${unsavedLeft.findings}\n\nImpression:\n${unsavedLeft.impression}`} data-testid="report-unsaved-left-text" />
              <div className="report-actions">
                <button data-testid="report-unsaved-left-dismiss" onClick={() => setUnsavedLeft(undefined)}>
                  Dismiss
                </button>
              </div>
            </div>
          )}
          {tab === 'text' && (
            <ReportTextForm
              text={isDraft ? text : savedText}
              onChange={setText}
              dirty={dirty}
              readOnly={!isDraft}
              saving={savingText}
              error={textError}
              onSave={() => void saveText()}
              onRevert={() => {
                setText(savedRef.current);
                setTextError(undefined);
              }}
            />
          )}
          {tab === 'risk' && <RiskFactorsForm studyInstanceUid={studyInstanceUid} readOnly={!isDraft} onSaved={riskSaved} studyAgeYears={report.current.content.patient.ageYears} />}
          {tab === 'versions' && <ReportVersions report={report} viewing={shown.version} onView={(version) => setViewing(version)} onPdf={(version) => void pdf(version)} pdfBusy={busy} />}
          {tab === 'delivery' && <ReportDelivery report={report} version={outputVersion} pacsNames={settings?.pacsNodes.map((node) => node.name) ?? []} />}
          {tab === 'settings' && settings && <ReportSettings settings={settings} onSaved={settingsSaved} />}
        </div>
      </div>
    </section>
  );
}
