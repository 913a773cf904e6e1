/**
 * Backup's API channels (admin only): start a backup of the archive into a folder (progress and
 * the result arrive as events), and verify a backup folder. Browser-safe: zod and types only.
 */
import { z } from 'zod';
import type { ApiError } from '../api/contract.js';
import type { ChannelAccess } from '../auth/roles.js';

const backupFolder = z
  .string()
  .trim()
  .min(1, 'choose the backup folder')
  .max(4096)
  .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'give the full path of the backup folder (e.g. /media/backup or E:\\backup)');

export const backupRequestSchemas = {
  /** Back up the archive into this folder (an earlier backup there is reused: only new files are copied). */
  'backup.start': z.strictObject({ folder: backupFolder }),
  /** Check a backup folder's newest snapshot: every file present with its hash, the manifest consistent. */
  'backup.verify': z.strictObject({ folder: backupFolder }),
} as const;

/** What a finished backup made, for the admin and the audit. */
export interface BackupSummary {
  backupDir: string;
  snapshot: string;
  createdAt: string;
  createdBy: string;
  appVersion: string;
  schemaVersion: number;
  /** Object files in the snapshot, and their bytes plus the database's. */
  files: number;
  totalBytes: number;
  copied: { files: number; bytes: number };
  reused: { files: number; bytes: number };
  tables: Record<string, number>;
  auditChainHead: { count: number; hash: string | null } | null;
  durationMs: number;
  /** Things worth knowing that did not stop the backup. */
  notes: string[];
}

export interface BackupVerification {
  ok: boolean;
  backupDir: string;
  /** The snapshot checked (the newest complete one), null when the folder holds none. */
  snapshot: string | null;
  createdAt: string | null;
  filesChecked: number;
  bytesChecked: number;
  /** One sentence per problem, naming the file. */
  problems: string[];
}

export interface BackupProgress {
  phase: 'database' | 'files' | 'manifest';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface BackupResponseByChannel {
  'backup.start': { backupId: string };
  'backup.verify': BackupVerification;
}

export interface BackupEvents {
  'backup.progress': { backupId: string; filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number };
  /** The backup ended: its summary, or why it was not made. */
  'backup.done': { backupId: string; summary?: BackupSummary; error?: ApiError };
}

/** Who may call each backup channel: the archive is the admin's. */
export const backupChannelRoles: Record<keyof typeof backupRequestSchemas, ChannelAccess> = {
  'backup.start': ['admin'],
  'backup.verify': ['admin'],
};
