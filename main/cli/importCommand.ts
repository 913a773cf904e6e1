/**
 * `cac import <path> [--archive DIR] [--json] [--as USER]`: import a folder, CD or file into the
 * archive, as the account named with --as or as the workstation service identity (the audit says which).
 */
import { parseArgs } from 'node:util';
import { openArchive } from './openArchive.js';
import { importFolder, type ImportSummary } from '../import/folderImport.js';
import { CliError, USAGE_EXIT } from './cliError.js';
import { CHANNEL_ACCESS } from '../auth/channelAccess.js';
import type { Role } from '../auth/roles.js';
import { withCliActor } from './cliActor.js';

export const IMPORT_USAGE = 'usage: cac import <folder-or-file> [--archive DIR] [--json] [--progress] [--as USER]';

export async function importCommand(args: string[], out: (text: string) => void): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { archive: { type: 'string' }, as: { type: 'string' }, json: { type: 'boolean', default: false }, progress: { type: 'boolean', default: false } } });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}; ${IMPORT_USAGE}`, USAGE_EXIT);
  }
  if (parsed.positionals.length !== 1) throw new CliError(IMPORT_USAGE, USAGE_EXIT);
  const { store, recovery } = await openArchive(parsed.values.archive);
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  try {
    if (!parsed.values.json && recovery) out(recovery);
    let lastShown = 0;
    // Who imports: the --as account (checked against import.start's roles) or the service identity.
    const importAs = { store, command: 'import', as: parsed.values.as, allowedRoles: CHANNEL_ACCESS['import.start'] as readonly Role[] };
    const summary = await withCliActor(importAs, () => importFolder(store, parsed.positionals[0], {
      signal: controller.signal,
      onProgress: (progress) => {
        // Progress goes to stderr so stdout stays the summary (or the JSON object).
        if (parsed.values.progress) {
          process.stderr.write(`progress ${progress.filesDone}/${progress.filesTotal}\n`);
          return;
        }
        const now = Date.now();
        if (process.stderr.isTTY && (now - lastShown > 200 || progress.filesDone === progress.filesTotal)) {
          lastShown = now;
          process.stderr.write(`\rimporting ${progress.filesDone}/${progress.filesTotal} files${progress.currentSeries ? `  ${progress.currentSeries}` : ''}   `);
        }
      },
    }));
    if (process.stderr.isTTY) process.stderr.write('\n');
    out(parsed.values.json ? JSON.stringify(summary) : formatImportSummary(summary, store.root));
    if (summary.status === 'failed') throw new CliError(`import failed: ${summary.error}`);
    if (summary.status === 'cancelled') throw new CliError('import cancelled: run it again to finish (files already stored are kept)', 130);
  } finally {
    process.removeListener('SIGINT', cancel);
    store.close();
  }
}

export function formatImportSummary(summary: ImportSummary, archive: string): string {
  const c = summary.counts;
  const lines = [
    `Import ${summary.status} into ${archive}`,
    `  ${summary.studies} studies, ${summary.series} series; ${c.filesDone} of ${c.filesTotal} files (${(c.bytesDone / 1e6).toFixed(1)} MB)`,
    `  stored ${c.stored}, already archived ${c.duplicates}, kept aside (same UID, other bytes) ${c.conflicts}, quarantined ${c.quarantined}`,
  ];
  for (const entry of [...summary.conflicts, ...summary.quarantined]) lines.push(`  - ${entry.reason}`);
  for (const note of summary.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}
