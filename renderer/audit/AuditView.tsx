/**
 * The audit trail (#/audit, administrators and physicists): every entry with filters (user, action,
 * study, date range), paging, the chain's status (verify on demand: which entry is broken and why),
 * and the exports: CSV and DICOM audit messages (PS3.15 A.5, for an ATNA repository), saved through
 * a Blob link as the dose log does (works in Electron too).
 */
import { useCallback, useEffect, useState } from 'react';
import type { CacRequest, CacResponse } from '../../main/api/contract.js';
import { cacClient } from '../api/cacClient.js';

type Filter = CacRequest<'audit.list'>;
type Listing = CacResponse<'audit.list'>;
type ChainStatus = CacResponse<'audit.verify'>;

const PAGE = 100;

const REASON_LABEL: Record<NonNullable<ChainStatus['firstBroken']>['reason'], string> = {
  edited: 'edited after it was written',
  deleted: 'deleted',
  inserted: 'inserted outside the workstation',
  reordered: 'moved out of order',
  'tail-missing': 'entries missing from the end',
};

interface Fields {
  user: string;
  action: string;
  study: string;
  from: string;
  to: string;
}

const EMPTY: Fields = { user: '', action: '', study: '', from: '', to: '' };

/** The form as a request: local days become the exact UTC times of their start and end. */
function toFilter(fields: Fields, offset = 0): Filter {
  const filter: Filter = { limit: PAGE, offset };
  if (fields.user.trim()) filter.user = fields.user.trim();
  if (fields.action) filter.action = fields.action;
  if (fields.study.trim()) filter.studyInstanceUid = fields.study.trim();
  if (fields.from) filter.from = new Date(`${fields.from}T00:00:00`).toISOString();
  if (fields.to) filter.to = new Date(`${fields.to}T23:59:59.999`).toISOString();
  return filter;
}

function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

