import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ArchiveStore } from '../archive/archiveStore.js';
import { actorLabel, currentActor } from '../auth/actor.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { createAccount, TEST_PASSWORD } from '../../test/support/accounts.js';
import { accountServiceOf, cliActor, NOT_PERMITTED_EXIT, osUsername, PasswordInput, withCliActor } from './cliActor.js';
import { CliError } from './cliError.js';

/** stdin as a pipe holding these bytes, then closed. */
function pipedInput(text: string): PasswordInput {
  const stream = new PassThrough();
  stream.end(text);
  return new PasswordInput(stream as unknown as NodeJS.ReadStream);
}

async function cliErrorOf(work: Promise<unknown>): Promise<CliError> {
  const reason = await work.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(reason).toBeInstanceOf(CliError);
  return reason as CliError;
}

describe('PasswordInput', () => {
  it('gives stdin lines in order, without the line ending, and says when there is none left', async () => {
    const input = pipedInput('first secret\r\nsecond secret\n');
    expect(await input.line('new password')).toBe('first secret');
    expect(await input.line('password of asmith')).toBe('second secret');
    const missing = await cliErrorOf(input.line('password of bjones'));
    expect(missing.message).toMatch(/no password of bjones on stdin/);
    input.close();
  });
});

describe('cliActor on a real archive', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let store: ArchiveStore;
  const rows = () => store.db.prepare('SELECT actor, actor_id AS actorId, action, outcome FROM audit_events ORDER BY id').all() as Array<{ actor: string; actorId: number | null; action: string; outcome: string }>;

  beforeEach(async () => {
    temp = await makeTempDir('cli-actor');
    store = ArchiveStore.open(join(temp.dir, 'archive'));
    await store.recover();
  });
  afterEach(async () => {
    store.close();
    await temp.remove();
  });

  it('without --as: the workstation service identity, naming the command and the system account', async () => {
    const actor = await cliActor({ store, command: 'import', allowedRoles: ['technologist'] });
    expect(actorLabel(actor)).toBe(`workstation service (cac import, run by ${osUsername()})`);
    const inside = await withCliActor({ store, command: 'receive', allowedRoles: ['technologist'] }, async () => actorLabel(currentActor()));
    expect(inside).toBe(`workstation service (cac receive, run by ${osUsername()})`);
    expect(rows()).toEqual([]);
  });

  it('--as on an archive without accounts says how to create the first one', async () => {
    const error = await cliErrorOf(cliActor({ store, command: 'import', as: 'asmith', allowedRoles: ['technologist'], env: { CAC_AS_PASSWORD: TEST_PASSWORD } }));
    expect(error.exitCode).toBe(NOT_PERMITTED_EXIT);
    expect(error.message).toMatch(/no account yet .* cac users add/);
  });

  it('--as with the right password (environment or stdin) acts as the account; the work inside runs as it', async () => {
    const accounts = accountServiceOf(store);
    const id = await createAccount(accounts, { username: 'bjones', displayName: 'Ben Jones', roles: ['technologist'] });
    const fromEnvironment = await cliActor({ store, command: 'import', as: 'bjones', allowedRoles: ['technologist'], env: { CAC_AS_PASSWORD: TEST_PASSWORD } });
    expect(fromEnvironment).toMatchObject({ kind: 'user', userId: id, username: 'bjones', roles: ['technologist'] });
    const inside = await withCliActor({ store, command: 'import', as: 'bjones', allowedRoles: ['technologist'], env: {}, input: pipedInput(`${TEST_PASSWORD}\n`) }, async () => actorLabel());
    expect(inside).toBe('Ben Jones (bjones)');
    // Checked like a login, and no session stays open.
    expect(rows().map((row) => [row.actor, row.action, row.outcome])).toEqual([
      ['Ben Jones (bjones)', 'login', 'success'],
      ['Ben Jones (bjones)', 'login', 'success'],
    ]);
  });

  it('a wrong password, a disabled account or a missing role: exit 3 and an audited refusal', async () => {
    const accounts = accountServiceOf(store);
    const id = await createAccount(accounts, { username: 'bjones', displayName: 'Ben Jones', roles: ['technologist'] });
    const wrong = await cliErrorOf(cliActor({ store, command: 'import', as: 'bjones', allowedRoles: ['technologist'], env: { CAC_AS_PASSWORD: 'not-his-password' } }));
    expect(wrong.exitCode).toBe(NOT_PERMITTED_EXIT);
    expect(wrong.message).toMatch(/--as bjones: the user name or the password is wrong/);

    const role = await cliErrorOf(cliActor({ store, command: 'backup', as: 'bjones', allowedRoles: ['admin'], env: { CAC_AS_PASSWORD: TEST_PASSWORD } }));
    expect(role.exitCode).toBe(NOT_PERMITTED_EXIT);
    expect(role.message).toMatch(/cac backup needs the role admin; this account is technologist/);

    accounts.users.update(id, { disabled: true }, new Date().toISOString(), 'test');
    const disabled = await cliErrorOf(cliActor({ store, command: 'import', as: 'bjones', allowedRoles: ['technologist'], env: { CAC_AS_PASSWORD: TEST_PASSWORD } }));
    expect(disabled.message).toMatch(/disabled/);

    expect(rows().map((row) => `${row.action}:${row.outcome}`)).toEqual(['login:failure', 'login:success', 'access-refused:failure', 'login:failure']);
    expect(rows()[2]).toMatchObject({ actor: 'Ben Jones (bjones)', actorId: id });
  });
});
