/**
 * Signing and amending. Signing takes a confirmation that names the signer and says it cannot be
 * undone; it sends the SHA-256 of the content on screen, so a draft changed meanwhile is refused
 * rather than signed blind. The button says why it is disabled (role, unsaved text, stale scores).
 */
import { useState } from 'react';
import type { ReportSummary } from '../../main/report/reportContract.js';
import { versionStatusText } from './reportStatus.js';

export interface Signer {
  readerName: string;
  readerRole: string;
}

export function SignOff({
  report,
  signer,
  blockedReason,
  busy,
  onSign,
  onAmend,
  onDiscard,
}: {
  report: ReportSummary;
  signer: Signer | undefined;
  /** Why signing must wait (unsaved text, scores changed): shown under the disabled button. */
  blockedReason: string | undefined;
  busy: boolean;
  onSign: () => Promise<boolean>;
  onAmend: (reason: string) => Promise<boolean>;
  onDiscard: () => Promise<boolean>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [amending, setAmending] = useState(false);
  const [reason, setReason] = useState('');
  const [discarding, setDiscarding] = useState(false);
  const current = report.current;
  const isDraft = current.status === 'draft';
  const disabledReason = !report.signing.allowed ? (report.signing.reason ?? 'you may not sign reports') : blockedReason;

  return (
    <section className={`report-section report-signoff ${isDraft ? 'is-draft' : 'is-signed'}`} data-testid="report-signoff-panel">
      <div className={`report-status-line ${isDraft ? 'draft' : 'signed'}`} data-testid="report-status">
        {versionStatusText(current)}
      </div>
      {current.amends && (
        <div className="muted" data-testid="report-amends">
          Amends v{current.amends.version}: {current.amends.reason}
        </div>
      )}
      {isDraft ? (
        <>
          {!confirming ? (
            <div className="report-actions">
              <button className="primary report-sign" data-testid="report-sign" disabled={busy || disabledReason !== undefined} onClick={() => setConfirming(true)}>
                ✍ Sign report
              </button>
              {!discarding ? (
                <button data-testid="report-discard" disabled={busy} onClick={() => setDiscarding(true)}>
                  Discard draft…
                </button>
              ) : (
                <span className="report-inline-confirm">
                  {current.amends ? `Discard this amendment? v${current.amends.version} stays in force.` : 'Discard this draft? The reading is kept.'}
                  <button data-testid="report-discard-confirm" onClick={() => void onDiscard().then(() => setDiscarding(false))}>
                    Discard
                  </button>
                  <button onClick={() => setDiscarding(false)}>Keep</button>
                </span>
              )}
            </div>
          ) : (
            <div className="report-confirm" role="dialog" aria-label="Confirm signing" data-testid="report-sign-confirm">
              <p>
                Sign version {current.version} as <strong data-testid="report-signer">{signer ? `${signer.readerName} (${signer.readerRole})` : 'the current reader'}</strong>?
              </p>
              <p className="report-warning">
                A signed report cannot be changed afterwards: corrections need an amendment with a reason, and the signed version stays on record. The report is then sent to the configured
                PACS.
              </p>
              <p className="muted">Content fingerprint {report.currentSha256.slice(0, 12)}… (the preview you reviewed).</p>
              <div className="report-actions">
                <button
                  className="primary"
                  data-testid="report-sign-confirm-button"
                  disabled={busy}
                  onClick={() =>
                    void onSign().then((ok) => {
                      if (ok) setConfirming(false);
                    })
                  }
                >
                  {busy ? 'Signing…' : 'Sign — this cannot be undone'}
                </button>
                <button data-testid="report-sign-cancel" disabled={busy} onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </div>
          )}
          {disabledReason && !confirming && (
            <div className="report-disabled-reason" data-testid="report-sign-disabled-reason">
              Cannot sign: {disabledReason}
            </div>
          )}
        </>
      ) : !amending ? (
        <div className="report-actions">
          <span className="muted">Signed reports are locked. To correct it, amend it.</span>
          <button data-testid="report-amend" disabled={busy} onClick={() => setAmending(true)}>
            Amend…
          </button>
        </div>
      ) : (
        <div className="report-confirm" role="dialog" aria-label="Amend the report" data-testid="report-amend-form">
          <label className="field">
            <span className="field-label">Reason for the amendment (printed on the report)</span>
            <textarea data-testid="report-amend-reason" rows={2} value={reason} onChange={(event) => setReason(event.target.value)} autoFocus />
          </label>
          <div className="report-actions">
            <button
              className="primary"
              data-testid="report-amend-start"
              disabled={busy || reason.trim().length < 3}
              onClick={() =>
                void onAmend(reason.trim()).then((ok) => {
                  if (ok) {
                    setAmending(false);
                    setReason('');
                  }
                })
              }
            >
              Start amendment
            </button>
            <button data-testid="report-amend-cancel" disabled={busy} onClick={() => setAmending(false)}>
              Cancel
            </button>
            {reason.trim().length < 3 && <span className="muted">give the reason (at least 3 characters)</span>}
          </div>
        </div>
      )}
    </section>
  );
}
