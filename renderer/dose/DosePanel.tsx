/**
 * The radiation dose of one study (CLINICAL.md section 4): the record in effect with the source of
 * each value, its irradiation events, effective dose with k and its source, the scanner's Dose Check
 * alerts, the reference-level check with the technologist's reason, manual entry and the history
 * of records (never changed; a correction is a new record).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DoseRecordView, DoseView } from '../../main/api/contract.js';
import type { DoseSource } from '../../main/dose/doseTypes.js';
import { cacClient } from '../api/cacClient.js';
import { errorMessage, formatStudyDate, formatTime, formatValue, SOURCE_LABEL, withUnit } from './doseFormat.js';
import { ManualDoseForm } from './ManualDoseForm.js';
import { DlpEstimate } from './DlpEstimate.js';
import { doseNotes } from '../../main/dose/doseNotes.js';

function SourceBadge({ source, testId }: { source: DoseSource | null; testId?: string }) {
  if (!source) return <span className="source-badge none">no source</span>;
  return (
    <span className={`source-badge source-${source}`} data-testid={testId} data-source={source}>
      {SOURCE_LABEL[source]}
    </span>
  );
}

function scannerName(scanner: DoseRecordView['scanner']): string {
  const parts = [scanner.manufacturer, scanner.model, scanner.stationName].filter((part): part is string => !!part);
  return parts.length ? parts.join(' · ') : '—';
}

export function DosePanel({ studyInstanceUid, defaultProtocol, onChanged }: { studyInstanceUid: string; defaultProtocol?: string; onChanged?: (view: DoseView) => void }) {
  const [view, setView] = useState<DoseView>();
  const [error, setError] = useState<string>();
  const [entering, setEntering] = useState(false);
  const [reasonText, setReasonText] = useState('');
  const [editingReason, setEditingReason] = useState(false);
  const [reasonError, setReasonError] = useState<string>();

  // A ref, so a parent's inline callback does not make the panel reload on every render.
  const onChangedRef = useRef(onChanged);
  onChangedRef.current = onChanged;
  const adopt = useCallback((next: DoseView) => {
    setView(next);
    setError(undefined);
    onChangedRef.current?.(next);
  }, []);

  const load = useCallback(async () => {
    try {
      const next = await cacClient.call('dose.get', { studyInstanceUid });
      adopt(next);
      if (!next.current) setEntering(true);
    } catch (reason) {
      setError(errorMessage(reason));
    }
  }, [studyInstanceUid, adopt]);

  useEffect(() => {
    void load();
  }, [load]);

  const saveReason = async () => {
    try {
      adopt(await cacClient.call('dose.setReason', { studyInstanceUid, reason: reasonText }));
      setEditingReason(false);
      setReasonError(undefined);
    } catch (reason) {
      setReasonError(errorMessage(reason));
    }
  };

  const current = view?.current ?? null;
  const reference = current?.reference;
  const showReasonForm = !!reference?.above && (view?.reasonNeeded || editingReason);

  return (
    <section className="panel dose-panel" data-testid="dose-panel" data-loaded={view || error ? 'true' : 'false'} data-above-reference={reference?.above ? 'true' : 'false'}>
      <header className="panel-header">
        <h2>Radiation dose</h2>
        {current && <SourceBadge source={current.source} testId="dose-source" />}
        <span className="spacer" />
        <button data-testid="dose-manual-open" className={entering ? 'active' : undefined} onClick={() => setEntering((value) => !value)}>
          {current ? 'Enter a correction' : 'Enter the dose'}
        </button>
      </header>
      {error && (
        <div className="error" role="alert" data-testid="dose-error">
          The dose could not be read: {error} <button onClick={() => void load()}>Retry</button>
        </div>
      )}
      {view?.message && (
        <div className="notice" data-testid="dose-message">
          {view.message}
        </div>
      )}
      {current && (
        <>
          <dl className="dose-summary" data-testid="dose-current">
            <div>
              <dt>CTDIvol (highest event)</dt>
              <dd>
                <span data-testid="dose-ctdivol">{withUnit(current.ctdivolMaxMgy, 'mGy', 2)}</span> <SourceBadge source={current.valueSources.ctdivolMgy} />
              </dd>
            </div>
            <div>
              <dt>Total DLP</dt>
              <dd>
                <span data-testid="dose-dlp-total">{withUnit(current.dlpTotalMgyCm, 'mGy·cm', 1)}</span>
                <DlpEstimate source={current.source} dlpMgyCm={current.dlpTotalMgyCm} /> <SourceBadge source={current.valueSources.dlpTotalMgyCm} />
              </dd>
            </div>
            <div>
              <dt>Effective dose</dt>
              <dd data-testid="dose-effective">
                {current.effectiveDose ? (
                  <>
                    {withUnit(current.effectiveDose.effectiveDoseMsv, 'mSv', 2)}{' '}
                    <span className="muted">
                      = k {current.effectiveDose.kFactor} mSv/(mGy·cm) × DLP ({current.effectiveDose.kFactorChoice === 'cardiac' ? 'cardiac' : 'adult chest'}; {current.effectiveDose.kFactorSource})
                    </span>
                  </>
                ) : (
                  '— (no DLP)'
                )}
              </dd>
            </div>
            <div>
              <dt>Events</dt>
              <dd>
                {current.events.length} <SourceBadge source={current.valueSources.events} />
              </dd>
            </div>
            <div>
              <dt>Protocol</dt>
              <dd>{current.protocol ?? '—'}</dd>
            </div>
            <div>
              <dt>Scanner</dt>
              <dd>{scannerName(current.scanner)}</dd>
            </div>
            <div>
              <dt>Recorded</dt>
              <dd>
                {current.recordedBy} · {formatTime(current.recordedAt)}
                {current.comment ? ` · “${current.comment}”` : ''}
              </dd>
            </div>
          </dl>
          {doseNotes(current).length > 0 && (
            <ul className="notice dose-notes" data-testid="dose-notes">
              {doseNotes(current).map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}

          <div className={`reference-check${reference?.above ? ' above' : ''}`} data-testid="dose-reference">
            {reference?.level ? (
              <>
                <div>
                  Reference level “{reference.level.name}”: CTDIvol {reference.level.ctdivolMgy} mGy, DLP {reference.level.dlpMgyCm} mGy·cm
                  {reference.above ? '' : ' — within'}
                </div>
                {reference.above && (
                  <div className="flag" role="alert" data-testid="dose-reference-flag">
                    ▲ Above the reference level:
                    {reference.ctdivolAbove ? ` CTDIvol ${formatValue(current.ctdivolMaxMgy, 2)} > ${reference.level.ctdivolMgy} mGy` : ''}
                    {reference.ctdivolAbove && reference.dlpAbove ? ',' : ''}
                    {reference.dlpAbove ? ` DLP ${formatValue(current.dlpTotalMgyCm, 1)} > ${reference.level.dlpMgyCm} mGy·cm` : ''}
                  </div>
                )}
              </>
            ) : (
              <div className="muted">No reference level matches this protocol (settings: dose reference levels).</div>
            )}
            {view?.reason && !editingReason && (
              <div className="reason" data-testid="dose-reason">
                Reason: “{view.reason.reason}” — {view.reason.recordedBy}, {formatTime(view.reason.recordedAt)}{' '}
                <button className="link" data-testid="dose-reason-edit" onClick={() => (setReasonText(view.reason?.reason ?? ''), setEditingReason(true))}>
                  change
                </button>
              </div>
            )}
            {showReasonForm && (
              <form
                className="reason-form"
                onSubmit={(event) => {
                  event.preventDefault();
                  void saveReason();
                }}
              >
                <label className="field wide">
                  <span className="field-label">Why is this study above its reference level?</span>
                  <textarea data-testid="dose-reason-input" rows={2} placeholder="e.g. large patient (BMI 41), repeat after motion" value={reasonText} onChange={(event) => setReasonText(event.target.value)} />
                  {reasonError && (
                    <span className="field-error" data-testid="dose-reason-error">
                      {reasonError}
                    </span>
                  )}
                </label>
                <button type="submit" className="primary" data-testid="dose-reason-save">
                  Record the reason
                </button>
              </form>
            )}
          </div>

          {current.alerts.length > 0 && (
            <div className="dose-check" data-testid="dose-check-alerts">
              <h3>Scanner Dose Check</h3>
              <table className="grid">
                <thead>
                  <tr>
                    <th>Kind</th>
                    <th>Quantity</th>
                    <th className="number">Level</th>
                    <th className="number">Forward estimate</th>
                    <th>Reason for proceeding</th>
                    <th>Authorised by</th>
                  </tr>
                </thead>
                <tbody>
                  {current.alerts.map((alert, index) => {
                    const unit = alert.quantity === 'ctdivol' ? 'mGy' : alert.quantity === 'dlp' ? 'mGy·cm' : '';
                    return (
                      <tr key={index} className={alert.kind}>
                        <td>{alert.kind}</td>
                        <td>{alert.quantity === 'ctdivol' ? 'CTDIvol' : alert.quantity === 'dlp' ? 'DLP' : alert.quantity}</td>
                        <td className="number">{withUnit(alert.levelValue, unit, 1)}</td>
                        <td className="number">{withUnit(alert.forwardEstimate, unit, 2)}</td>
                        <td>{alert.reason ?? '—'}</td>
                        <td>{alert.person ?? '—'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}

          <h3>Irradiation events</h3>
          <div className="table-scroll">
            <table className="grid dose-events" data-testid="dose-events">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Protocol</th>
                  <th>Acquisition</th>
                  <th className="number">CTDIvol mGy</th>
                  <th className="number">DLP mGy·cm</th>
                  <th>Phantom</th>
                  <th className="number">kVp</th>
                  <th className="number">mA</th>
                  <th className="number">Time s</th>
                  <th className="number">Length mm</th>
                </tr>
              </thead>
              <tbody>
                {current.events.map((event, index) => (
                  <tr key={event.irradiationEventUid ?? index} data-testid="dose-event-row">
                    <td>{index + 1}</td>
                    <td>{event.protocol ?? '—'}</td>
                    <td>{event.acquisitionType ?? '—'}</td>
                    <td className="number">{formatValue(event.ctdivolMgy, 2)}</td>
                    <td className="number">{formatValue(event.dlpMgyCm, 1)}</td>
                    <td>{event.phantom === 'body-32' ? '32 cm body' : event.phantom === 'head-16' ? '16 cm head' : (event.phantom ?? '—')}</td>
                    <td className="number">{formatValue(event.kvp, 0)}</td>
                    <td className="number">{formatValue(event.tubeCurrentMa, 0)}</td>
                    <td className="number">{formatValue(event.exposureTimeS, 2)}</td>
                    <td className="number">{formatValue(event.scanLengthMm, 0)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <td colSpan={4}>Total DLP</td>
                  <td className="number" data-testid="dose-events-total">
                    {formatValue(current.dlpTotalMgyCm, 1)}
                    <DlpEstimate source={current.source} dlpMgyCm={current.dlpTotalMgyCm} />
                  </td>
                  <td colSpan={5} className="muted">
                    {current.studyDate ? `study ${formatStudyDate(current.studyDate)}` : ''}
                  </td>
                </tr>
              </tfoot>
            </table>
          </div>
        </>
      )}

      {entering && (
        <ManualDoseForm
          studyInstanceUid={studyInstanceUid}
          defaultProtocol={current?.protocol ?? defaultProtocol}
          onRecorded={(next) => {
            adopt(next);
            setEntering(false);
          }}
          onCancel={current ? () => setEntering(false) : undefined}
        />
      )}

      {view && view.history.length > 0 && (
        <div className="dose-history" data-testid="dose-history">
          <h3>Records (newest first)</h3>
          <table className="grid">
            <thead>
              <tr>
                <th>Recorded</th>
                <th>By</th>
                <th>Source</th>
                <th className="number">CTDIvol mGy</th>
                <th className="number">DLP mGy·cm</th>
                <th className="number">E mSv</th>
                <th>Comment</th>
              </tr>
            </thead>
            <tbody>
              {view.history.map((record) => (
                <tr key={record.id} data-testid="dose-history-row" className={record.id === current?.id ? 'current' : undefined}>
                  <td>
                    {formatTime(record.recordedAt)}
                    {record.id === current?.id ? ' (in effect)' : ''}
                  </td>
                  <td>{record.recordedBy}</td>
                  <td>
                    <SourceBadge source={record.source} />
                  </td>
                  <td className="number">{formatValue(record.ctdivolMaxMgy, 2)}</td>
                  <td className="number">
                    {formatValue(record.dlpTotalMgyCm, 1)}
                    <DlpEstimate source={record.source} dlpMgyCm={record.dlpTotalMgyCm} />
                  </td>
                  <td className="number">{formatValue(record.effectiveDose?.effectiveDoseMsv, 2)}</td>
                  <td>{record.comment ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
