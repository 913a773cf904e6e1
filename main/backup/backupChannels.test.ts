/**
 * backup.start / backup.verify through the handler table on real services (SQLite file, the
 * synthetic demo study): admin only, one backup at a time, progress and result as events, audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { createServices, type WorkstationServices } from '../api/createServices.js';
import { createApiHandlers } from '../api/handlers.js';
import type { CacEvents } from '../api/contract.js';
import { call, failure, type Handlers } from '../../test/support/apiCalls.js';
import { signedIn } from '../../test/support/accounts.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { readManifest } from './backupLayout.js';

describe('backup channels', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let table: Handlers;
  let admin: Handlers;
  const progress: Array<CacEvents['backup.progress']> = [];
  const done: Array<CacEvents['backup.done']> = [];

  beforeAll(async () => {
    temp = await makeTempDir('backup-api');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: 'synthetic' });
    table = createApiHandlers(services);
    admin = await signedIn(table, services, { username: 'admin', displayName: 'Ada Admin', roles: ['admin'] });
    services.events.on('backup.progress', (event) => progress.push(event));
    services.events.on('backup.done', (event) => done.push(event));
  }, 60_000);

  afterAll(async () => {
    await table?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  const finished = async (backupId: string) => {
    for (let waited = 0; waited < 30_000 && !done.some((event) => event.backupId === backupId); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const event = done.find((entry) => entry.backupId === backupId);
    if (!event) throw new Error(`backup ${backupId} did not finish`);
    return event;
  };

  it('is for admins only', async () => {
    const technologist = await signedIn(table, services, { username: 'tech', roles: ['technologist', 'radiologist'] });
    expect((await failure(technologist, 'backup.start', { folder: join(temp.dir, 'backup') })).code).toBe('not-permitted');
    expect((await failure(technologist, 'backup.verify', { folder: join(temp.dir, 'backup') })).code).toBe('not-permitted');
  });

  it('backs up in the background with progress, refuses a second click meanwhile, and audits it', async () => {
    const folder = join(temp.dir, 'backup');
    const { backupId } = await call(admin, 'backup.start', { folder });
    const second = await failure(admin, 'backup.start', { folder: join(temp.dir, 'elsewhere') });
    expect(second).toMatchObject({ code: 'conflict', message: expect.stringContaining('a backup is already running') });
    expect(second.message).toContain('Ada Admin (admin)');
    const event = await finished(backupId);
    expect(event.error).toBeUndefined();
    expect(event.summary).toMatchObject({ files: 9, createdBy: 'Ada Admin (admin)', copied: { files: 9 } });
    const mine = progress.filter((entry) => entry.backupId === backupId);
    expect(mine.at(-1)).toMatchObject({ filesDone: 9, filesTotal: 9 });
    // The settings of the data directory travel with the snapshot.
    expect((await readManifest(folder, event.summary!.snapshot)).files.filter((file) => file.kind === 'settings')).toHaveLength(1);
    const audited = services.store.audit.list(20).find((entry) => entry.action === 'backup-made');
    expect(audited).toMatchObject({ actor: 'Ada Admin (admin)', outcome: 'success', subject: folder, details: { snapshot: event.summary!.snapshot, files: 9 } });

    const verified = await call(admin, 'backup.verify', { folder });
    expect(verified).toMatchObject({ ok: true, snapshot: event.summary!.snapshot, problems: [] });
  });

  it('reports a failed backup in its done event, audited as a failure', async () => {
    const blocker = join(temp.dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const { backupId } = await call(admin, 'backup.start', { folder: join(blocker, 'backup') });
    const event = await finished(backupId);
    expect(event.summary).toBeUndefined();
    expect(event.error?.message).toBeTruthy();
    expect(services.store.audit.list(5).find((entry) => entry.action === 'backup-made')).toMatchObject({ outcome: 'failure' });
  });

  it('refuses a relative folder and says what it needs', async () => {
    const refused = await failure(admin, 'backup.verify', { folder: 'backup' });
    expect(refused).toMatchObject({ code: 'bad-request', message: expect.stringContaining('give the full path of the backup folder') });
  });
});
