import { describe, expect, it } from 'vitest';
import { importStatusText } from './importStatus.js';

const counts = { filesTotal: 0, filesDone: 0, bytesDone: 0, stored: 0, duplicates: 0, conflicts: 0, quarantined: 0 };
const summary = { importJobId: 1, status: 'done' as const, studies: 0, series: 0, counts, quarantined: [], conflicts: [], notes: [] };

describe('importStatusText', () => {
  it('says an import is starting until the first progress arrives', () => {
    expect(importStatusText(undefined, undefined)).toBe('Starting import…');
    expect(importStatusText({ ...counts, filesTotal: 10, filesDone: 3, bytesTotal: 100, currentSeries: 'Calcium' }, undefined)).toBe('3 / 10 files — Calcium');
  });

  it('says an empty folder had nothing to import rather than "0 stored"', () => {
    expect(importStatusText(undefined, summary)).toBe('Import done: nothing to import, no files were found there');
  });

  it('names why a file was not imported and why an import failed', () => {
    const quarantinedOnly = { ...summary, counts: { ...counts, filesTotal: 1, filesDone: 1, quarantined: 1 } };
    expect(importStatusText(undefined, quarantinedOnly)).toBe('Import done: 0 stored, 0 duplicates, 1 quarantined (no DICOM image was found: see the quarantine)');
    expect(importStatusText(undefined, { ...summary, counts: { ...counts, filesTotal: 12, filesDone: 12, stored: 12 } })).toBe('Import done: 12 stored, 0 duplicates, 0 quarantined');
    expect(importStatusText(undefined, { ...summary, status: 'failed', error: '/x cannot be imported: permission denied' })).toBe('Import failed: /x cannot be imported: permission denied');
  });
});
