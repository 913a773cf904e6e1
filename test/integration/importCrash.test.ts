/**
 * An import killed with SIGKILL at arbitrary points: after restart the archive holds no partial
 * instance, no row without its file and no file without its row, and re-running the import
 * completes it.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ArchiveStore } from '../../main/archive/archiveStore.js';
import { haveSharedData, projectRoot, qrmPhantomDir } from '../support/sharedData.js';
import { withTempDir } from '../support/tempDir.js';

function importProcess(archive: string) {
  return spawn(process.execPath, ['--import', 'tsx', 'main/cli/cac.ts', 'import', qrmPhantomDir, '--archive', archive, '--progress'], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The invariants a restart must restore; returns how many instances are archived. */
async function checkConsistent(archive: string): Promise<number> {
  const store = ArchiveStore.open(archive);
  try {
    await store.recover();
    const rows = store.db.prepare('SELECT path, sha256, size_bytes AS size FROM instances').all() as Array<{ path: string; sha256: string; size: number }>;
    for (const row of rows) {
      const bytes = await readFile(store.absolutePath(row.path));
      expect(bytes.length).toBe(row.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.sha256);
    }
    const files = (await filesUnder(join(archive, 'studies'))).map((file) => relative(archive, file).split(sep).join('/'));
    expect(files.sort()).toEqual(rows.map((row) => row.path).sort());
    expect((await filesUnder(join(archive, 'incoming'))).length).toBe(0);
    const orphanSeries = store.db.prepare('SELECT count(*) AS n FROM series WHERE id NOT IN (SELECT series_ref FROM instances)').get() as { n: number };
    expect(orphanSeries.n).toBe(0);
    return rows.length;
  } finally {
    store.close();
  }
}

describe.skipIf(!haveSharedData(qrmPhantomDir))('import killed with SIGKILL', () => {
  it('leaves a consistent archive every time, and the next run completes the import', async () => {
    await withTempDir('crash', async (dir) => {
      const archive = join(dir, 'archive');
      // Kill points: during start-up (a delay), then after N files were reported stored, while
      // up to four more writes are in flight.
      const killPoints: Array<{ afterMs: number } | { afterFiles: number }> = [
        { afterMs: 300 },
        { afterFiles: 1 },
        { afterFiles: 6 },
        { afterFiles: 15 },
        { afterFiles: 24 },
        { afterFiles: 37 },
        { afterFiles: 46 },
      ];
      const archivedAfterKill: number[] = [];
      for (const point of killPoints) {
        const child = importProcess(archive);
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        if ('afterMs' in point) {
          await new Promise((resolve) => setTimeout(resolve, point.afterMs));
          child.kill('SIGKILL');
        } else {
          let seen = '';
          child.stderr.on('data', (chunk: Buffer) => {
            seen += chunk.toString();
            const done = [...seen.matchAll(/progress (\d+)\//g)].map((match) => Number(match[1]));
            if (done.some((count) => count >= point.afterFiles)) child.kill('SIGKILL');
          });
        }
        await exited;
        archivedAfterKill.push(await checkConsistent(archive));
      }
      // The kills must really have landed mid-import for this test to mean anything.
      expect(archivedAfterKill.filter((count) => count > 0 && count < 47).length, `archived after each kill: ${archivedAfterKill}`).toBeGreaterThanOrEqual(3);

      const child = importProcess(archive);
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      expect(code, stdout).toBe(0);
      expect(await checkConsistent(archive)).toBe(47);
      expect(stdout).toMatch(/Import done/);
    });
  }, 120_000);
});
