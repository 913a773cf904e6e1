/**
 * Every version of the report, oldest first: status, who signed when, the amendment reason. Any
 * version can be viewed (read-only preview) and its PDF downloaded.
 */
import type { ReportSummary } from '../../main/report/reportContract.js';
import { formatTimestamp } from '../../main/report/pdf/reportFormat.js';

export function ReportVersions({
  report,
  viewing,
  onView,
  onPdf,
  pdfBusy,
}: {
  report: ReportSummary;
  viewing: number;
  onView: (version: number) => void;
  onPdf: (version: number) => void;
  pdfBusy: boolean;
}) {
  return (
    <section className="report-section report-versions" data-testid="report-versions">
      <h3>Versions</h3>
      <table className="grid">
        <thead>
          <tr>
            <th>Version</th>
            <th>Status</th>
            <th>Signed / created</th>
            <th>Amendment reason</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...report.versions].reverse().map((version) => (
            <tr key={version.version} className={version.version === viewing ? 'current' : undefined} data-testid={`report-version-${version.version}`} data-status={version.status}>
              <td>v{version.version}</td>
              <td>
                <span className={`report-badge report-badge-${version.status}`} data-testid="report-version-status">
                  {version.status}
                </span>
              </td>
              <td>
                {version.signedAt && version.signedBy
                  ? `${version.signedBy}, ${formatTimestamp(version.signedAt)}`
                  : `draft by ${version.createdBy}, ${formatTimestamp(version.createdAt)}`}
              </td>
              <td>{version.amends ? `amends v${version.amends.version}: ${version.amends.reason}` : '—'}</td>
              <td className="report-row-actions">
                <button data-testid="report-version-view" disabled={version.version === viewing} onClick={() => onView(version.version)}>
                  {version.version === viewing ? 'Shown' : 'View'}
                </button>
                <button data-testid="report-version-pdf" disabled={pdfBusy} onClick={() => onPdf(version.version)}>
                  PDF
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
