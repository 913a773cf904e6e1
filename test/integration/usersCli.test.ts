/**
 * `cac users` and `--as` run for real (node + tsx, as users run `npm run -s cac`), on a real archive:
 * the first administrator of a fresh install from stdin, later changes only as a named
 * administrator, and the audit_events table naming who acted: the account given with --as, or the
 * workstation service identity with the command and the OS account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ArchiveStore } from '../../main/archive/archiveStore.js';
import { AccountService } from '../../main/auth/accountService.js';
import { writeSyntheticDemoPhantom } from '../../main/demo/syntheticDemoPhantom.js';
import { haveTool, projectRoot } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const ADMIN_PASSWORD = 'Tr0ub4dour-&-3-horses';
const TECH_FIRST_PASSWORD = 'granite-Harbour-set-71';
const TECH_PASSWORD = 'my-own-quiet-lantern-58';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command line as a process: stdin given (or closed at once), env without inherited passwords. */
function cac(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    if (!options.env?.CAC_PASSWORD) delete env.CAC_PASSWORD;
    if (!options.env?.CAC_AS_PASSWORD) delete env.CAC_AS_PASSWORD;
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/cac.ts', ...args], { cwd: projectRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

interface AuditRow {
  id: number;
  actor: string;
  actor_id: number | null;
  action: string;
  outcome: string;
  subject: string | null;
  details: string | null;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('cac users and --as (real processes, real archive)', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let archive: string;
  let phantomDir: string;
  const osUser = userInfo().username;

  const auditRows = (): AuditRow[] => {
    const db = new Database(join(archive, 'archive.sqlite'), { readonly: true });
    try {
      return db.prepare('SELECT id, actor, actor_id, action, outcome, subject, details FROM audit_events ORDER BY id').all() as AuditRow[];
    } finally {
      db.close();
    }
  };
  const lastOf = (action: string) => auditRows().filter((row) => row.action === action).at(-1);
  const userId = (username: string) => {
    const db = new Database(join(archive, 'archive.sqlite'), { readonly: true });
    try {
      return db.prepare('SELECT id FROM users WHERE username = ?').pluck().get(username) as number | undefined;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    temp = await makeTempDir('users-cli');
    archive = join(temp.dir, 'archive');
    phantomDir = join(temp.dir, 'phantom');
    await mkdir(phantomDir);
    await writeSyntheticDemoPhantom(phantomDir);
  }, 60_000);
  afterAll(async () => temp?.remove());

  it('a fresh archive has no account; the first administrator comes from --password-stdin as the service identity', async () => {
    const empty = await cac(['users', 'list', '--json', '--archive', archive]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual({ users: [] });

    // Not an administrator: the first account must be one.
    const notAdmin = await cac(['users', 'add', 'asmith', '--name', 'Anna Smith', '--role', 'radiologist', '--password-stdin', '--archive', archive], { stdin: `${ADMIN_PASSWORD}\n` });
    expect(notAdmin.code).toBe(2);
    expect(notAdmin.stderr).toMatch(/first account .* administrator: add --admin/);

    const created = await cac(['users', 'add', 'asmith', '--name', 'Anna Smith', '--admin', '--role', 'radiologist', '--password-stdin', '--archive', archive], { stdin: `${ADMIN_PASSWORD}\n` });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/created the first administrator Anna Smith \(asmith\), roles radiologist, admin/);
    const service = `workstation service (cac users, run by ${osUser})`;
    expect(lastOf('first-admin-created')).toMatchObject({ actor: service, actor_id: null, outcome: 'success', subject: 'asmith' });

    // Only once: a second "first administrator" is refused (it would need --as now).
    const again = await cac(['users', 'add', 'mallory', '--name', 'Mal Lory', '--admin', '--password-stdin', '--archive', archive], { stdin: 'Sneaky-Admin-Pass-1\n' });
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/name the administrator acting with --as/);
    expect(userId('mallory')).toBeUndefined();
  });

  it('never takes a password as an argument, and never stores one in the audit', async () => {
    const run = await cac(['users', 'add', 'bjones', '--name', 'Ben Jones', '--role', 'technologist', '--password', TECH_FIRST_PASSWORD, '--archive', archive]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--password'/);
    const noSource = await cac(['users', 'add', 'bjones', '--name', 'Ben Jones', '--role', 'technologist', '--as', 'asmith', '--archive', archive], { env: { CAC_AS_PASSWORD: ADMIN_PASSWORD } });
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toMatch(/--password-stdin, or in CAC_PASSWORD; never as an argument/);
    expect(JSON.stringify(auditRows())).not.toContain(ADMIN_PASSWORD);
  });

  it('a second account: refused without --as, refused with a wrong password, added as the administrator with --as', async () => {
    const withoutAs = await cac(['users', 'add', 'bjones', '--name', 'Ben Jones', '--role', 'technologist', '--password-stdin', '--archive', archive], { stdin: `${TECH_FIRST_PASSWORD}\n` });
    expect(withoutAs.code).toBe(3);
    expect(userId('bjones')).toBeUndefined();

    const wrong = await cac(['users', 'add', 'bjones', '--name', 'Ben Jones', '--role', 'technologist', '--password-stdin', '--as', 'asmith', '--archive', archive], {
      stdin: `${TECH_FIRST_PASSWORD}\nnot-the-admin-password\n`,
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/--as asmith: the user name or the password is wrong/);
    expect(userId('bjones')).toBeUndefined();
    expect(lastOf('login')).toMatchObject({ actor: 'Anna Smith (asmith)', outcome: 'failure' });

    // New password on the first stdin line, the administrator's on the second.
    const added = await cac(['users', 'add', 'bjones', '--name', 'Ben Jones', '--role', 'technologist', '--password-stdin', '--as', 'asmith', '--archive', archive], {
      stdin: `${TECH_FIRST_PASSWORD}\n${ADMIN_PASSWORD}\n`,
    });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/added Ben Jones \(bjones\), roles technologist, as Anna Smith \(asmith\)/);
    expect(lastOf('user-added')).toMatchObject({ actor: 'Anna Smith (asmith)', actor_id: userId('asmith'), subject: 'bjones' });

    // Or both from the environment.
    const viaEnv = await cac(['users', 'add', 'cdoe', '--name', 'Cara Doe', '--role', 'physicist', '--as', 'asmith', '--archive', archive], { env: { CAC_PASSWORD: 'copper-Meadow-river-4', CAC_AS_PASSWORD: ADMIN_PASSWORD } });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);

    const listed = await cac(['users', 'list', '--json', '--as', 'asmith', '--archive', archive], { env: { CAC_AS_PASSWORD: ADMIN_PASSWORD } });
    expect(listed.code, listed.stderr).toBe(0);
    const { users } = JSON.parse(listed.stdout) as { users: Array<Record<string, unknown>> };
    expect(users.map((user) => [user.username, user.roles, user.mustChangePassword])).toEqual([
      ['asmith', ['radiologist', 'admin'], false],
      ['bjones', ['technologist'], true],
      ['cdoe', ['physicist'], true],
    ]);
    expect(JSON.stringify(users)).not.toMatch(/scrypt|passwordHash/);
  });

  it('refuses --as for an account without the role the command needs, and audits the refusal', async () => {
    // Ben sets his own password (as at his first login in the app).
    const store = ArchiveStore.open(archive);
    try {
      const accounts = new AccountService({ db: store.db, audit: store.audit, idleLockMinutes: () => 10, delay: async () => undefined });
      const { session } = await accounts.login('bjones', TECH_FIRST_PASSWORD);
      await accounts.changePassword(session, TECH_FIRST_PASSWORD, TECH_PASSWORD);
    } finally {
      store.close();
    }
    const run = await cac(['users', 'disable', 'asmith', '--as', 'bjones', '--archive', archive], { env: { CAC_AS_PASSWORD: TECH_PASSWORD } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cac users needs the role admin; this account is technologist/);
    expect(lastOf('access-refused')).toMatchObject({ actor: 'Ben Jones (bjones)', actor_id: userId('bjones'), outcome: 'failure' });
    expect(JSON.parse(lastOf('access-refused')!.details!)).toMatchObject({ command: 'cac users' });

    // A reset password must be changed before the account can act on the command line.
    const mustChange = await cac(['import', phantomDir, '--as', 'cdoe', '--archive', archive], { env: { CAC_AS_PASSWORD: 'copper-Meadow-river-4' } });
    expect(mustChange.code).toBe(3);
    expect(mustChange.stderr).toMatch(/choose a new one first/);
  });

  it('import without --as is the service identity in the audit; with --as it is the account', async () => {
    const asService = await cac(['import', phantomDir, '--json', '--archive', archive]);
    expect(asService.code, asService.stderr).toBe(0);
    expect(JSON.parse(asService.stdout).counts.stored).toBeGreaterThan(0);
    const service = `workstation service (cac import, run by ${osUser})`;
    expect(lastOf('import-started')).toMatchObject({ actor: service, actor_id: null, subject: phantomDir });
    expect(lastOf('import-done')).toMatchObject({ actor: service, actor_id: null, subject: phantomDir });

    // The password on stdin this time.
    const asBen = await cac(['import', phantomDir, '--json', '--as', 'bjones', '--archive', archive], { stdin: `${TECH_PASSWORD}\n` });
    expect(asBen.code, asBen.stderr).toBe(0);
    expect(JSON.parse(asBen.stdout).counts.duplicates).toBeGreaterThan(0);
    expect(lastOf('import-started')).toMatchObject({ actor: 'Ben Jones (bjones)', actor_id: userId('bjones') });
    expect(lastOf('import-done')).toMatchObject({ actor: 'Ben Jones (bjones)', actor_id: userId('bjones') });

    const wrong = await cac(['import', phantomDir, '--as', 'bjones', '--archive', archive], { env: { CAC_AS_PASSWORD: 'not-his-password-9' } });
    expect(wrong.code).toBe(3);
    expect(auditRows().filter((row) => row.action === 'import-started')).toHaveLength(2);
  });

  it('disable and reset-password act as the administrator; a disabled account cannot act', async () => {
    const disabled = await cac(['users', 'disable', 'bjones', '--as', 'asmith', '--archive', archive], { env: { CAC_AS_PASSWORD: ADMIN_PASSWORD } });
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(lastOf('user-disabled')).toMatchObject({ actor: 'Anna Smith (asmith)', subject: 'bjones' });
    const refused = await cac(['import', phantomDir, '--as', 'bjones', '--archive', archive], { env: { CAC_AS_PASSWORD: TECH_PASSWORD } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/disabled/);

    // The last administrator stays.
    const lastAdmin = await cac(['users', 'disable', 'asmith', '--as', 'asmith', '--archive', archive], { env: { CAC_AS_PASSWORD: ADMIN_PASSWORD } });
    expect(lastAdmin.code).toBe(1);
    expect(lastAdmin.stderr).toMatch(/only active administrator/);

    const reset = await cac(['users', 'reset-password', 'cdoe', '--password-stdin', '--as', 'asmith', '--archive', archive], { stdin: `fresh-Slate-pass-31\n${ADMIN_PASSWORD}\n` });
    expect(reset.code, reset.stderr).toBe(0);
    expect(lastOf('password-reset')).toMatchObject({ actor: 'Anna Smith (asmith)', subject: 'cdoe' });
  });

  describe.skipIf(!haveTool('storescu'))('cac receive --as', () => {
    it('names the account in the audit entry of each association', async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'main/cli/cac.ts', 'receive', '--archive', archive, '--port', '0', '--host', '127.0.0.1', '--allow', 'STORESCU', '--as', 'asmith'],
        { cwd: projectRoot, env: { ...process.env, CAC_AS_PASSWORD: ADMIN_PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await waitFor('the receiver to listen', () => /receiving as CACWS on 127\.0\.0\.1:\d+/.test(output));
        expect(output).toMatch(/audited as Anna Smith \(asmith\)/);
        const port = Number(/127\.0\.0\.1:(\d+)/.exec(output)![1]);
        const { readdir } = await import('node:fs/promises');
        const files = (await readdir(phantomDir)).sort().slice(0, 2).map((name) => join(phantomDir, name));
        const sent = await new Promise<number | null>((resolve) => spawn('storescu', ['-aet', 'STORESCU', '-aec', 'CACWS', '127.0.0.1', String(port), ...files], { stdio: 'ignore' }).once('exit', resolve));
        expect(sent).toBe(0);
        await waitFor('the association to be audited', () => lastOf('receive-released') !== undefined);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(lastOf('receive-released')).toMatchObject({ actor: 'Anna Smith (asmith)', actor_id: userId('asmith') });
    });
  });
});
