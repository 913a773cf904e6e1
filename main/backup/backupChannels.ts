/**
 * The backup.* channels (admin only, see backupChannelRoles): backup.start runs one backup of the
 * archive at a time in the background, with progress and the result as events; backup.verify
 * checks a backup folder. Both are audited with the admin who asked.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { z } from 'zod';
import { ApiFailure } from '../api/apiError.js';
import type { ApiError } from '../api/contract.js';
import type { ApiServices } from '../api/handlers.js';
import { SETTINGS_FILE } from '../api/settingsStore.js';
import { actorId, actorLabel, currentActor } from '../auth/actor.js';
import { backupArchive } from './backupArchive.js';
import { BackupError } from './backupError.js';
import type { backupRequestSchemas, BackupResponseByChannel, BackupSummary } from './backupContract.js';
import { verifyBackup } from './verifyBackup.js';

type Schemas = typeof backupRequestSchemas;
export type BackupChannelImplementation = {
  [C in keyof Schemas]: (request: z.output<Schemas[C]>) => Promise<BackupResponseByChannel[C]> | BackupResponseByChannel[C];
};

interface RunningBackup {
  backupId: string;
  folder: string;
  startedBy: string;
  startedAt: string;
  controller: AbortController;
  done: Promise<void>;
}

/** One backup at a time per set of services (both transports share it). */
const runningOf = new WeakMap<ApiServices, { current?: RunningBackup }>();

/** Progress events at most this often (plus the first and the last). */
const PROGRESS_INTERVAL_MS = 100;

/** For shutdown: stop a backup in progress (its snapshot is dropped) and wait for it. */
export async function cancelRunningBackup(services: ApiServices): Promise<void> {
  const running = runningOf.get(services)?.current;
  if (!running) return;
  running.controller.abort();
  await running.done;
}

export function createBackupChannels(services: ApiServices): BackupChannelImplementation {
  const { store, emit } = services;
  let state = runningOf.get(services);
  if (!state) {
    state = {};
    runningOf.set(services, state);
  }
  const shared = state;

  return {
    'backup.start': ({ folder }) => {
      const busy = shared.current;
      if (busy) {
        throw new ApiFailure('conflict', `a backup is already running (into ${busy.folder}, started by ${busy.startedBy} at ${busy.startedAt}): wait for it to finish`);
      }
      const actor = currentActor();
      const by = actorLabel(actor);
      const backupId = randomUUID();
      const controller = new AbortController();
      let lastProgressAt = 0;
      const running: RunningBackup = { backupId, folder, startedBy: by, startedAt: new Date().toISOString(), controller, done: Promise.resolve() };
      shared.current = running;
      running.done = backupArchive(store, folder, {
        actor: by,
        signal: controller.signal,
        settingsFile: join(services.info().dataDirectory, SETTINGS_FILE),
        onProgress: (progress) => {
          const now = Date.now();
          const last = progress.phase === 'manifest';
          if (!last && progress.filesDone > 0 && now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
          lastProgressAt = now;
          const { filesDone, filesTotal, bytesDone, bytesTotal } = progress;
          emit('backup.progress', { backupId, filesDone, filesTotal, bytesDone, bytesTotal });
        },
      }).then(
        (summary: BackupSummary) => {
          shared.current = undefined;
          store.audit.record({ actor: by, actorId: actorId(actor), action: 'backup-made', subject: folder, details: auditDetails(summary) });
          emit('backup.done', { backupId, summary });
        },
        (reason: unknown) => {
          shared.current = undefined;
          const error = backupApiError(reason);
          store.audit.record({ actor: by, actorId: actorId(actor), action: 'backup-made', outcome: 'failure', subject: folder, details: { error: error.message, problems: error.details?.slice(0, 50) ?? [] } });
          emit('backup.done', { backupId, error });
        },
      );
      return { backupId };
    },

    'backup.verify': async ({ folder }) => {
      const { manifest, ...verification } = await verifyBackup(folder);
      void manifest;
      store.audit.record({
        actor: actorLabel(),
        actorId: actorId(),
        action: 'backup-verified',
        outcome: verification.ok ? 'success' : 'failure',
        subject: folder,
        details: { snapshot: verification.snapshot, filesChecked: verification.filesChecked, problems: verification.problems.slice(0, 50) },
      });
      return verification;
    },
  };
}

/** What the audit keeps of a backup: where, when, how much (not the per-table counts). */
export function auditDetails(summary: BackupSummary): Record<string, unknown> {
  return {
    snapshot: summary.snapshot,
    files: summary.files,
    totalBytes: summary.totalBytes,
    copied: summary.copied,
    reused: summary.reused,
    schemaVersion: summary.schemaVersion,
    auditChainHead: summary.auditChainHead,
  };
}

export function backupApiError(reason: unknown): ApiError {
  if (reason instanceof BackupError) {
    const code = reason.code === 'busy' ? 'conflict' : reason.code === 'not-a-backup' ? 'not-found' : reason.code === 'failed' ? 'internal' : 'bad-request';
    return reason.problems.length ? { code, message: reason.message, details: reason.problems } : { code, message: reason.message };
  }
  const error = reason as NodeJS.ErrnoException;
  if (error?.code === 'ENOSPC') return { code: 'internal', message: `the backup disk is full (${error.path ?? ''}): free space or choose another folder, then back up again` };
  if (error?.code === 'ENOTDIR' || error?.code === 'EEXIST') return { code: 'bad-request', message: `the backup folder cannot be made: ${error.path ?? ''} is a file, not a folder: choose another folder` };
  if (error?.code === 'EACCES' || error?.code === 'EPERM' || error?.code === 'EROFS') return { code: 'bad-request', message: `the backup folder cannot be written (${error.path ?? ''}): choose a folder this workstation may write to` };
  return { code: 'internal', message: `the backup failed: ${error?.message ?? String(reason)}` };
}
