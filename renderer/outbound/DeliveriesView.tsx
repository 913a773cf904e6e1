/**
 * #/deliveries: every signed-report object on its way to a PACS, site-wide, so the technologist or
 * radiologist sees at a glance whether reports reached the PACS. Grouped failed → waiting → sent,
 * filters by status and destination, "Retry now" per row and "Retry all failed"; live through
 * outbound.changed, relative times ticking every second.
 */
import { useEffect, useMemo, useState } from 'react';
import type { StudySummary } from '../../db/archiveRepository.js';
import type { OutboundItem } from '../../main/report/reportContract.js';
import { formatDate, formatTimestamp } from '../../main/report/pdf/reportFormat.js';
import { cacClient } from '../api/cacClient.js';
import { canRetry } from '../report/reportStatus.js';
import {
  DELIVERY_GROUPS,
  GROUP_TITLES,
  NO_FILTER,
  attentionCount,
  destinationsOf,
  failedIds,
  filterDeliveries,
  groupDeliveries,
  relativeTime,
  shortUid,
  type DeliveryFilter,
  type DeliveryGroup,
} from './deliveryStatus.js';
import { useOutboundItems } from './useOutboundItems.js';

const COLUMNS = 9;

/** The clock the relative times are measured from: ticks every second while the view is open. */
function useNowMs(): number {
  const [nowMs, setNowMs] = useState(Date.now);
  useEffect(() => {
    const timer = window.setInterval(() => setNowMs(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return nowMs;
}

/** Patients by study, looked up once: a missing study (deleted, not archived here) shows its UID. */
function useStudies(): Map<string, StudySummary> {
  const [studies, setStudies] = useState(new Map<string, StudySummary>());
  useEffect(() => {
    let live = true;
    cacClient.call('studies.list', {}).then(
      ({ studies: list }) => live && setStudies(new Map(list.map((study) => [study.studyInstanceUid, study]))),
      () => undefined, // the UID is shown instead; the deliveries themselves still load
    );
    return () => {
      live = false;
    };
  }, []);
  return studies;
}

export function DeliveriesView({ onOpenStudy }: { onOpenStudy?: (studyInstanceUid: string) => void }) {
  const { items, error: loadError } = useOutboundItems();
  const studies = useStudies();
  const nowMs = useNowMs();
  const [filter, setFilter] = useState<DeliveryFilter>(NO_FILTER);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();

  const all = items ?? [];
  const destinations = useMemo(() => destinationsOf(all), [all]);
  const groups = useMemo(() => groupDeliveries(filterDeliveries(all, filter)), [all, filter]);
  const failed = failedIds(all);

  const retry = async (ids: number[]) => {
    setBusy(true);
    setMessage(undefined);
    const problems: string[] = [];
    for (const id of ids) {
      try {
        await cacClient.call('outbound.retry', { id });
      } catch (reason) {
        problems.push((reason as Error).message);
      }
    }
    setError(problems.length ? `Not retried: ${problems.join('; ')}` : undefined);
    if (!problems.length && ids.length > 1) setMessage(`${ids.length} deliveries are being retried now.`);
    setBusy(false);
  };

  const toggle = (id: number) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <section className="deliveries" data-testid="deliveries" data-state={items ? 'ready' : 'loading'}>
      <div className="toolbar deliveries-filters">
        <label>
          Status{' '}
          <select data-testid="deliveries-filter-status" value={filter.group} onChange={(event) => setFilter({ ...filter, group: event.target.value as DeliveryGroup | 'all' })}>
            <option value="all">all</option>
            {DELIVERY_GROUPS.map((group) => (
              <option key={group} value={group}>
                {group}
              </option>
            ))}
          </select>
        </label>
        <label>
          Destination{' '}
          <select data-testid="deliveries-filter-destination" value={filter.destination} onChange={(event) => setFilter({ ...filter, destination: event.target.value })}>
            <option value="">all</option>
            {destinations.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="deliveries-summary">
          {all.length} deliver{all.length === 1 ? 'y' : 'ies'}, {attentionCount(all)} not at the PACS yet
        </span>
        <span className="spacer" />
        <button data-testid="deliveries-retry-failed" disabled={busy || failed.length === 0} onClick={() => void retry(failed)}>
          Retry all failed{failed.length ? ` (${failed.length})` : ''}
        </button>
      </div>
      {(loadError || error) && (
        <div className="error" role="alert" data-testid="deliveries-error">
          {loadError ?? error}
        </div>
      )}
      {message && attentionCount(all) > 0 && (
        // Only while something still waits: once all is sent the rows say it.
        <div className="saved deliveries-message" role="status" data-testid="deliveries-message">
          {message}
        </div>
      )}
      <div className="deliveries-body">
        {!items ? (
          <div className="loading">Loading the deliveries…</div>
        ) : (
          <table className="grid deliveries-table" data-testid="deliveries-table">
            <thead>
              <tr>
                <th>Patient / study</th>
                <th>Object</th>
                <th>Destination</th>
                <th>Status</th>
                <th className="number">Attempts</th>
                <th>Last error</th>
                <th>Next attempt</th>
                <th>Sent at</th>
                <th />
              </tr>
            </thead>
            {groups.length === 0 && (
              <tbody>
                <tr>
                  <td colSpan={COLUMNS} className="deliveries-empty" data-testid="deliveries-empty">
                    {all.length === 0
                      ? 'No deliveries yet: signed reports are sent to the PACS named in Settings → Report, and each object shows up here.'
                      : 'No delivery matches these filters.'}
                  </td>
                </tr>
              </tbody>
            )}
            {groups.map(({ group, items: rows }) => (
              <tbody key={group} className={`deliveries-group deliveries-group-${group}`} data-testid={`deliveries-group-${group}`}>
                <tr className="deliveries-group-title">
                  <th colSpan={COLUMNS}>
                    {GROUP_TITLES[group]} <span className="muted">({rows.length})</span>
                  </th>
                </tr>
                {rows.map((item) => (
                  <DeliveryRow
                    key={item.id}
                    item={item}
                    study={studies.get(item.studyInstanceUid)}
                    nowMs={nowMs}
                    expanded={expanded.has(item.id)}
                    busy={busy}
                    onToggle={() => toggle(item.id)}
                    onRetry={() => void retry([item.id])}
                    onOpenStudy={onOpenStudy}
                  />
                ))}
              </tbody>
            ))}
          </table>
        )}
      </div>
    </section>
  );
}

function DeliveryRow(props: {
  item: OutboundItem;
  study: StudySummary | undefined;
  nowMs: number;
  expanded: boolean;
  busy: boolean;
  onToggle: () => void;
  onRetry: () => void;
  onOpenStudy?: (studyInstanceUid: string) => void;
}) {
  const { item, study, nowMs, expanded, busy } = props;
  const patient = study ? (study.patientName?.replace(/\^/g, ' ').trim() || study.patientId) : undefined;
  const studyText = study ? [study.studyDate && formatDate(study.studyDate), study.studyDescription].filter(Boolean).join(' · ') || shortUid(item.studyInstanceUid) : shortUid(item.studyInstanceUid);
  return (
    <tr data-testid="deliveries-row" data-status={item.status} data-destination={item.destination} data-delivery-id={item.id}>
      <td title={`Study Instance UID ${item.studyInstanceUid}`}>
        {patient ? <div data-testid="deliveries-patient">{patient}</div> : null}
        <div className={patient ? 'muted' : undefined} data-testid="deliveries-study">
          {props.onOpenStudy ? (
            <a href={`#/procedure/${item.studyInstanceUid}`} onClick={(event) => { event.preventDefault(); props.onOpenStudy?.(item.studyInstanceUid); }}>
              {studyText}
            </a>
          ) : (
            studyText
          )}
        </div>
      </td>
      <td title={`SOP Instance UID ${item.sopInstanceUid}`}>
        <div data-testid="deliveries-object">{item.description}</div>
        {/* Several key images share one description: the UID's end tells them apart. */}
        <div className="muted deliveries-uid">{shortUid(item.sopInstanceUid, 8)}</div>
      </td>
      <td data-testid="deliveries-destination">{item.destination}</td>
      <td>
        <span className={`deliveries-status deliveries-status-${item.status}`} data-testid="deliveries-status">
          {item.status}
        </span>
      </td>
      <td className="number" data-testid="deliveries-attempts">
        {item.attempts}
      </td>
      <td className="deliveries-error-cell">
        {item.lastError && (
          <button
            type="button"
            className={`deliveries-last-error${expanded ? ' expanded' : ''}`}
            title={item.lastError}
            aria-expanded={expanded}
            data-testid="deliveries-last-error"
            onClick={props.onToggle}
          >
            {item.lastError}
          </button>
        )}
      </td>
      <td className="deliveries-nowrap" data-testid="deliveries-next-attempt" title={item.nextAttemptAt && item.status === 'queued' ? formatTimestamp(item.nextAttemptAt) : undefined}>
        {item.status === 'queued' && item.nextAttemptAt ? relativeTime(item.nextAttemptAt, nowMs) : item.status === 'sending' ? 'sending now' : ''}
      </td>
      <td className="deliveries-nowrap" data-testid="deliveries-sent-at" title={item.sentAt ? relativeTime(item.sentAt, nowMs) : undefined}>
        {item.sentAt ? formatTimestamp(item.sentAt) : ''}
      </td>
      <td>
        {canRetry(item) && (
          <button data-testid="deliveries-retry" disabled={busy} onClick={props.onRetry}>
            Retry now
          </button>
        )}
      </td>
    </tr>
  );
}
