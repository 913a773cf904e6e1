/**
 * Where the signed report went: every delivery of its objects (PDF, SR) to PACS with its status,
 * attempts, last error and next attempt, kept live by outbound.changed; "Retry now" for what is
 * waiting or failed; sending to another PACS from the settings, or once more to one that already has
 * it ("Send again", e.g. after the PACS lost the study); export to a folder.
 */
import { useState } from 'react';
import type { OutboundItem, ReportSummary } from '../../main/report/reportContract.js';
import type { ReportVersion } from '../../main/report/reportContent.js';
import { formatTimestamp } from '../../main/report/pdf/reportFormat.js';
import { cacClient } from '../api/cacClient.js';
import { canRetry } from './reportStatus.js';

export function ReportDelivery({ report, version, pacsNames }: { report: ReportSummary; version: ReportVersion | undefined; pacsNames: string[] }) {
  const [pacs, setPacs] = useState('');
  const [folder, setFolder] = useState('');
  const [exported, setExported] = useState<string[]>();
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  /** The PACS that already has (or is getting) every object of the version: offered "Send again". */
  const [alreadyThere, setAlreadyThere] = useState<{ pacs: string; version: number }>();
  const chosenPacs = pacs || pacsNames[0] || '';

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
      setError(undefined);
    } catch (reason) {
      setError((reason as Error).message);
      setMessage(undefined);
    } finally {
      setBusy(false);
    }
  };

  const send = (again = false) =>
    act(async () => {
      if (!version) return;
      const target = again && alreadyThere ? alreadyThere.pacs : chosenPacs;
      const { queued, objects } = await cacClient.call('report.send', { reportId: report.reportId, version: version.version, pacs: target, again });
      const nothingNew = queued === 0 && !again;
      setAlreadyThere(nothingNew ? { pacs: target, version: version.version } : undefined);
      setMessage(
        nothingNew
          ? `All ${objects} objects of v${version.version} are already sent or on their way to ${target}: nothing new to send.`
          : `${queued} object${queued === 1 ? '' : 's'} of v${version.version} queued${again ? ' again' : ''} for ${target}`,
      );
    });

  const exportTo = () =>
    act(async () => {
      if (!version) return;
      setExported(undefined);
      const { files } = await cacClient.call('report.export', { reportId: report.reportId, version: version.version, folder: folder.trim() });
      setExported(files);
      setMessage(undefined);
    });

  const retry = (item: OutboundItem) =>
    act(async () => {
      await cacClient.call('outbound.retry', { id: item.id });
    });

  const deliveries = [...report.deliveries].sort((a, b) => b.id - a.id);
  return (
    <section className="report-section report-delivery" data-testid="report-delivery">
      <h3>Delivery</h3>
      {!version ? (
        <p className="muted" data-testid="delivery-not-signed">
          Nothing to send yet: a report is sent and exported once it is signed.
        </p>
      ) : (
        <div className="report-delivery-forms">
          <div className="report-inline-form">
            <label>
              Send v{version.version} to{' '}
              <select data-testid="delivery-pacs" value={chosenPacs} onChange={(event) => setPacs(event.target.value)} disabled={pacsNames.length === 0}>
                {pacsNames.length === 0 && <option value="">no PACS in the settings</option>}
                {pacsNames.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <button data-testid="delivery-send" disabled={busy || !chosenPacs} onClick={() => void send()}>
              Send to PACS…
            </button>
          </div>
          <div className="report-inline-form">
            <label>
              Export v{version.version} to folder{' '}
              <input
                data-testid="delivery-folder"
                className="report-path"
                placeholder="/media/usb or E:\"
                value={folder}
                onChange={(event) => setFolder(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' && folder.trim()) void exportTo();
                }}
              />
            </label>
            <button data-testid="delivery-export" disabled={busy || !folder.trim()} onClick={() => void exportTo()}>
              Export to folder…
            </button>
          </div>
        </div>
      )}
      {message && (
        <div className="saved" role="status" data-testid="delivery-message">
          {message}
          {alreadyThere && alreadyThere.version === version?.version && (
            <>
              {' '}
              <button data-testid="delivery-send-again" disabled={busy} onClick={() => void send(true)} title="For a PACS that lost the study: the same objects (same UIDs) are sent once more">
                Send again to {alreadyThere.pacs}
              </button>
            </>
          )}
        </div>
      )}
      {error && (
        <div className="error" role="alert" data-testid="delivery-error">
          {error}
        </div>
      )}
      {exported && (
        <div className="report-exported" data-testid="delivery-exported">
          Written:
          <ul>
            {exported.map((file) => (
              <li key={file}>
                <code>{file}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="table-scroll">
      <table className="grid report-deliveries" data-testid="delivery-list">
        <thead>
          <tr>
            <th>Object → destination</th>
            <th>Status</th>
            <th>Last error / next attempt</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {deliveries.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                No deliveries yet.
              </td>
            </tr>
          )}
          {deliveries.map((item) => (
            <tr key={item.id} data-testid="delivery-row" data-status={item.status} data-delivery-id={item.id}>
              <td>
                {item.description}
                <div className="muted">→ {item.destination}</div>
              </td>
              <td className="report-nowrap">
                <span className={`report-badge report-delivery-${item.status}`} data-testid="delivery-status">
                  {item.status}
                </span>
                <div className="muted">
                  <span data-testid="delivery-attempts">{item.attempts}</span> attempt{item.attempts === 1 ? '' : 's'}
                </div>
                {item.sentAt && <div className="muted">{formatTimestamp(item.sentAt)}</div>}
              </td>
              <td className="report-delivery-detail">
                {item.lastError && <div className="report-warning">{item.lastError}</div>}
                {item.nextAttemptAt && item.status !== 'sent' && <div className="muted">next attempt {formatTimestamp(item.nextAttemptAt)}</div>}
              </td>
              <td>
                {canRetry(item) && (
                  <button data-testid="delivery-retry" disabled={busy} onClick={() => void retry(item)}>
                    Retry now
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </section>
  );
}
