/** A backup, verify or restore that could not be done, with the problems in words (one per file). */
export type BackupErrorCode = 'busy' | 'cancelled' | 'files-damaged' | 'not-a-backup' | 'newer-schema' | 'not-empty' | 'bad-folder' | 'failed';

export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'BackupError';
  }
}
