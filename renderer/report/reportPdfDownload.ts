/**
 * The report PDF to the user's disk. Not window.open: the Electron window refuses new windows
 * (navigationPolicy.ts) and headless Chromium has no PDF viewer, so the bytes become a Blob URL
 * behind a download link with a file name that says whose report and which version it is.
 */
import type { ReportVersion } from '../../main/report/reportContent.js';
import { cacClient } from '../api/cacClient.js';
import { pdfFileName } from './reportStatus.js';

export async function downloadReportPdf(version: ReportVersion): Promise<string> {
  const bytes = await cacClient.call('report.pdf', { reportId: version.reportId, version: version.version });
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  const name = pdfFileName(version);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it started; keep the URL a while for slow disks.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
