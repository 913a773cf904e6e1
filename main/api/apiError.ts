/**
 * Turning whatever went wrong into the typed ApiError a transport sends: a known code and a
 * sentence for the technologist. Unknown failures become 'internal' with their message only (the
 * stack goes to the log, never to the UI).
 */
import { ScoringWorkerError } from '../worker/scoringWorkerClient.js';
import { PacsError } from '../pacs/pacsError.js';
import { PacsNodeError } from '../pacs/pacsNode.js';
import { AuthError } from '../auth/accountService.js';
import type { ApiError, ApiErrorCode, OtherReading } from './contract.js';

const CODE_OF_AUTH_ERROR: Record<AuthError['code'], ApiErrorCode> = {
  'bad-credentials': 'bad-credentials',
  'account-locked': 'bad-credentials',
  'account-disabled': 'bad-credentials',
  'bad-password': 'bad-request',
  'setup-done': 'conflict',
  'not-found': 'not-found',
  conflict: 'conflict',
  'last-admin': 'conflict',
};

/** Thrown inside handlers; the handler table turns it into an ApiError. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: string[],
    /** For reading.open: the other readers' readings to choose from. */
    readonly otherReadings?: OtherReading[],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export const CONFLICT_MESSAGE = 'this study was changed in another window: reload';

export function toApiError(reason: unknown, log: (message: string, error: unknown) => void = defaultLog): ApiError {
  if (reason instanceof ApiFailure) {
    const error = withDetails({ code: reason.code, message: reason.message }, reason.details);
    return reason.otherReadings ? { ...error, otherReadings: reason.otherReadings } : error;
  }
  if (reason instanceof ScoringWorkerError) {
    switch (reason.code) {
      case 'worker-crashed':
        return { code: 'worker-crashed', message: reason.message };
      case 'load-failed':
      case 'choose-series':
        return withDetails({ code: 'load-failed', message: reason.message }, reason.details);
      case 'bad-request':
        return { code: 'bad-request', message: reason.message };
      default:
        log(`scoring worker error ${reason.code}`, reason);
        return { code: 'internal', message: reason.message };
    }
  }
  if (reason instanceof AuthError) return { code: CODE_OF_AUTH_ERROR[reason.code], message: reason.message };
  if (reason instanceof PacsError) return { code: 'pacs-failed', message: reason.message };
  if (reason instanceof PacsNodeError) return { code: 'bad-request', message: reason.message };
  log('internal error in an API handler', reason);
  const message = reason instanceof Error ? reason.message : String(reason);
  return { code: 'internal', message: `the workstation could not do this: ${message}` };
}

function withDetails(error: ApiError, details: string[] | undefined): ApiError {
  return details && details.length ? { ...error, details } : error;
}

function defaultLog(message: string, error: unknown): void {
  console.error(`[api] ${message}:`, error);
}