function saveFile(contents: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([contents], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function formatTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function formatDetails(details: Record<string, unknown> | null): string {
  if (!details) return '';
  return Object.entries(details)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

export function AuditView() {
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [offset, setOffset] = useState(0);
  const [listing, setListing] = useState<Listing>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [chain, setChain] = useState<ChainStatus>();
  const [verifying, setVerifying] = useState(false);

  const load = useCallback(async (next: Fields, nextOffset: number) => {
    try {
      setListing(await cacClient.call('audit.list', toFilter(next, nextOffset)));
      setError(undefined);
    } catch (reason) {
      setError(errorMessage(reason));
    }
  }, []);

  useEffect(() => {
    // Typing in a filter asks again after a short pause, not on every key.
    const timer = setTimeout(() => void load(fields, offset), 250);
    return () => clearTimeout(timer);
  }, [fields, offset, load]);

  const set = (key: keyof Fields) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    setOffset(0);
    setFields((current) => ({ ...current, [key]: event.target.value }));
  };

  const verify = async () => {
    setVerifying(true);
    try {
      setChain(await cacClient.call('audit.verify', {}));
      setError(undefined);
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setVerifying(false);
    }
  };

  const exportAs = async (format: 'csv' | 'atna') => {
    const { limit: _limit, offset: _offset, ...filter } = toFilter(fields);
    try {
      if (format === 'csv') {
        const { csv, fileName, rows } = await cacClient.call('audit.exportCsv', { ...filter, limit: 100_000 });
        saveFile(csv, fileName, 'text/csv;charset=utf-8');
        setNotice(`${rows} ${rows === 1 ? 'entry' : 'entries'} exported to ${fileName}`);
      } else {
        const { xml, fileName, messages } = await cacClient.call('audit.exportAtna', { ...filter, limit: 100_000 });
        saveFile(xml, fileName, 'application/xml;charset=utf-8');
        setNotice(`${messages} DICOM audit ${messages === 1 ? 'message' : 'messages'} exported to ${fileName}`);
      }
      setError(undefined);
    } catch (reason) {
      setError(errorMessage(reason));
    }
  };

  const filtered = Object.values(fields).some((value) => value !== '');
  const total = listing?.total ?? 0;

  return (
    <section className="audit-view" data-testid="audit-view">
      <div className="toolbar audit-filters">
        <input data-testid="audit-filter-user" placeholder="User contains…" value={fields.user} onChange={set('user')} />
        <select data-testid="audit-filter-action" value={fields.action} onChange={set('action')}>
          <option value="">Every action</option>
          {listing?.actions.map((action) => (
            <option key={action} value={action}>
              {action}
            </option>
          ))}
        </select>
        <input data-testid="audit-filter-study" className="audit-study" placeholder="Study Instance UID" value={fields.study} onChange={set('study')} />
        <label>
          From <input data-testid="audit-filter-from" type="date" value={fields.from} onChange={set('from')} />
        </label>
        <label>
          to <input data-testid="audit-filter-to" type="date" value={fields.to} onChange={set('to')} />
        </label>
        <button data-testid="audit-filter-clear" onClick={() => (setOffset(0), setFields(EMPTY))} disabled={!filtered}>
          Clear filters
        </button>
        <span className="spacer" />
        <button data-testid="audit-export-csv" onClick={() => void exportAs('csv')} disabled={!listing}>
          Export CSV
        </button>
        <button data-testid="audit-export-atna" onClick={() => void exportAs('atna')} disabled={!listing} title="DICOM audit messages (PS3.15 A.5) for an ATNA audit repository">
          Export DICOM audit (ATNA)
        </button>
      </div>

      <div className={`audit-chain panel ${chain ? (chain.ok ? 'intact' : 'broken') : ''}`} data-testid="audit-chain" data-chain-state={chain ? (chain.ok ? 'intact' : 'broken') : 'unchecked'}>
        <button data-testid="audit-verify" onClick={() => void verify()} disabled={verifying}>
          {verifying ? 'Verifying…' : 'Verify the chain'}
        </button>
        <span data-testid="audit-chain-status" role="status">
          {!chain && 'Every entry is chained to the one before by its SHA-256: verify to check that none was changed, removed, added or moved.'}
          {chain?.ok && `Intact: ${chain.entries} entries checked in ${chain.seconds.toFixed(2)} s (${formatTime(chain.checkedAt)}).`}
          {chain && !chain.ok && chain.firstBroken && (
            <>
              <strong>Broken at entry {chain.firstBroken.id}</strong> ({REASON_LABEL[chain.firstBroken.reason]}): {chain.firstBroken.message}
            </>
          )}
        </span>
      </div>

      {notice && (
        <div className="notice" role="status" data-testid="audit-exported">
          {notice}
        </div>
      )}
      {error && (
        <div className="error" role="alert" data-testid="audit-error">
          {error}
        </div>
      )}

      <div className="muted summary" data-testid="audit-summary">
        {listing ? `${total} ${total === 1 ? 'entry' : 'entries'}${filtered ? ' match' : ''}${total > PAGE ? ` · showing ${offset + 1}–${Math.min(offset + PAGE, total)}` : ''}` : 'Loading…'}
      </div>
      <table className="grid audit-table">
        <thead>
          <tr>
            <th className="number">#</th>
            <th>Time</th>
            <th>User</th>
            <th>Action</th>
            <th>Outcome</th>
            <th>Object</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {listing?.events.map((event) => (
            <tr key={event.id} data-testid="audit-row" data-entry-id={event.id} data-action={event.action} className={event.outcome === 'failure' ? 'failure' : undefined}>
              <td className="number">{event.id}</td>
              <td title={event.at}>{formatTime(event.at)}</td>
              <td>{event.actor}</td>
              <td>{event.action}</td>
              <td data-testid="audit-outcome">{event.outcome === 'success' ? 'success' : '✕ failure'}</td>
              <td className="audit-subject">{event.subject ?? '—'}</td>
              <td className="audit-details">{formatDetails(event.details)}</td>
            </tr>
          ))}
          {listing && listing.events.length === 0 && (
            <tr>
              <td colSpan={7} className="empty">
                No audit entries{filtered ? ' for these filters' : ' yet'}.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {total > PAGE && (
        <div className="toolbar audit-paging">
          <button data-testid="audit-page-newer" onClick={() => setOffset(Math.max(0, offset - PAGE))} disabled={offset === 0}>
            ← Newer
          </button>
          <button data-testid="audit-page-older" onClick={() => setOffset(offset + PAGE)} disabled={offset + PAGE >= total}>
            Older →
          </button>
        </div>
      )}
    </section>
  );
}
