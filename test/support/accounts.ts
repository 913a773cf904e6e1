/**
 * Accounts in tests: a person created straight in the archive's users table (as an admin would),
 * signed in through the real AccountService, and the handler table bound to that session so a
 * test calls channels as that person.
 */
import type { Caller, createApiHandlers } from '../../main/api/handlers.js';
import type { AccountService } from '../../main/auth/accountService.js';
import { hashPassword } from '../../main/auth/passwords.js';
import type { Role } from '../../main/auth/roles.js';
import { CHANNELS, type Channel } from '../../main/api/contract.js';

export const TEST_PASSWORD = 'Tr0ub4dour-&-3-horses';

/** A radiologist who is also technologist, physicist and admin: may call every channel. */
export const ALL_ROLES: Role[] = ['technologist', 'radiologist', 'cardiologist', 'physicist', 'admin'];

export interface TestPerson {
  username: string;
  displayName?: string;
  roles: Role[];
  password?: string;
}

export async function createAccount(accounts: AccountService, person: TestPerson): Promise<number> {
  const at = new Date().toISOString();
  const user = accounts.users.insert({
    username: person.username,
    displayName: person.displayName ?? `Dr ${person.username}`,
    roles: person.roles,
    passwordHash: await hashPassword(person.password ?? TEST_PASSWORD),
    mustChangePassword: false,
    at,
    by: 'test set-up',
  });
  return user.id;
}

/** Creates the person (if new) and logs them in: the session token a transport would carry. */
export async function logIn(accounts: AccountService, person: TestPerson): Promise<string> {
  if (!accounts.users.byUsername(person.username)) await createAccount(accounts, person);
  const { session } = await accounts.login(person.username, person.password ?? TEST_PASSWORD);
  return session.token;
}

type Handlers = ReturnType<typeof createApiHandlers>;

/** The handler table with every channel called as this session (the readings and shutdown of the table kept). */
export function asSession(handlers: Handlers, sessionToken: string): Handlers {
  const caller: Caller = { sessionToken };
  const bound = Object.fromEntries(CHANNELS.map((channel: Channel) => [channel, (request: unknown) => handlers[channel](request, caller)]));
  return Object.assign(bound, { readings: handlers.readings, shutdown: () => handlers.shutdown() }) as unknown as Handlers;
}

/** The person tests sign in as by default: holds every role. */
export const TEST_READER: TestPerson = { username: 'reader', displayName: 'Dr Test Reader', roles: ALL_ROLES };
/** How the records and the audit name TEST_READER (actorLabel). */
export const TEST_READER_LABEL = 'Dr Test Reader (reader)';

/** The table signed in as `person` (default: a reader holding every role). */
export async function signedIn(handlers: Handlers, services: { accounts: AccountService }, person: TestPerson = TEST_READER): Promise<Handlers> {
  return asSession(handlers, await logIn(services.accounts, person));
}
