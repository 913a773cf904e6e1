/**
 * `cac audit verify` as a real process on a real archive: exit 0 and a one-line verdict when the
 * trail is intact, exit 1 with the first broken entry and why after tampering through a second
 * SQLite connection (triggers dropped), and the same as JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { ArchiveStore } from '../../main/archive/archiveStore.js';
import { projectRoot } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const execFileAsync = promisify(execFile);

async function cac(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return execFileAsync(process.execPath, ['--import', 'tsx', 'main/cli/cac.ts', ...args], { cwd: projectRoot }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('cac audit verify', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let archive: string;

  beforeAll(async () => {
    temp = await makeTempDir('audit-cli');
    archive = join(temp.dir, 'archive');
    const store = ArchiveStore.open(archive);
    for (let index = 0; index < 8; index++) store.audit.record({ actor: 'Dr Test (test)', action: 'reading-opened', subject: `1.2.3.${index}` });
    store.close();
  });
  afterAll(async () => temp?.remove());

  it('exit 0 and says intact on an untouched trail', async () => {
    const run = await cac(['audit', 'verify', '--archive', archive]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/is intact: 8 entries checked/);
    const json = await cac(['audit', 'verify', '--archive', archive, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, entries: 8, head: { count: 8 } });
  });

  it('exit 1 without creating anything when the folder holds no archive', async () => {
    const nowhere = join(temp.dir, 'no-archive-here');
    const run = await cac(['audit', 'verify', '--archive', nowhere]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/there is no archive in .*no-archive-here/);
    expect(existsSync(nowhere)).toBe(false);
  });

  it('exit 2 with the usage for anything but verify', async () => {
    const run = await cac(['audit', 'check', '--archive', archive]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/usage: cac audit verify/);
  });

  it('exit 1 with the first broken entry and why after an entry was edited', async () => {
    const db = new Database(join(archive, 'archive.sqlite'));
    db.exec('DROP TRIGGER audit_events_no_update');
    db.prepare("UPDATE audit_events SET subject = '9.9.9' WHERE id = 3").run();
    db.close();
    const run = await cac(['audit', 'verify', '--archive', archive]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/BROKEN/);
    expect(run.stdout).toMatch(/First broken entry: 3, edited/);
    expect(run.stderr).toMatch(/broken at entry 3 \(edited\)/);
    const json = await cac(['audit', 'verify', '--archive', archive, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBroken: { id: 3, reason: 'edited' } });
  });
});
