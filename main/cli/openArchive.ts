/** Open the archive for a command: the --archive folder or the default one, recovered after any crash. */
import { ArchiveStore, type RecoveryReport } from '../archive/archiveStore.js';
import { defaultArchiveDirectory, defaultDataDirectory } from '../settings/dataDirectory.js';

export async function openArchive(folder?: string): Promise<{ store: ArchiveStore; recovery?: string }> {
  const store = ArchiveStore.open(folder ?? defaultArchiveDirectory(defaultDataDirectory()));
  const report = await store.recover();
  return { store, recovery: describeRecovery(report) };
}

/** What a start-up check repaired, in words for the user; undefined when nothing needed repair. */
export function describeRecovery(report: RecoveryReport): string | undefined {
  const parts: string[] = [];
  if (report.partialFilesRemoved) parts.push(`${report.partialFilesRemoved} unfinished writes removed`);
  if (report.orphansFinished.length) parts.push(`${report.orphansFinished.length} objects written just before a stop were completed`);
  if (report.orphansRemoved.length) parts.push(`${report.orphansRemoved.length} unrecorded files removed`);
  if (report.missingFilesForgotten.length) parts.push(`${report.missingFilesForgotten.length} records whose file was missing were removed`);
  if (report.interruptedImports) parts.push(`${report.interruptedImports} imports were interrupted: run them again to finish`);
  return parts.length ? `The archive was checked after an unclean stop: ${parts.join('; ')}.` : undefined;
}
