/**
 * Who a writing `cac` command acts as (issue 10): `--as USER` with that account's password (from
 * CAC_AS_PASSWORD or a line on stdin, never an argument: arguments show in `ps` and shell history)
 * runs the work as that account; without --as it runs as the workstation service identity, named
 * with the command and the OS account that ran it. Either way the audit says who.
 *
 *   const actor = await cliActor({ store, command: 'backup', as: values.as, allowedRoles: ['admin'] });
 *   await runAs(actor, () => work());       // or: await withCliActor({...}, () => work())
 */
import { userInfo } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import type { ArchiveStore } from '../archive/archiveStore.js';
import { AccountService, AuthError } from '../auth/accountService.js';
import { actorLabel, commandLineService, runAs, type Actor } from '../auth/actor.js';
import type { Role } from '../auth/roles.js';
import { CliError } from './cliError.js';

/** Environment variable with the --as account's password (for scripts; stdin otherwise). */
export const AS_PASSWORD_ENV = 'CAC_AS_PASSWORD';
/** Exit code when the account, its password or its roles do not allow the command. */
export const NOT_PERMITTED_EXIT = 3;

/** The OS account running the command, as the service identity names it. */
export function osUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'an unknown system user';
  }
}

/**
 * Lines of stdin, read only when asked for and in order (a command may need two: the new account's
 * password, then the --as password). On a terminal it prompts on stderr and does not echo.
 */
export class PasswordInput {
  private lines?: AsyncIterator<string>;
  private reader?: Interface;

  constructor(private readonly input: NodeJS.ReadStream = process.stdin) {}

  async line(what: string): Promise<string> {
    if (!this.lines) {
      const terminal = Boolean(this.input.isTTY);
      // On a terminal, readline echoes what is typed to `output`: a stream that drops it.
      const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
      this.reader = createInterface({ input: this.input, output: terminal ? muted : undefined, terminal });
      this.lines = this.reader[Symbol.asyncIterator]();
    }
    if (this.input.isTTY) process.stderr.write(`${what}: `);
    const next = await this.lines.next();
    if (this.input.isTTY) process.stderr.write('\n');
    if (next.done) throw new CliError(`no ${what} on stdin: give it as one line (e.g. printf '%s\\n' "$PASSWORD" | cac ...)`);
    return next.value.replace(/\r$/, '');
  }

  close(): void {
    this.reader?.close();
    if (this.lines) this.input.pause();
  }
}

export interface CliActorRequest {
  store: ArchiveStore;
  /** The command, as the service identity names it: "import", "receive", "users", "backup". */
  command: string;
  /** --as: the account to act as; undefined runs as the workstation service identity. */
  as?: string;
  /** Roles that may run this command (as the matching API channel allows). */
  allowedRoles: readonly Role[];
  /** Where the --as password comes from when CAC_AS_PASSWORD is not set. */
  input?: PasswordInput;
  env?: NodeJS.ProcessEnv;
}

/** The accounts of an archive, as the command line uses them (no sessions kept beyond the run). */
export function accountServiceOf(store: ArchiveStore): AccountService {
  return new AccountService({ db: store.db, audit: store.audit, idleLockMinutes: () => 10 });
}

/**
 * The actor a command runs as. With --as: the password is checked like a login (audited, counted
 * towards the lockout, slowed down), and the account must hold one of the allowed roles.
 */
export async function cliActor(request: CliActorRequest): Promise<Actor> {
  const service = commandLineService(request.command, osUsername());
  if (request.as === undefined) return service;
  const accounts = accountServiceOf(request.store);
  if (accounts.setupRequired()) throw new CliError(`--as ${request.as}: this archive has no account yet (create the first administrator with: cac users add <name> --admin)`, NOT_PERMITTED_EXIT);
  const password = (request.env ?? process.env)[AS_PASSWORD_ENV] ?? (await readOnce(request.input, `password of ${request.as}`));
  let signedIn: Awaited<ReturnType<AccountService['login']>>;
  try {
    signedIn = await accounts.login(request.as, password);
  } catch (reason) {
    if (reason instanceof AuthError) throw new CliError(`--as ${request.as}: ${reason.message}`, NOT_PERMITTED_EXIT);
    throw reason;
  }
  // Nothing is kept open: the command acts once, with the account's roles as stored now.
  accounts.sessions.end(signedIn.session.token);
  const actor = accounts.actorOfUser(signedIn.user);
  if (signedIn.user.mustChangePassword) {
    throw new CliError(`--as ${request.as}: the administrator reset this password: log in to the workstation and choose a new one first`, NOT_PERMITTED_EXIT);
  }
  const roles = actor.kind === 'user' ? actor.roles : [];
  if (!roles.some((role) => request.allowedRoles.includes(role))) {
    request.store.audit.record({ actor: actorLabel(actor), actorId: signedIn.user.id, action: 'access-refused', outcome: 'failure', details: { command: `cac ${request.command}`, by: service.kind === 'service' ? service.name : undefined } });
    throw new CliError(`--as ${request.as}: cac ${request.command} needs the role ${request.allowedRoles.join(' or ')}; this account is ${roles.length ? roles.join(', ') : 'without a role'}`, NOT_PERMITTED_EXIT);
  }
  return actor;
}

/** One line from the caller's input, or from stdin (released again so the command can exit). */
async function readOnce(input: PasswordInput | undefined, what: string): Promise<string> {
  if (input) return input.line(what);
  const stdin = new PasswordInput();
  try {
    return await stdin.line(what);
  } finally {
    stdin.close();
  }
}

/** Runs `work` as the command's actor (see cliActor); the audit entries written inside name it. */
export async function withCliActor<T>(request: CliActorRequest, work: (actor: Actor) => Promise<T>): Promise<T> {
  const actor = await cliActor(request);
  return runAs(actor, () => work(actor));
}
