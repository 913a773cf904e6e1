/**
 * What went wrong talking to a PACS, in words a technologist can act on: which PACS, which step,
 * what to check. Retrieves that fail part-way carry what was already archived, so the message can
 * say that running the retrieve again fetches only the rest.
 */
import type { RetrieveSummary } from './retrieveJob.js';

export type PacsStep = 'C-ECHO' | 'C-FIND' | 'C-GET' | 'C-MOVE' | 'QIDO-RS' | 'WADO-RS';

export type PacsErrorKind =
  /** Nothing listens on that port (ECONNREFUSED). */
  | 'refused'
  /** The host name does not resolve. */
  | 'unknown-host'
  /** No route to the host / network down. */
  | 'unreachable'
  /** No answer in time: connecting, associating, or between messages. */
  | 'timeout'
  /** The PACS turned the association down (A-ASSOCIATE-RJ). */
  | 'rejected'
  /** The PACS accepted the association but not the service (no presentation context). */
  | 'not-supported'
  /** The PACS aborted the association (A-ABORT). */
  | 'aborted'
  /** The connection dropped before the operation finished. */
  | 'connection-lost'
  /** The PACS answered with a failure status (e.g. unknown move destination). */
  | 'failed'
  /** An HTTP error status from DICOMweb. */
  | 'http'
  /** The PACS answered with something this client cannot read. */
  | 'protocol'
  /** A search stopped on request (retrieves report cancel in their summary instead). */
  | 'cancelled';

export class PacsError extends Error {
  /** Instances already archived by a retrieve that failed part-way (it can be run again to resume). */
  partial?: RetrieveSummary;

  constructor(
    readonly kind: PacsErrorKind,
    readonly step: PacsStep,
    /** "the PACS at host:port (AE X)" or "the DICOMweb service at URL". */
    readonly target: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PacsError';
  }
}

/** Node socket error codes, mapped to the kind and the sentence after the PACS's name. */
export function describeSocketError(code: string | undefined, host: string): { kind: PacsErrorKind; text: string } | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return { kind: 'refused', text: 'refused the connection: is it running, is the port right?' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return { kind: 'unknown-host', text: `cannot be found: the host name "${host}" does not resolve; check the name or use the IP address` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return { kind: 'unreachable', text: 'cannot be reached (no route to the host): check the network connection and the address' };
    case 'ETIMEDOUT':
      return { kind: 'timeout', text: 'did not answer the connection attempt: check the address, and that a firewall lets the connection through' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return { kind: 'connection-lost', text: 'closed the connection unexpectedly: check that the PACS is still running' };
    default:
      return undefined;
  }
}

/** PS3.8 9.3.4: A-ASSOCIATE-RJ source and reason, as advice. */
export function describeRejection(source: number, reason: number, callingAeTitle: string, calledAeTitle: string, transient: boolean): string {
  const when = transient ? ' (temporarily)' : '';
  if (source === 1) {
    if (reason === 3) return `rejected the association${when}: it does not know this workstation's AE title ${callingAeTitle}; ask the PACS administrator to add it`;
    if (reason === 7) return `rejected the association${when}: its AE title is not ${calledAeTitle}; check the PACS AE title in the settings`;
    if (reason === 2) return `rejected the association${when}: application context not supported`;
    return `rejected the association${when} without giving a reason: check that it knows AE ${callingAeTitle} and that its AE title is ${calledAeTitle}`;
  }
  if (source === 3) {
    if (reason === 1) return 'rejected the association: it is busy (temporary congestion); try again shortly';
    if (reason === 2) return 'rejected the association: it has reached its limit of connections; try again shortly';
  }
  if (source === 2 && reason === 2) return 'rejected the association: protocol version not supported';
  return `rejected the association${when} (source ${source}, reason ${reason})`;
}

/** DIMSE status codes worth naming (PS3.4 C.4). */
export function describeStatus(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
  const named: Record<number, string> = {
    0xa701: 'out of resources (cannot calculate the number of matches)',
    0xa702: 'out of resources (cannot perform the sub-operations)',
    0xa700: 'out of resources',
    0xa801: 'the move destination is unknown to the PACS',
    0xa900: 'the identifier does not match the SOP class',
    0xc000: 'unable to process',
    0x0122: 'SOP class not supported',
    0x0124: 'not authorised',
    0x0110: 'processing failure',
    0x0211: 'unrecognised operation',
  };
  const text = named[status] ?? (status >= 0xc000 && status <= 0xcfff ? 'unable to process' : 'failure');
  return `${text} (status ${hex})`;
}
