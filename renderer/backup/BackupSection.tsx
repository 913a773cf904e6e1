/**
 * Backup of the archive, for administrators: a folder, "Back up now" with its progress, the result
 * (or why not), and "Verify" of the backup in that folder. The backup itself runs in main and goes
 * on while the workstation receives; a second start while one runs is refused there.
 */
import { useEffect, useState } from 'react';
import type { BackupSummary, BackupVerification } from '../../main/api/contract.js';
import { cacClient } from '../api/cacClient.js';
import { progressFraction, progressText, summaryText } from './backupText.js';

type Progress = { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number };
type Outcome = { kind: 'done'; summary: BackupSummary } | { kind: 'failed'; message: string; details: string[] };

export function BackupSection(_props: Record<string, never> = {}) {
  const [folder, setFolder] = useState('');
  const [backupId, setBackupId] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [verification, setVerification] = useState<BackupVerification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);

  useEffect(() => {
    if (!backupId) return undefined;
    const stopProgress = cacClient.on('backup.progress', (event) => {
      if (event.backupId === backupId) setProgress(event);
    });
    const stopDone = cacClient.on('backup.done', (event) => {
      if (event.backupId !== backupId) return;
      setBackupId(null);
      setOutcome(event.summary ? { kind: 'done', summary: event.summary } : { kind: 'failed', message: event.error?.message ?? 'the backup failed', details: event.error?.details ?? [] });
    });
    return () => {
      stopProgress();
      stopDone();
    };
  }, [backupId]);

  const start = async () => {
    setRefusal(null);
    setOutcome(null);
    setVerification(null);
    setProgress({ filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 });
    try {
      const started = await cacClient.call('backup.start', { folder: folder.trim() });
      setBackupId(started.backupId);
    } catch (error) {
      setProgress(null);
      setRefusal((error as Error).message);
    }
  };

  const verify = async () => {
    setRefusal(null);
    setVerification(null);
    setVerifying(true);
    try {
      setVerification(await cacClient.call('backup.verify', { folder: folder.trim() }));
    } catch (error) {
      setRefusal((error as Error).message);
    } finally {
      setVerifying(false);
    }
  };

  const running = backupId !== null;
  return (
    <section className="settings-section backup-section" data-testid="backup-section" data-state={running ? 'running' : outcome?.kind ?? 'idle'}>
      <header className="settings-section-header">
        <h2>Backup</h2>
      </header>
      <p className="muted">
        A snapshot of the archive (database, images, signed reports, settings) into a folder, taken while the workstation keeps receiving. A second backup into
        the same folder copies only what is new; earlier snapshots stay restorable. Restore with <code>cac restore &lt;folder&gt;</code> on a fresh install.
      </p>
      <label className="settings-field">
        <span>Backup folder</span>
        <input data-testid="backup-folder" placeholder="/media/backup/cac" value={folder} disabled={running} onChange={(event) => setFolder(event.target.value)} />
      </label>
      <div className="settings-actions">
        <button type="button" data-testid="backup-start" disabled={running || folder.trim() === ''} onClick={() => void start()}>
          {running ? 'Backing up…' : 'Back up now'}
        </button>
        <button type="button" data-testid="backup-verify" disabled={running || verifying || folder.trim() === ''} onClick={() => void verify()}>
          {verifying ? 'Checking…' : 'Verify backup'}
        </button>
      </div>
      {running && progress && (
        <div className="backup-progress" data-testid="backup-progress">
          <progress max={1} value={progressFraction(progress)} />
          <span data-testid="backup-progress-text">{progressText(progress)}</span>
        </div>
      )}
      {refusal && (
        <p className="settings-problem" role="alert" data-testid="backup-refused">
          {refusal}
        </p>
      )}
      {outcome?.kind === 'done' && (
        <div data-testid="backup-result" data-ok="true">
          <p>{summaryText(outcome.summary)}</p>
          {outcome.summary.notes.map((note) => (
            <p className="muted" key={note}>
              {note}
            </p>
          ))}
        </div>
      )}
      {outcome?.kind === 'failed' && (
        <div data-testid="backup-result" data-ok="false" role="alert">
          <p className="settings-problem">{outcome.message}</p>
          <ProblemList problems={outcome.details} />
        </div>
      )}
      {verification && (
        <div data-testid="backup-verification" data-ok={verification.ok}>
          {verification.ok ? (
            <p>
              The backup is whole: snapshot {verification.snapshot} ({verification.createdAt}), {verification.filesChecked} files present with their SHA-256, manifest consistent.
            </p>
          ) : (
            <>
              <p className="settings-problem">The backup is not whole ({verification.problems.length} problem{verification.problems.length === 1 ? '' : 's'}):</p>
              <ProblemList problems={verification.problems} />
            </>
          )}
        </div>
      )}
    </section>
  );
}

function ProblemList({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null;
  const shown = problems.slice(0, 20);
  return (
    <ul className="backup-problems" data-testid="backup-problems">
      {shown.map((problem) => (
        <li key={problem}>{problem}</li>
      ))}
      {problems.length > shown.length && <li>… and {problems.length - shown.length} more</li>}
    </ul>
  );
}
