/**
 * The report as HTML, drawn from the same ReportContent the PDF and the SR are made of, in the
 * PDF's order and with its number formats (reportFormat.ts): what the reader reviews is what
 * leaves the workstation. Read-only: the text is edited in ReportTextForm.
 */
import { arteryRows } from '../../main/report/arteryRows.js';
import { HOKANSON_SQRT_VOLUME_THRESHOLD } from '../../native-worker/risk/progression.js';
import type { ReportVersion } from '../../main/report/reportContent.js';
import {
  DOSE_SOURCE_TEXT,
  formatChange,
  formatDate,
  formatDlpTotal,
  formatMass,
  formatScore,
  formatSex,
  formatTime,
  formatTimestamp,
  massFactorSourceText,
  mesaInputPhrases,
  thresholdSourceText,
} from '../../main/report/pdf/reportFormat.js';
import { printablePersonName } from '../../main/report/pdf/winAnsiText.js';
import { cssColour, TARGET_CODE } from '../reading/palette.js';
import { versionStatusText } from './reportStatus.js';

export interface ReportPreviewProps {
  version: ReportVersion;
  siteName?: string;
  siteAddress?: string;
  /** Unsaved findings/impression shown in place of the stored text (marked as unsaved). */
  pendingText?: { findings: string; impression: string };
}

