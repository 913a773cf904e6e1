/**
 * Typed problems found while reading DICOM files and checking an acquisition.
 * Every message is written for a technologist: what is wrong, where, and what to do.
 */

export type LoadIssueCode =
  // about files
  | 'not-dicom'
  | 'dicomdir'
  | 'not-an-image'
  | 'unreadable-file'
  | 'truncated-file'
  | 'unsupported-transfer-syntax'
  | 'unsupported-pixel-format'
  | 'implausible-header'
  // about the series as an acquisition (CLINICAL.md 2.1)
  | 'missing-slice'
  | 'unequal-spacing'
  | 'duplicate-slice'
  | 'gantry-tilt'
  | 'non-axial'
  | 'mixed-series'
  | 'mixed-geometry'
  | 'kvp-not-120'
  | 'slice-thickness-not-3mm'
  | 'slice-gap'
  | 'contrast-suspected'
  | 'pixel-spacing-inconsistent'
  | 'hu-clamped'
  | 'mass-factor-middle-value'
  | 'assignment-missed'
  // the command line was given no seeds: every artery scores 0 because nothing was assigned
  | 'nothing-assigned';

export type Severity = 'note' | 'warning' | 'error';

export interface LoadIssue {
  code: LoadIssueCode;
  severity: Severity;
  message: string;
  /** The file the issue is about, when it is about one file. */
  file?: string;
}

/** Why a file could not be read from disk, in words (not "EACCES: permission denied, open ..."). */
export function describeFileSystemFailure(reason: unknown): string | undefined {
  switch ((reason as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'it does not exist (removed or renamed while being read?)';
    case 'EACCES':
    case 'EPERM':
      return 'there is no permission to read it';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'it is not a folder';
    case 'EIO':
      return 'the disk reports a read error (a damaged CD or disk?)';
    case 'ELOOP':
      return 'it is a link that points to itself';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open at once; try again';
    default:
      return undefined;
  }
}

/** An error that stops a load. It carries the issue so callers can show it as is. */
export class DicomLoadError extends Error {
  readonly code: LoadIssueCode;
  readonly file?: string;

  constructor(code: LoadIssueCode, message: string, file?: string) {
    super(message);
    this.name = 'DicomLoadError';
    this.code = code;
    this.file = file;
  }

  toIssue(): LoadIssue {
    return { code: this.code, severity: 'error', message: this.message, file: this.file };
  }
}
