/** Words and numbers of the backup section (pure, tested): progress, sizes, the result. */
import type { BackupSummary } from '../../main/api/contract.js';

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} bytes`;
}

/** 0..1 by bytes (files are not the same size), by files when the sizes are not known yet. */
export function progressFraction(progress: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }): number {
  if (progress.bytesTotal > 0) return Math.min(1, progress.bytesDone / progress.bytesTotal);
  if (progress.filesTotal > 0) return Math.min(1, progress.filesDone / progress.filesTotal);
  return 0;
}

export function progressText(progress: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }): string {
  if (progress.filesTotal === 0) return 'taking the snapshot of the database…';
  return `${progress.filesDone} of ${progress.filesTotal} files, ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`;
}

export function summaryText(summary: BackupSummary): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const copied = summary.copied.files === 0 ? 'nothing new to copy' : `${summary.copied.files} new files copied (${formatBytes(summary.copied.bytes)})`;
  return `Backup ${summary.snapshot} made: ${summary.files} files, ${formatBytes(summary.totalBytes)}; ${copied}, ${summary.reused.files} already in the backup; ${seconds} s.`;
}