function Row({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

export function ReportPreview({ version, siteName, siteAddress, pendingText }: ReportPreviewProps) {
  const c = version.content;
  const time = formatTime(c.study.studyTime);
  const findings = pendingText?.findings ?? c.findings;
  const impression = pendingText?.impression ?? c.impression;
  const statusClass = version.status === 'draft' ? 'draft' : version.status === 'superseded' ? 'superseded' : version.amends ? 'amended' : 'final';
  const weights = c.method.weightBoundsHu.map((bound, n) => `${n + 1} from ${bound} HU`).join(', ');
  return (
    <article className={`report-paper report-status-${statusClass}`} data-testid="report-preview" data-version={version.version} data-status={version.status}>
      {version.status !== 'signed' && <div className="report-watermark">{version.status === 'draft' ? 'DRAFT' : 'SUPERSEDED'}</div>}
      <header className="report-paper-header">
        <div>
          <div className="report-site">{siteName || 'Site name not set'}</div>
          {siteAddress && <div className="report-site-address">{siteAddress}</div>}
        </div>
        <h1>Coronary artery calcium score</h1>
      </header>
      <dl className="report-facts">
        <div className="report-facts-column">
          <Row label="Patient" value={printablePersonName(c.patient.name)} testId="report-patient-name" />
          <Row label="Patient ID" value={c.patient.patientId} />
          <Row label="Birth date" value={formatDate(c.patient.birthDate)} />
          <Row label="Sex" value={formatSex(c.patient.sex)} />
          <Row label="Age" value={c.patient.ageYears === null ? 'not recorded' : `${c.patient.ageYears} years`} />
        </div>
        <div className="report-facts-column">
          <Row label="Study date" value={`${formatDate(c.study.studyDate)}${time ? ` ${time}` : ''}`} />
          <Row label="Accession" value={c.study.accessionNumber ?? 'not recorded'} />
          <Row label="Referring" value={c.study.referringPhysician ? printablePersonName(c.study.referringPhysician) : 'not recorded'} />
          <Row label="Study" value={c.study.description ?? 'not recorded'} />
        </div>
      </dl>
      <div className={`report-status-box ${statusClass}`} data-testid="report-preview-status">
        {versionStatusText(version)}
        {version.amends && ` · amends v${version.amends.version}: ${version.amends.reason}`}
      </div>

      <h2>Calcium scores</h2>
      <table className="report-scores" data-testid="report-scores">
        <thead>
          <tr>
            <th>Artery</th>
            <th>Agatston</th>
            <th>Volume (mm³)</th>
            <th>Mass (mg HA)</th>
            <th>Lesions</th>
          </tr>
        </thead>
        <tbody>
          {arteryRows(c.scores.arteries, c.lmWithLad ?? false).map(({ artery, label, score: s }) => {
            return (
              <tr key={artery}>
                <td>
                  {label === 'LM + LAD' && <span className="swatch" style={{ background: cssColour(TARGET_CODE.LM) }} />}
                  <span className="swatch" style={{ background: cssColour(TARGET_CODE[artery]) }} />
                  {label}
                </td>
                <td className="number" data-testid={`report-agatston-${artery}`}>
                  {formatScore(s.agatston)}
                </td>
                <td className="number" data-testid={`report-volume-${artery}`}>
                  {formatScore(s.volumeMm3)}
                </td>
                <td className="number">{formatMass(s.massMg)}</td>
                <td className="number" data-testid={`report-lesions-${artery}`}>
                  {s.lesions}
                </td>
              </tr>
            );
          })}
          <tr className="report-total">
            <td>Total</td>
            <td className="number" data-testid="report-agatston-total">
              {formatScore(c.scores.total.agatston)}
            </td>
            <td className="number" data-testid="report-volume-total">
              {formatScore(c.scores.total.volumeMm3)}
            </td>
            <td className="number" data-testid="report-mass-total">
              {formatMass(c.scores.total.massMg)}
            </td>
            <td className="number" data-testid="report-lesions-total">
              {c.scores.total.lesions}
            </td>
          </tr>
        </tbody>
      </table>
      {c.method.massFactor === null && <p className="report-small">Mass not reported: no calcium mass calibration is known for this scanner and kVp.</p>}

      <h2>Category</h2>
      <p className="report-category">
        <strong data-testid="report-category">{c.categories.seed.label}</strong> · <strong data-testid="report-cac-drs">{c.categories.cacDrs.text}</strong>
      </p>
      <p data-testid="report-wording">{c.categories.wording.text}</p>
      <p className="report-small">
        Classic five-tier scale: {c.categories.classic.label}.{c.categories.wording.fromSite ? ' Category wording: site text.' : ''}
      </p>

      <h2>10-year coronary heart disease risk (MESA, with CAC)</h2>
      <div data-testid="report-mesa">
        {c.risk === null ? (
          <p>Risk factors were not entered: MESA risk not calculated.</p>
        ) : c.risk.mesa.ok ? (
          <p>
            <strong>MESA 10-year CHD risk: {c.risk.mesa.tenYearRiskPercent.toFixed(1)} %</strong>
          </p>
        ) : (
          <p className="report-warning">
            <strong>{c.risk.mesa.reason}</strong>
          </p>
        )}
        {c.risk && <p className="report-small">Inputs: {mesaInputPhrases(c.risk.factors).join(', ')}.</p>}
      </div>

      <h2>Progression against the prior study</h2>
      <div data-testid="report-progression">
        {c.progression === null ? (
          <p>No earlier scored study of this patient in the archive.</p>
        ) : (
          <>
            <p>
              Prior study {c.progression.prior.studyDate}; interval {c.progression.result.intervalYears.toFixed(2)} years ({c.progression.result.intervalDays} days).
            </p>
            <table className="report-scores">
              <thead>
                <tr>
                  <th>Score</th>
                  <th>Prior</th>
                  <th>Current</th>
                  <th>Change</th>
                  <th>Per year</th>
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ['Agatston', c.progression.result.agatston],
                    ['Volume (mm³)', c.progression.result.volumeMm3],
                    ['Mass (mg HA)', c.progression.result.massMg],
                  ] as const
                ).map(([name, change]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td className="number">{change.prior === null ? 'not calibrated' : formatScore(change.prior)}</td>
                    <td className="number">{change.current === null ? 'not calibrated' : formatScore(change.current)}</td>
                    <td className="number">{formatChange(change.absoluteChange)}</td>
                    <td className="number">{formatChange(change.annualisedChange)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {c.progression.result.annualisedUnavailableReason && <p className="report-warning">No annual rate: {c.progression.result.annualisedUnavailableReason}.</p>}
            <p>
              <strong>
                Verdict: {c.progression.result.progression ? 'progression' : 'no progression beyond measurement noise'} (square-root volume change{' '}
                {formatChange(c.progression.result.sqrtVolumeChange, 2)}; progression when ≥ {HOKANSON_SQRT_VOLUME_THRESHOLD}, Hokanson et al., AJR 2004).
              </strong>
            </p>
          </>
        )}
      </div>

      <h2>Acquisition</h2>
      <p>
        {[
          c.series.seriesNumber === null ? null : `series ${c.series.seriesNumber}`,
          `${c.series.slices} slices`,
          `slice thickness ${c.series.sliceThicknessMm === null ? 'not recorded' : `${c.series.sliceThicknessMm.toFixed(2)} mm`}`,
          `increment ${c.series.sliceIncrementMm.toFixed(2)} mm`,
          `pixel spacing ${c.series.pixelSpacingMm[0].toFixed(3)} × ${c.series.pixelSpacingMm[1].toFixed(3)} mm`,
          c.series.kvp === null ? 'kVp not recorded' : `${c.series.kvp} kVp`,
        ]
          .filter((fact) => fact !== null)
          .join(', ')}
        .
      </p>
      <ul className="report-warnings" data-testid="report-warnings">
        {c.warnings.length === 0 && <li className="report-muted">No acquisition warnings.</li>}
        {c.warnings.map((warning) => (
          <li key={warning.code + warning.message} className="report-warning">
            Warning: {warning.message}
          </li>
        ))}
      </ul>

      <h2>Radiation dose</h2>
      <div data-testid="report-dose">
        {c.dose === null ? (
          <p>No dose record for this study.</p>
        ) : (
          <>
            <p>
              <strong>
                CTDIvol {c.dose.ctdivolMgy === null ? 'not recorded' : `${c.dose.ctdivolMgy.toFixed(1)} mGy`}, DLP (total){' '}
                {formatDlpTotal(c.dose)}, effective dose{' '}
                {c.dose.effectiveDoseMsv === null ? 'not calculated' : `${c.dose.effectiveDoseMsv.toFixed(2)} mSv`}.
              </strong>
            </p>
            <p className="report-small">
              Effective dose = k × DLP, k = {c.dose.kFactor} mSv/(mGy·cm) ({c.dose.kFactorSource}). Source: {DOSE_SOURCE_TEXT[c.dose.source] ?? c.dose.source}.
            </p>
            {(c.dose.notes ?? []).map((note) => (
              <p key={note} className="report-warning" data-testid="report-dose-note">
                Note: {note}.
              </p>
            ))}
            {c.dose.aboveReference ? (
              <p className="report-warning">
                <strong>Above the protocol's reference level. Reason given: {c.dose.aboveReferenceReason ?? 'none recorded'}.</strong>
              </p>
            ) : (
              <p>Within the protocol's reference levels.</p>
            )}
          </>
        )}
      </div>

      <h2>Procedure notes</h2>
      <ul data-testid="report-procedure-notes">
        {c.procedureNotes.length === 0 && <li className="report-muted">None.</li>}
        {c.procedureNotes.map((note) => (
          <li key={note}>{note}</li>
        ))}
      </ul>

      <h2>
        Findings{pendingText && pendingText.findings !== c.findings && <span className="report-unsaved-mark"> (unsaved)</span>}
      </h2>
      <p className="report-text" data-testid="report-findings">
        {findings.trim() === '' ? 'None entered.' : findings}
      </p>
      <h2>
        Impression{pendingText && pendingText.impression !== c.impression && <span className="report-unsaved-mark"> (unsaved)</span>}
      </h2>
      <p className="report-text report-impression" data-testid="report-impression">
        {impression.trim() === '' ? 'None entered.' : impression}
      </p>

      <h2>Method</h2>
      <p className="report-small" data-testid="report-method">
        Agatston scoring: threshold {c.method.thresholdHu} HU ({thresholdSourceText(c.method.thresholdSource, c.series.kvp)}); density weights {weights}; minimum plaque area
        (A_min) {c.method.minAreaMm2.toFixed(1)} mm²;{' '}
        {c.method.massFactor === null
          ? 'no mass calibration: mass not reported'
          : `mass factor ${c.method.massFactor} mg HA/cm³ per HU (${massFactorSourceText(c.method.massFactorSource)})`}
        . {c.method.software}, algorithm {c.method.algorithmVersion}; reading {c.reading.readingId} revision {c.reading.revision} by {c.reading.reader}.
      </p>

      <h2>Sign-off</h2>
      <p data-testid="report-signoff">
        {version.signedAt && version.signedBy && version.status !== 'draft' ? (
          <strong>
            Signed by {version.signedBy} at {formatTimestamp(version.signedAt)}.
          </strong>
        ) : (
          <span className="report-warning">Not signed: this draft is not a valid report.</span>
        )}
      </p>
    </article>
  );
}
