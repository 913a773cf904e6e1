/**
 * `cac users`: the workstation's accounts from the command line, for unattended installs and for an
 * administrator without the app. Passwords come from stdin (--password-stdin, one line) or the
 * environment (CAC_PASSWORD for the account's new password, CAC_AS_PASSWORD for --as), never from
 * an argument. On a fresh archive `cac users add NAME --admin` creates the first administrator as
 * the workstation service identity; once an account exists every subcommand acts as an
 * administrator named with --as.
 */
import { parseArgs } from 'node:util';
import type { ArchiveStore } from '../archive/archiveStore.js';
import { AuthError, type AccountService } from '../auth/accountService.js';
import { actorLabel, commandLineService, runAs } from '../auth/actor.js';
import { authRequestSchemas } from '../auth/authContract.js';
import { ROLE_LABELS, ROLES, type Role } from '../auth/roles.js';
import { accountServiceOf, cliActor, NOT_PERMITTED_EXIT, osUsername, PasswordInput } from './cliActor.js';
import { CliError, USAGE_EXIT } from './cliError.js';
import { openArchive } from './openArchive.js';

export const USERS_USAGE = [
  'usage: cac users add <username> --name "Printed Name" --role <role> [--role ...] [--admin] [--password-stdin] [--as ADMIN] [--archive DIR]',
  '       cac users list [--json] [--as ADMIN] [--archive DIR]',
  '       cac users disable|enable <username> [--as ADMIN] [--archive DIR]',
  '       cac users reset-password <username> [--password-stdin] [--as ADMIN] [--archive DIR]',
  `  roles: ${ROLES.join(', ')}; the password: one line on stdin with --password-stdin, or CAC_PASSWORD;`,
  '  --as ADMIN: the administrator acting (password in CAC_AS_PASSWORD, or the next stdin line)',
].join('\n');

/** Environment variable with the new password of the account (when not on stdin). */
export const PASSWORD_ENV = 'CAC_PASSWORD';

