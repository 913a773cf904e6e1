/**
 * Signing and amending. Signing is an electronic signature: the dialog names the signed-in signer
 * and the meaning of the signature, asks for the password again (the second component beside the
 * session) and says it cannot be undone; it sends the SHA-256 of the content on screen, so a draft
 * changed meanwhile is refused rather than signed blind. The button says why it is disabled
 * (unsaved text, stale scores); a person without a signing role sees no Sign or Amend button at all.
 */
import { useState } from 'react';
import type { ReportSummary } from '../../main/report/reportContract.js';
import { ROLE_LABELS, SIGNING_ROLES, type Role } from '../../main/auth/roles.js';
import { useOptionalSession } from '../auth/useSession.js';
import { versionStatusText } from './reportStatus.js';
import { zeroScoreWarning } from './zeroScoreWarning.js';

/** What a signature means when the site or the server names nothing else. */
export const DEFAULT_SIGNATURE_MEANING = 'Reviewed and approved as the reading physician';

export function SignOff({
  report,
  blockedReason,
  busy,
  onSign,
  onAmend,
  onDiscard,
  reading,
}: {
  report: ReportSummary;
  /** The open reading's assignments and unassigned candidate lesions: a CAC 0 with calcium left unassigned needs a confirmation. */
  reading?: { assignments: number; unassignedLesions: number | undefined };
  /** Why signing must wait (unsaved text, scores changed): shown under the disabled button. */
  blockedReason: string | undefined;
  busy: boolean;
  /** Signs with the password typed again; true when signed. */
  onSign: (password: string) => Promise<boolean>;
  onAmend: (reason: string) => Promise<boolean>;
  onDiscard: () => Promise<boolean>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [amending, setAmending] = useState(false);
  const [reason, setReason] = useState('');
  const [discarding, setDiscarding] = useState(false);
  const [password, setPassword] = useState('');
  const [zeroConfirmed, setZeroConfirmed] = useState(false);
  const session = useOptionalSession()?.session;
  const current = report.current;
  const isDraft = current.status === 'draft';
  const disabledReason = !report.signing.allowed ? (report.signing.reason ?? 'you may not sign reports') : blockedReason;
  // The server words the meaning and names the role the signature is made under; else the defaults.
  const meaning = report.signing.meaning || DEFAULT_SIGNATURE_MEANING;
  const heldRole = session?.user.roles.find((role) => SIGNING_ROLES.includes(role));
  const signerName = report.signing.signer?.displayName ?? session?.user.displayName;
  const signerRole = report.signing.signer?.role ?? (heldRole ? ROLE_LABELS[heldRole] : undefined);
  /** Technologists, physicists and administrators prepare or read reports but never sign them. */
  const signs = session === undefined || session.user.roles.some((role) => SIGNING_ROLES.includes(role));
  const zeroWarning = reading && zeroScoreWarning({ totalAgatston: current.content.scores.total.agatston, ...reading });
  const mayConfirm = !busy && password !== '' && (zeroWarning === undefined || zeroConfirmed);
  const cancelSigning = () => {
    setConfirming(false);
    setPassword('');
    setZeroConfirmed(false);
  };
  const sign = () =>
    void onSign(password).then((ok) => {
      setPassword('');
      if (ok) {
        setConfirming(false);
        setZeroConfirmed(false);
      }
    });

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
              {signs ? (
                <button className="primary report-sign" data-testid="report-sign" disabled={busy || disabledReason !== undefined} onClick={() => setConfirming(true)}>
                  ✍ Sign report
                </button>
              ) : (
                <span className="muted" data-testid="report-sign-not-role">
                  Only radiologists and cardiologists sign reports.
                </span>
              )}
              {!signs ? null : !discarding ? (
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
            <form
              className="report-confirm"
              role="dialog"
              aria-label="Sign the report"
              data-testid="report-sign-confirm"
              onSubmit={(event) => {
                event.preventDefault();
                if (mayConfirm) sign();
              }}
            >
              <p>
                Sign version {current.version} as{' '}
                <strong data-testid="report-signer">
                  {signerName ? `${signerName}${signerRole ? `, ${signerRole in ROLE_LABELS ? ROLE_LABELS[signerRole as Role] : signerRole}` : ''}` : 'the signed-in physician'}
                </strong>
                {session && <span className="muted"> ({session.user.username})</span>}
              </p>
              <p>
                Meaning of this signature: <strong data-testid="report-signature-meaning">{meaning}</strong>
              </p>
              <p className="report-warning">
                A signed report cannot be changed afterwards: corrections need an amendment with a reason, and the signed version stays on record. The report is then sent to the configured
                PACS.
              </p>
              {zeroWarning && (
                <div className="report-zero-warning" role="alert" data-testid="report-zero-warning">
                  <p>⚠ {zeroWarning}</p>
                  <label>
                    <input type="checkbox" data-testid="report-zero-confirm" checked={zeroConfirmed} onChange={(event) => setZeroConfirmed(event.target.checked)} /> I have reviewed the
                    unassigned calcium: the score is 0
                  </label>
                </div>
              )}
              <p className="muted">Content fingerprint {report.currentSha256.slice(0, 12)}… (the preview you reviewed).</p>
              <label className="field">
                <span className="field-label">Your password, to sign</span>
                <input type="password" autoComplete="current-password" data-testid="report-sign-password" value={password} autoFocus onChange={(event) => setPassword(event.target.value)} />
              </label>
              <div className="report-actions">
                <button type="submit" className="primary" data-testid="report-sign-confirm-button" disabled={!mayConfirm}>
                  {busy ? 'Signing…' : 'Sign — this cannot be undone'}
                </button>
                <button type="button" data-testid="report-sign-cancel" disabled={busy} onClick={cancelSigning}>
                  Cancel
                </button>
              </div>
            </form>
          )}
          {signs && disabledReason && !confirming && (
            <div className="report-disabled-reason" data-testid="report-sign-disabled-reason">
              Cannot sign: {disabledReason}
            </div>
          )}
        </>
      ) : !amending ? (
        <div className="report-actions">
          <span className="muted">Signed reports are locked.{signs ? ' To correct it, amend it.' : ' A radiologist or cardiologist amends it if it needs a correction.'}</span>
          {signs && (
            <button data-testid="report-amend" disabled={busy} onClick={() => setAmending(true)}>
              Amend…
            </button>
          )}
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
