/**
 * `cac audit verify [--archive DIR] [--json]`: checks the audit trail's hash chain and its head file.
 * Prints the first broken entry and why (edited, deleted, inserted, reordered, tail missing).
 * Exit codes: 0 intact, 1 broken, 2 wrong usage. Read-only: nothing is recorded by the check itself.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ArchiveStore, DATABASE_FILE } from '../archive/archiveStore.js';
import { defaultArchiveDirectory, defaultDataDirectory } from '../settings/dataDirectory.js';
import type { AuditVerification } from '../audit/verifyAuditChain.js';
import { verifyAuditChainInWorker } from '../audit/verifyInWorker.js';
import { CliError, USAGE_EXIT } from './cliError.js';

export const AUDIT_USAGE = 'usage: cac audit verify [--archive DIR] [--json]';

export async function auditCommand(args: string[], out: (text: string) => void): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { archive: { type: 'string' }, json: { type: 'boolean', default: false } } });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}\n${AUDIT_USAGE}`, USAGE_EXIT);
  }
  const [subcommand, ...rest] = parsed.positionals;
  if (subcommand !== 'verify' || rest.length > 0) throw new CliError(subcommand ? `unknown audit command "${[subcommand, ...rest].join(' ')}"\n${AUDIT_USAGE}` : AUDIT_USAGE, USAGE_EXIT);

  const folder = parsed.values.archive ?? defaultArchiveDirectory(defaultDataDirectory());
  // Checking must not create an archive where there was none.
  if (!existsSync(join(folder, DATABASE_FILE))) throw new CliError(`there is no archive in ${folder} (no ${DATABASE_FILE}): give the archive folder with --archive`, 1);
  // Opening applies pending migrations (and seals entries from before the chain); then the check
  // reads the file on its own connections, in parallel.
  const store = ArchiveStore.open(folder);
  const headFile = store.audit.headFile;
  store.close();
  const started = performance.now();
  const status: AuditVerification = await verifyAuditChainInWorker(join(folder, DATABASE_FILE), headFile);
  const seconds = (performance.now() - started) / 1000;
  if (parsed.values.json) out(JSON.stringify({ archive: folder, ...status, seconds: Number(seconds.toFixed(3)) }));
  else out(describeVerification(status, folder, seconds));
  // The report is printed in full on stdout; the exit code says broken.
  if (!status.ok) throw new CliError(`the audit trail of ${folder} is broken at entry ${status.firstBroken?.id} (${status.firstBroken?.reason})`, 1);
}

export function describeVerification(status: AuditVerification, archive: string, seconds: number): string {
  if (status.ok) {
    const head = status.head ? `; chain head ${status.head.hash.slice(0, 16)}... matches` : '';
    return `Audit trail of ${archive} is intact: ${status.entries} entries checked in ${seconds.toFixed(2)} s${head}.`;
  }
  const broken = status.firstBroken!;
  return [`Audit trail of ${archive} is BROKEN (${status.entries} entries checked).`, `First broken entry: ${broken.id}, ${REASONS[broken.reason]}.`, `  ${broken.message}`].join('\n');
}

const REASONS: Record<NonNullable<AuditVerification['firstBroken']>['reason'], string> = {
  edited: 'edited (changed after it was written)',
  deleted: 'deleted',
  inserted: 'inserted (not written by the workstation)',
  reordered: 'reordered (moved)',
  'tail-missing': 'tail missing (entries removed from the end)',
};
