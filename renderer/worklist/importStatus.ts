/** The one line under the import field: how far an import is, or how it ended, in words. */
import type { CacEvents } from '../../main/api/contract.js';

type Progress = CacEvents['import.progress']['progress'];
type Summary = CacEvents['import.done']['summary'];

export function importStatusText(progress: Progress | undefined, done: Summary | undefined): string {
  if (done) {
    if (done.status === 'failed') return `Import failed: ${done.error ?? 'no reason given'}`;
    if (done.status === 'cancelled') return `Import cancelled: ${done.counts.stored} stored before it stopped`;
    // An empty folder is "done" too, but "0 stored" alone reads like a silent failure.
    if (done.counts.filesTotal === 0) return 'Import done: nothing to import, no files were found there';
    const { stored, duplicates, quarantined } = done.counts;
    const quarantineNote = quarantined > 0 && stored === 0 && duplicates === 0 ? ' (no DICOM image was found: see the quarantine)' : '';
    return `Import done: ${stored} stored, ${duplicates} duplicates, ${quarantined} quarantined${quarantineNote}`;
  }
  if (progress) return `${progress.filesDone} / ${progress.filesTotal} files${progress.currentSeries ? ` — ${progress.currentSeries}` : ''}`;
  return 'Starting import…';
}
