/**
 * `cac restore <folder> [--archive DIR] [--data-dir DIR] [--force] [--snapshot NAME] [--json]`:
 * restore a backup onto a fresh install. Everything is checked before anything is placed; a
 * non-empty archive is refused unless --force (it is then moved aside, not deleted); a backup from
 * a newer workstation is refused. Close the workstation first.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { actorLabel, commandLineService } from '../auth/actor.js';
import { osUsername } from './cliActor.js';
import { backupApiError } from '../backup/backupChannels.js';
import { restoreArchive, type RestoreSummary } from '../backup/restoreArchive.js';
import { defaultArchiveDirectory, defaultDataDirectory } from '../settings/dataDirectory.js';
import { formatBytes, progressBar } from './backupCommand.js';
import { CliError, USAGE_EXIT } from './cliError.js';

export const RESTORE_USAGE = 'usage: cac restore <backup-folder> [--archive DIR] [--data-dir DIR] [--force] [--snapshot NAME] [--json]';

export async function restoreCommand(args: string[], out: (text: string) => void): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { archive: { type: 'string' }, 'data-dir': { type: 'string' }, force: { type: 'boolean', default: false }, snapshot: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}; ${RESTORE_USAGE}`, USAGE_EXIT);
  }
  if (parsed.positionals.length !== 1) throw new CliError(RESTORE_USAGE, USAGE_EXIT);
  const backupDir = resolve(parsed.positionals[0]);
  const dataDir = resolve(parsed.values['data-dir'] ?? defaultDataDirectory());
  const archiveDir = resolve(parsed.values.archive ?? defaultArchiveDirectory(dataDir));
  const by = actorLabel(commandLineService('restore', osUsername()));
  if (!parsed.values.json) process.stderr.write(`acting as ${by}\n`);
  const checking = progressBar('checking the backup');
  const placing = progressBar('restoring');
  let summary: RestoreSummary;
  try {
    summary = await restoreArchive(backupDir, {
      archiveDir,
      dataDir,
      force: parsed.values.force,
      snapshot: parsed.values.snapshot,
      actor: by,
      onProgress: (progress) => {
        const bar = progress.phase === 'verify' ? checking : placing;
        if (progress.phase === 'place') checking.end();
        bar.show(progress.filesDone, progress.filesTotal, progress.bytesDone, progress.bytesTotal);
      },
    });
  } catch (reason) {
    checking.end();
    placing.end();
    const error = backupApiError(reason);
    throw new CliError(error.message, 1, error.details ?? []);
  }
  checking.end();
  placing.end();
  if (parsed.values.json) {
    out(JSON.stringify(summary));
    return;
  }
  out(
    [
      `Restored snapshot ${summary.snapshot} (made ${summary.createdAt} by ${summary.createdBy}) into ${summary.archiveDir}`,
      `  ${summary.files} files, ${formatBytes(summary.totalBytes)}, database version ${summary.schemaVersion}; the archive opened and checked cleanly`,
      ...(summary.movedAside ? [`  the archive that was there is kept in ${summary.movedAside}`] : []),
      summary.settingsRestored ? `  settings restored into ${join(dataDir, 'settings.json')}` : '',
      ...summary.notes.map((note) => `  note: ${note}`),
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