const SUBCOMMANDS = ['add', 'list', 'disable', 'enable', 'reset-password'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export async function usersCommand(args: string[], out: (text: string) => void): Promise<void> {
  const [subcommand, ...rest] = args;
  if (!subcommand || !(SUBCOMMANDS as readonly string[]).includes(subcommand)) throw new CliError(USERS_USAGE, USAGE_EXIT);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        archive: { type: 'string' },
        as: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string', multiple: true, default: [] },
        admin: { type: 'boolean', default: false },
        'password-stdin': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}\n${USERS_USAGE}`, USAGE_EXIT);
  }
  const { values, positionals } = parsed;
  const wantsUsername = subcommand !== 'list';
  if (positionals.length !== (wantsUsername ? 1 : 0)) throw new CliError(`cac users ${subcommand} ${wantsUsername ? 'takes one user name' : 'takes no user name'}\n${USERS_USAGE}`, USAGE_EXIT);
  const roles = values.role.map((role) => {
    if (!(ROLES as readonly string[]).includes(role)) throw new CliError(`--role ${role} is not a role: ${ROLES.join(', ')}`, USAGE_EXIT);
    return role as Role;
  });
  if (values.admin) roles.push('admin');
  if (subcommand === 'add') {
    if (!values.name || roles.length === 0) throw new CliError(`cac users add needs --name "Printed Name" and at least one --role (or --admin)\n${USERS_USAGE}`, USAGE_EXIT);
    // The same rules as the app's users.add (the password's own rules are checked with it, later).
    const checked = authRequestSchemas['users.add'].safeParse({ username: positionals[0], displayName: values.name, roles, password: 'checked later' });
    if (!checked.success) throw new CliError(checked.error.issues.map((issue) => issue.message).join('; '), USAGE_EXIT);
  }

  const input = new PasswordInput();
  const { store } = await openArchive(values.archive);
  try {
    const accounts = accountServiceOf(store);
    const newPassword = async () => {
      if (values['password-stdin']) return input.line('new password');
      const fromEnvironment = process.env[PASSWORD_ENV];
      if (fromEnvironment === undefined) throw new CliError(`give the password as one line on stdin with --password-stdin, or in ${PASSWORD_ENV}; never as an argument`, USAGE_EXIT);
      return fromEnvironment;
    };

    if (accounts.setupRequired()) {
      if (subcommand === 'list') return out(values.json ? JSON.stringify({ users: [] }) : 'no accounts yet: create the first administrator with cac users add <username> --name "..." --admin');
      if (subcommand !== 'add') throw new CliError(`there is no account yet: create the first administrator with cac users add <username> --name "..." --admin`);
      if (!roles.includes('admin')) throw new CliError('the first account of a workstation is its administrator: add --admin (and --role for what else the person does)', USAGE_EXIT);
      if (values.as !== undefined) throw new CliError(`--as ${values.as}: there is no account yet to act as; leave --as out for the first administrator`, USAGE_EXIT);
      const service = commandLineService('users', osUsername());
      const password = await newPassword();
      const admin = await authStep(() => accounts.createFirstAdmin({ username: positionals[0], displayName: values.name!, password, roles }, actorLabel(service)));
      return out(`created the first administrator ${admin.displayName} (${admin.username}), roles ${admin.roles.join(', ')}, as ${actorLabel(service)}`);
    }

    if (values.as === undefined) {
      throw new CliError(`this archive has accounts: name the administrator acting with --as <username> (password in CAC_AS_PASSWORD or on stdin)`, NOT_PERMITTED_EXIT);
    }
    // The new password is read first (first stdin line), then the administrator's (the next one).
    const password = subcommand === 'add' || subcommand === 'reset-password' ? await newPassword() : undefined;
    const admin = await cliActor({ store, command: 'users', as: values.as, allowedRoles: ['admin'], input });
    await runAs(admin, () => runSubcommand(subcommand as Subcommand, { accounts, store, out, username: positionals[0], name: values.name, roles, password, json: values.json }));
  } finally {
    input.close();
    store.close();
  }
}

interface SubcommandInput {
  accounts: AccountService;
  store: ArchiveStore;
  out: (text: string) => void;
  username: string | undefined;
  name: string | undefined;
  roles: Role[];
  password: string | undefined;
  json: boolean;
}

async function runSubcommand(subcommand: Subcommand, { accounts, out, username, name, roles, password, json }: SubcommandInput): Promise<void> {
  const existing = () => {
    const user = accounts.users.byUsername(username!);
    if (!user) throw new CliError(`there is no account "${username}" (cac users list shows them)`);
    return user;
  };
  switch (subcommand) {
    case 'list': {
      const users = accounts.users.list().map((user) => accounts.userView(user));
      if (json) return out(JSON.stringify({ users }));
      if (users.length === 0) return out('no accounts');
      for (const user of users) {
        const state = [user.disabled ? 'disabled' : 'active', user.mustChangePassword ? 'must change password' : '', user.lockedUntil ? `locked until ${user.lockedUntil}` : ''].filter(Boolean).join(', ');
        out(`${user.username.padEnd(20)} ${user.displayName.padEnd(28)} ${user.roles.map((role) => ROLE_LABELS[role]).join(', ').padEnd(40)} ${state}`);
      }
      return;
    }
    case 'add': {
      const user = await authStep(() => accounts.addUser({ username: username!, displayName: name!, roles, password: password! }));
      return out(`added ${user.displayName} (${user.username}), roles ${user.roles.join(', ')}, as ${actorLabel()}; the password must be changed at the first login`);
    }
    case 'disable':
    case 'enable': {
      const user = existing();
      await authStep(() => accounts.updateUser(user.id, { disabled: subcommand === 'disable' }));
      return out(`${subcommand === 'disable' ? 'disabled' : 'enabled'} ${user.displayName} (${user.username}), as ${actorLabel()}`);
    }
    case 'reset-password': {
      const user = existing();
      await authStep(() => accounts.resetPassword(user.id, password!));
      return out(`reset the password of ${user.displayName} (${user.username}), as ${actorLabel()}; it must be changed at the next login`);
    }
  }
}

/** An account rule refused the step: one line the administrator can act on. */
async function authStep<T>(step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (reason) {
    if (reason instanceof AuthError) throw new CliError(reason.message);
    throw reason;
  }
}
