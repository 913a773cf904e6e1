/**
 * Who is acting: the signed-in account of the request being handled, or the workstation itself
 * (the receiver, the outbound queue, a `cac` command run without --as). The handler table runs each
 * request inside `runAs`, so every service below it names the right person without passing it on.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role } from './roles.js';

export type Actor =
  | { kind: 'user'; userId: number; username: string; displayName: string; roles: readonly Role[] }
  | { kind: 'service'; name: string };

/** The workstation acting on its own (receiver, queue, dose capture). */
export const WORKSTATION_SERVICE: Actor = { kind: 'service', name: 'workstation service' };

const storage = new AsyncLocalStorage<Actor>();

export function runAs<T>(actor: Actor, work: () => T): T {
  return storage.run(actor, work);
}

export function currentActor(): Actor {
  return storage.getStore() ?? WORKSTATION_SERVICE;
}

/** How the audit and the records name an actor: "Anna Smith (asmith)" or "workstation service (cac import)". */
export function actorLabel(actor: Actor = currentActor()): string {
  return actor.kind === 'user' ? `${actor.displayName} (${actor.username})` : actor.name;
}

/** The account id for the audit; null for the workstation itself. */
export function actorId(actor: Actor = currentActor()): number | null {
  return actor.kind === 'user' ? actor.userId : null;
}

export function actorRoles(actor: Actor = currentActor()): readonly Role[] {
  return actor.kind === 'user' ? actor.roles : [];
}

/** The service identity of a command-line run: says which command and which OS account ran it. */
export function commandLineService(command: string, osUser: string): Actor {
  return { kind: 'service', name: `workstation service (cac ${command}, run by ${osUser})` };
}
