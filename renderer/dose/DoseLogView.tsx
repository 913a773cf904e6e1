/**
 * The dose log (#/dose): every study's dose with filters (date range, protocol, scanner), studies
 * above their reference level flagged, a patient's history with cumulative DLP and effective dose,
 * the two charts, and CSV export (dose.exportCsv, saved through a Blob link: works in Electron too).
 */
import { useCallback, useEffect, useState } from 'react';
import type { CacRequest, DoseLogResponse, PatientDoseHistory } from '../../main/api/contract.js';
import { cacClient } from '../api/cacClient.js';
import { DoseOverTimeChart, ProtocolDistributionChart } from './DoseCharts.js';
import type { DoseQuantity } from './doseChartData.js';
import { errorMessage, formatPersonName, formatStudyDate, formatValue, SOURCE_LABEL } from './doseFormat.js';
import { DlpEstimate } from './DlpEstimate.js';

type Filter = CacRequest<'dose.log'>;

function cleanFilter(filter: Filter): Filter {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined && value !== '')) as Filter;
}

export function DoseLogView({ onOpenStudy }: { onOpenStudy: (studyInstanceUid: string) => void }) {
  const [filter, setFilter] = useState<Filter>({});
  const [log, setLog] = useState<DoseLogResponse>();
  const [error, setError] = useState<string>();
  const [quantity, setQuantity] = useState<DoseQuantity>('dlp');
  const [logScale, setLogScale] = useState(false);
  const [patient, setPatient] = useState<PatientDoseHistory>();
  const [exported, setExported] = useState<string>();

  const load = useCallback(async (next: Filter) => {
    try {
      setLog(await cacClient.call('dose.log', cleanFilter(next)));
      setError(undefined);
    } catch (reason) {
      setError(errorMessage(reason));
    }
  }, []);

  useEffect(() => {
    // Typing in a filter field asks again after a short pause, not on every key.
    const timer = setTimeout(() => void load(filter), 250);
    return () => clearTimeout(timer);
  }, [filter, load]);

  const openPatient = async (patientId: string) => {
    try {
      setPatient(await cacClient.call('dose.patientHistory', { patientId }));
    } catch (reason) {
      setError(errorMessage(reason));
    }
  };

  const exportCsv = async () => {
    try {
      const { csv, fileName, rows } = await cacClient.call('dose.exportCsv', cleanFilter(filter));
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExported(`${rows} ${rows === 1 ? 'study' : 'studies'} exported to ${fileName}`);
    } catch (reason) {
      setError(errorMessage(reason));
    }
  };

  const set = (key: keyof Filter) => (event: React.ChangeEvent<HTMLInputElement>) => setFilter((current) => ({ ...current, [key]: event.target.value || undefined }));
  const above = log?.rows.filter((row) => row.aboveReference).length ?? 0;

  return (
    <section className="dose-log" data-testid="dose-log">
      <div className="toolbar dose-filters">
        <label>
          From <input data-testid="dose-filter-from" type="date" value={filter.from ?? ''} onChange={set('from')} />
        </label>
        <label>
          to <input data-testid="dose-filter-to" type="date" value={filter.to ?? ''} onChange={set('to')} />
        </label>
        <input data-testid="dose-filter-protocol" placeholder="Protocol contains…" value={filter.protocol ?? ''} onChange={set('protocol')} />
        <input data-testid="dose-filter-scanner" placeholder="Scanner contains…" value={filter.scanner ?? ''} onChange={set('scanner')} />
        <button onClick={() => setFilter({})} disabled={Object.keys(cleanFilter(filter)).length === 0}>
          Clear filters
        </button>
        <span className="spacer" />
        <span className="segmented" role="group" aria-label="Quantity charted">
          {(['dlp', 'ctdivol'] as const).map((choice) => (
            <button key={choice} data-testid={`dose-quantity-${choice}`} className={quantity === choice ? 'active' : undefined} aria-pressed={quantity === choice} onClick={() => setQuantity(choice)}>
              {choice === 'dlp' ? 'DLP' : 'CTDIvol'}
            </button>
          ))}
        </span>
        <label>
          <input type="checkbox" data-testid="dose-log-scale" checked={logScale} onChange={(event) => setLogScale(event.target.checked)} /> log scale
        </label>
        <button data-testid="dose-export-csv" onClick={() => void exportCsv()} disabled={!log}>
          Export CSV
        </button>
      </div>
      {exported && (
        <div className="notice" role="status" data-testid="dose-exported">
          {exported}
        </div>
      )}
      {error && (
        <div className="error" role="alert" data-testid="dose-log-error">
          {error}
        </div>
      )}
      <div className="dose-log-body">
        {log && (
          <div className="charts" data-testid="dose-charts">
            <DoseOverTimeChart log={log} quantity={quantity} logScale={logScale} />
            <ProtocolDistributionChart log={log} quantity={quantity} logScale={logScale} />
          </div>
        )}
        <div className="dose-log-tables">
          <div className="muted summary" data-testid="dose-log-summary">
            {log ? `${log.rows.length} studies · ${above} above their reference level` : 'Loading…'}
          </div>
          <table className="grid dose-log-table">
            <thead>
              <tr>
                <th>Date</th>
                <th>Patient</th>
                <th>Protocol</th>
                <th>Scanner</th>
                <th>Source</th>
                <th className="number">CTDIvol mGy</th>
                <th className="number">DLP mGy·cm</th>
                <th className="number">E mSv</th>
                <th>Reference</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {log?.rows
                .slice()
                .reverse()
                .map((row) => (
                  <tr key={row.studyInstanceUid} data-testid="dose-log-row" data-study-uid={row.studyInstanceUid} data-above-reference={row.aboveReference ? 'true' : 'false'} className={row.aboveReference ? 'above' : undefined}>
                    <td>{formatStudyDate(row.studyDate)}</td>
                    <td>
                      {row.patientId ? (
                        <button className="link" data-testid="dose-log-patient" onClick={() => void openPatient(row.patientId!)}>
                          {formatPersonName(row.patientName)} ({row.patientId})
                        </button>
                      ) : (
                        formatPersonName(row.patientName)
                      )}
                    </td>
                    <td>{row.protocol ?? '—'}</td>
                    <td>{row.scanner ?? '—'}</td>
                    <td>{SOURCE_LABEL[row.source]}</td>
                    <td className="number">{formatValue(row.ctdivolMgy, 2)}</td>
                    <td className="number">
                      {formatValue(row.dlpMgyCm, 1)}
                      <DlpEstimate source={row.source} dlpMgyCm={row.dlpMgyCm} />
                    </td>
                    <td className="number" title={row.kFactor !== null ? `k = ${row.kFactor} mSv/(mGy·cm)` : undefined}>
                      {formatValue(row.effectiveDoseMsv, 2)}
                    </td>
                    <td>
                      {row.aboveReference ? (
                        <span className="dose-flag" data-testid="dose-log-flag" title={row.reason ?? 'no reason recorded yet'}>
                          ▲ above{row.referenceLevel ? ` ${row.referenceLevel.name}` : ''}
                          {row.reason ? ` — ${row.reason}` : ' — reason needed'}
                        </span>
                      ) : row.referenceLevel ? (
                        <span className="muted">within {row.referenceLevel.name}</span>
                      ) : (
                        <span className="muted">no level</span>
                      )}
                    </td>
                    <td>
                      <button data-testid="dose-log-open" onClick={() => onOpenStudy(row.studyInstanceUid)}>
                        Dose & notes
                      </button>
                    </td>
                  </tr>
                ))}
              {log && log.rows.length === 0 && (
                <tr>
                  <td colSpan={10} className="empty">
                    No dose recorded{Object.keys(cleanFilter(filter)).length ? ' for these filters' : ' yet'}.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          {patient && <PatientHistory history={patient} onClose={() => setPatient(undefined)} onOpenStudy={onOpenStudy} />}
        </div>
      </div>
    </section>
  );
}

function PatientHistory({ history, onClose, onOpenStudy }: { history: PatientDoseHistory; onClose: () => void; onOpenStudy: (studyInstanceUid: string) => void }) {
  return (
    <div className="patient-history panel" data-testid="patient-history" data-patient-id={history.patientId}>
      <header className="panel-header">
        <h3>
          {formatPersonName(history.patientName)} ({history.patientId}): dose history
        </h3>
        <span className="spacer" />
        <button onClick={onClose}>Close</button>
      </header>
      <table className="grid">
        <thead>
          <tr>
            <th>Date</th>
            <th>Protocol</th>
            <th>Source</th>
            <th className="number">DLP mGy·cm</th>
            <th className="number">E mSv</th>
            <th className="number">Cumulative DLP mGy·cm</th>
            <th className="number">Cumulative E mSv</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {history.studies.map((study) => (
            <tr key={study.studyInstanceUid} data-testid="patient-history-row">
              <td>{formatStudyDate(study.studyDate)}</td>
              <td>{study.protocol ?? '—'}</td>
              <td>{study.source ? SOURCE_LABEL[study.source] : 'no dose recorded'}</td>
              <td className="number">
                {formatValue(study.dlpMgyCm, 1)}
                <DlpEstimate source={study.source} dlpMgyCm={study.dlpMgyCm} />
              </td>
              <td className="number" title={study.kFactor !== null ? `k = ${study.kFactor} mSv/(mGy·cm)` : undefined}>
                {formatValue(study.effectiveDoseMsv, 2)}
              </td>
              <td className="number">{formatValue(study.cumulativeDlpMgyCm, 1)}</td>
              <td className="number">{formatValue(study.cumulativeEffectiveDoseMsv, 2)}</td>
              <td>
                <button className="link" onClick={() => onOpenStudy(study.studyInstanceUid)}>
                  open
                </button>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={5}>
              Total over {history.studies.length} {history.studies.length === 1 ? 'study' : 'studies'}
              {history.studiesWithoutDose ? ` (${history.studiesWithoutDose} without a recorded dose)` : ''}
            </td>
            <td className="number" data-testid="patient-total-dlp">
              {formatValue(history.totalDlpMgyCm, 1)}
            </td>
            <td className="number" data-testid="patient-total-effective">
              {formatValue(history.totalEffectiveDoseMsv, 2)}
            </td>
            <td />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
