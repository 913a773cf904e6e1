/**
 * `cac backup <dir> [--archive DIR] [--json]`: a consistent backup of the archive while the
 * workstation runs and receives (incremental: only new files are copied into a folder that holds
 * an earlier backup). `cac backup verify <dir> [--snapshot NAME] [--json]`: check a backup; exit 1
 * with the problems listed when it is not whole.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ArchiveStore, DATABASE_FILE } from '../archive/archiveStore.js';
import { actorId, actorLabel, type Actor } from '../auth/actor.js';
import { CHANNEL_ACCESS } from '../auth/channelAccess.js';
import type { Role } from '../auth/roles.js';
import { cliActor } from './cliActor.js';
import { SETTINGS_FILE } from '../api/settingsStore.js';
import { backupArchive } from '../backup/backupArchive.js';
import { auditDetails, backupApiError } from '../backup/backupChannels.js';
import type { BackupSummary } from '../backup/backupContract.js';
import { BackupError } from '../backup/backupError.js';
import { verifyBackup } from '../backup/verifyBackup.js';
import { defaultArchiveDirectory, defaultDataDirectory } from '../settings/dataDirectory.js';
import { CliError, USAGE_EXIT } from './cliError.js';

export const BACKUP_USAGE = 'usage: cac backup <folder> [--archive DIR] [--as ADMIN] [--json] | cac backup verify <folder> [--snapshot NAME] [--json]';

export async function backupCommand(args: string[], out: (text: string) => void): Promise<void> {
  if (args[0] === 'verify') return verifyCommand(args.slice(1), out);
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { archive: { type: 'string' }, as: { type: 'string' }, json: { type: 'boolean', default: false } } });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}; ${BACKUP_USAGE}`, USAGE_EXIT);
  }
  if (parsed.positionals.length !== 1) throw new CliError(BACKUP_USAGE, USAGE_EXIT);
  const backupDir = resolve(parsed.positionals[0]);
  const dataDir = defaultDataDirectory();
  const archiveDir = resolve(parsed.values.archive ?? defaultArchiveDirectory(dataDir));
  if (!existsSync(join(archiveDir, DATABASE_FILE))) throw new CliError(`there is no archive in ${archiveDir} (no ${DATABASE_FILE}): give the archive folder with --archive`);
  // The settings beside the archive (the data directory's), when the archive is where it usually is.
  const settingsFile = parsed.values.archive ? join(dirname(archiveDir), SETTINGS_FILE) : join(dataDir, SETTINGS_FILE);
  // Opened without recover(): beside a running workstation, a file the app has written but not yet
  // recorded is not an orphan to remove. The snapshot only takes what the database records.
  const store = ArchiveStore.open(archiveDir);
  let actor: Actor;
  try {
    // --as an administrator (as the app's backup.start needs), else the workstation service identity.
    actor = await cliActor({ store, command: 'backup', as: parsed.values.as, allowedRoles: CHANNEL_ACCESS['backup.start'] as readonly Role[] });
  } catch (reason) {
    store.close();
    throw reason;
  }
  const by = actorLabel(actor);
  const byId = actorId(actor);
  if (!parsed.values.json) process.stderr.write(`acting as ${by}\n`);
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  const bar = progressBar('backing up');
  try {
    let summary: BackupSummary;
    try {
      summary = await backupArchive(store, backupDir, {
        actor: by,
        signal: controller.signal,
        settingsFile,
        onProgress: (progress) => progress.phase === 'files' && bar.show(progress.filesDone, progress.filesTotal, progress.bytesDone, progress.bytesTotal),
      });
    } catch (reason) {
      bar.end();
      const error = backupApiError(reason);
      store.audit.record({ actor: by, actorId: byId, action: 'backup-made', outcome: 'failure', subject: backupDir, details: { error: error.message, problems: error.details?.slice(0, 50) ?? [] } });
      throw new CliError(error.message, reason instanceof BackupError && reason.code === 'cancelled' ? 130 : 1, error.details ?? []);
    }
    bar.end();
    store.audit.record({ actor: by, actorId: byId, action: 'backup-made', subject: backupDir, details: auditDetails(summary) });
    out(parsed.values.json ? JSON.stringify(summary) : formatBackupSummary(summary, archiveDir));
  } finally {
    process.removeListener('SIGINT', cancel);
    store.close();
  }
}

async function verifyCommand(args: string[], out: (text: string) => void): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { snapshot: { type: 'string' }, json: { type: 'boolean', default: false } } });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}; ${BACKUP_USAGE}`, USAGE_EXIT);
  }
  if (parsed.positionals.length !== 1) throw new CliError(BACKUP_USAGE, USAGE_EXIT);
  const backupDir = resolve(parsed.positionals[0]);
  const bar = progressBar('checking');
  const { manifest, ...result } = await verifyBackup(backupDir, {
    snapshot: parsed.values.snapshot,
    onProgress: (progress) => bar.show(progress.filesDone, progress.filesTotal, progress.bytesDone, progress.bytesTotal),
  });
  bar.end();
  if (parsed.values.json) out(JSON.stringify(result));
  else if (result.ok) {
    out(`Backup ${backupDir} is whole: snapshot ${result.snapshot} of ${result.createdAt} by ${manifest?.createdBy}, ${result.filesChecked} files (${formatBytes(result.bytesChecked)}) present with their SHA-256, manifest consistent with the database`);
  }
  if (!result.ok) throw new CliError(`the backup in ${backupDir} is not whole: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`, 1, result.problems);
}

export function formatBackupSummary(summary: BackupSummary, archiveDir: string): string {
  return [
    `Backup of ${archiveDir} made in ${summary.backupDir}`,
    `  snapshot ${summary.snapshot} (database version ${summary.schemaVersion}, CAC Workstation ${summary.appVersion}) by ${summary.createdBy}`,
    `  ${summary.files} files, ${formatBytes(summary.totalBytes)}; copied ${summary.copied.files} new (${formatBytes(summary.copied.bytes)}), already in the backup ${summary.reused.files}`,
    `  ${summary.tables.studies ?? 0} studies, ${summary.tables.instances ?? 0} objects, ${summary.tables.reports ?? 0} reports, ${summary.auditChainHead?.count ?? 0} audit entries; ${(summary.durationMs / 1000).toFixed(1)} s`,
    ...summary.notes.map((note) => `  note: ${note}`),
  ].join('\n');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}

/** A bar on stderr when it is a terminal (redrawn at most 10 times a second); a line per 10% otherwise (logs of scheduled runs). */
export function progressBar(label: string): { show(done: number, total: number, bytesDone: number, bytesTotal: number): void; end(): void } {
  const tty = process.stderr.isTTY === true;
  let lastDrawn = 0;
  let lastTenth = -1;
  let drawn = false;
  return {
    show(done, total, bytesDone, bytesTotal) {
      const fraction = bytesTotal > 0 ? bytesDone / bytesTotal : total > 0 ? done / total : 1;
      if (tty) {
        const now = Date.now();
        if (now - lastDrawn < 100 && done < total) return;
        lastDrawn = now;
        const width = 30;
        const filled = Math.round(fraction * width);
        process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%  ${done}/${total} files  ${formatBytes(bytesDone)}/${formatBytes(bytesTotal)}   `);
        drawn = true;
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      process.stderr.write(`${label} ${tenth * 10}%  ${done}/${total} files  ${formatBytes(bytesDone)}/${formatBytes(bytesTotal)}\n`);
    },
    end() {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}
