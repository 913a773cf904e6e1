import { describe, expect, it } from 'vitest';
import { formatBytes, progressFraction, progressText, summaryText } from './backupText.js';

describe('backup section text', () => {
  it('measures progress by bytes, by files before the sizes are known', () => {
    expect(progressFraction({ filesDone: 1, filesTotal: 4, bytesDone: 750, bytesTotal: 1000 })).toBe(0.75);
    expect(progressFraction({ filesDone: 1, filesTotal: 4, bytesDone: 0, bytesTotal: 0 })).toBe(0.25);
    expect(progressFraction({ filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 })).toBe(0);
    expect(progressText({ filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 })).toBe('taking the snapshot of the database…');
    expect(progressText({ filesDone: 12, filesTotal: 40, bytesDone: 6_300_000, bytesTotal: 21_000_000 })).toBe('12 of 40 files, 6.3 MB of 21.0 MB');
  });

  it('says what a backup copied and what it reused', () => {
    expect(formatBytes(2_345_000_000)).toBe('2.35 GB');
    const summary = {
      backupDir: '/media/backup',
      snapshot: '2026-12-05T08-01-02-123Z',
      createdAt: '2026-12-05T08:01:02.123Z',
      createdBy: 'Ada Admin (admin)',
      appVersion: '0.1.0',
      schemaVersion: 9,
      files: 120,
      totalBytes: 64_000_000,
      copied: { files: 0, bytes: 0 },
      reused: { files: 120, bytes: 63_000_000 },
      tables: {},
      auditChainHead: null,
      durationMs: 420,
      notes: [],
    };
    expect(summaryText(summary)).toBe('Backup 2026-12-05T08-01-02-123Z made: 120 files, 64.0 MB; nothing new to copy, 120 already in the backup; 0.4 s.');
  });
});
