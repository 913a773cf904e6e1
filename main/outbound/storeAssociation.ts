/**
 * One association with a PACS carrying C-STOREs of whole Part 10 files, on dcmjs-dimse's Client.
 * What the library would otherwise do differently:
 *  - the data set goes out as the exact bytes of the file (after its meta group), never decoded and
 *    re-encoded: the library's Dataset is a stand-in whose encoder returns those bytes;
 *  - each (SOP class, transfer syntax) pair is proposed as its own presentation context with only
 *    the file's transfer syntax, and an object goes only on a context accepted in that syntax (the
 *    library would transcode to whatever was accepted);
 *  - every failure becomes an OutboundSendError naming the PACS and what to do, marked permanent
 *    (the PACS refuses: retrying will not help until someone changes something) or transient.
 * Hooks the library's per-association Network object (dcmjs-dimse 0.3.x), like main/pacs/dimseAssociation.ts.
 */
import type { Socket } from 'node:net';
import dcmjsDimse from 'dcmjs-dimse';
import type { association as dimseAssociation, requests as dimseRequests, responses as dimseResponses } from 'dcmjs-dimse';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../dimse/part10File.js';
import { describeRejection, describeSocketError, describeStatus, type PacsErrorKind } from '../pacs/pacsError.js';
import type { OutboundDestinationNode } from '../../db/outboundRepository.js';

const { Client, Dataset, log } = dcmjsDimse;
const { CStoreRequest } = dcmjsDimse.requests;
const { PresentationContextResult } = dcmjsDimse.constants;

// As in dimseAssociation.ts: the library's PDU trace stays off unless CAC_DIMSE_LOG asks for it.
if (process.env.CAC_DIMSE_LOG) log.setLevel(process.env.CAC_DIMSE_LOG as Parameters<typeof log.setLevel>[0]);
else if (log.getLevel() === log.levels.TRACE) log.setLevel('silent');

type Association = dimseAssociation.Association;
type CStoreRequestType = dimseRequests.CStoreRequest;

/** The PACS errors of pacsError.ts, plus: no presentation context for the object, and a C-STORE failure status. */
export type OutboundErrorKind = PacsErrorKind | 'not-accepted' | 'store-failed';

export class OutboundSendError extends Error {
  constructor(
    readonly kind: OutboundErrorKind,
    /** True when the PACS refused on purpose (retrying alone will not help). */
    readonly permanent: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundSendError';
  }
}

export interface StoreObject {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** The data set bytes as in the file, after the File Meta Information. */
  dataSet: Uint8Array;
}

export type StoreOutcome =
  | { stored: true; status: number; /** The PACS's warning, when it stored with one. */ warning?: string }
  | { stored: false; error: OutboundSendError };

/** "PACS MAIN at 10.0.0.2:104 (AE PACS)": the start of every message about a destination. */
export function describeDestination(node: Pick<OutboundDestinationNode, 'name' | 'host' | 'port' | 'aeTitle'>): string {
  return `PACS ${node.name} at ${node.host}:${node.port} (AE ${node.aeTitle})`;
}

/** PS3.4 B.2.3: warnings (the object is stored) are 0xB000, 0xB006, 0xB007, and 0x0001/0x0107/0x0116 seen in the field. */
export function isStoreWarning(status: number): boolean {
  return (status & 0xf000) === 0xb000 || status === 0x0001 || status === 0x0107 || status === 0x0116;
}

/** Names of the SOP classes a report leaves as, for messages. */
const SOP_CLASS_NAMES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture',
  '1.2.840.10008.5.1.4.1.1.88.59': 'Key Object Selection',
};
const TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR little endian',
  '1.2.840.10008.1.2.1': 'explicit VR little endian',
  '1.2.840.10008.1.2.1.99': 'deflated explicit VR little endian',
  '1.2.840.10008.1.2.2': 'explicit VR big endian',
};
const sopClassName = (uid: string) => (SOP_CLASS_NAMES[uid] ? `${SOP_CLASS_NAMES[uid]} (${uid})` : `SOP class ${uid}`);
const syntaxName = (uid: string) => TRANSFER_SYNTAX_NAMES[uid] ?? uid;

interface NetworkInternals {
  socket: Socket;
  sendAssociationRequest(association: Association): void;
  on(event: 'abort', listener: (abort?: { source?: number; reason?: number }) => void): unknown;
}

/**
 * C-STORE `objects` on one association. Resolves with an outcome per object (same order); an
 * association that fails gives every object not yet answered that failure.
 */
export function storeObjects(node: OutboundDestinationNode, objects: readonly StoreObject[]): Promise<StoreOutcome[]> {
  const pacs = describeDestination(node);
  const seconds = `${Math.round(node.timeoutMs / 100) / 10} s`;
  const outcomes: Array<StoreOutcome | undefined> = objects.map(() => undefined);
  if (objects.length === 0) return Promise.resolve([]);

  return new Promise<StoreOutcome[]>((resolve) => {
    const client = new Client();
    let phase: 'connecting' | 'associating' | 'storing' | 'releasing' = 'connecting';
    let failure: OutboundSendError | undefined;
    let socketErrorCode: string | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    let settled = false;
    let network: NetworkInternals | undefined;

    const error = (kind: OutboundErrorKind, permanent: boolean, text: string, cause?: unknown) =>
      new OutboundSendError(kind, permanent, `${pacs} ${text}`, cause === undefined ? undefined : { cause });
    const fail = (reason: OutboundSendError) => {
      failure ??= reason;
    };
    const timeoutError = () =>
      phase === 'connecting'
        ? error('timeout', false, `did not answer within ${seconds} when connecting: is it running, and does a firewall let DICOM through?`)
        : phase === 'associating'
          ? error('timeout', false, `accepted the connection but did not answer the association request within ${seconds}: is ${node.port} its DICOM port?`)
          : error('timeout', false, `stopped answering while storing (nothing for ${seconds}): check that the PACS is still running; sending is retried`);

    const teardown = () => {
      const socket = network?.socket;
      if (!socket || socket.destroyed) return;
      if (phase === 'storing' || phase === 'releasing') {
        try {
          client.abort();
        } catch {
          // No association to abort: closing the socket is enough.
        }
        socket.end();
        setTimeout(() => socket.destroy(), 200).unref();
      } else socket.destroy();
    };
    /**
     * Our own watchdog, in case the library's timers do not fire: it trips when nothing moved for
     * the timeout, neither bytes flushed to the PACS (a large object still uploading is progress)
     * nor anything received. Each phase change restarts it.
     */
    let lastProgress = { at: Date.now(), flushed: 0, received: 0 };
    const watch = () => {
      clearInterval(watchdog);
      lastProgress = { ...progress(), at: Date.now() };
      watchdog = setInterval(() => {
        const now = progress();
        if (now.flushed !== lastProgress.flushed || now.received !== lastProgress.received) lastProgress = { ...now, at: Date.now() };
        else if (Date.now() - lastProgress.at > node.timeoutMs + 1_000) {
          clearInterval(watchdog);
          fail(timeoutError());
          teardown();
        }
      }, 250);
      watchdog.unref();
    };
    const progress = () => {
      const socket = network?.socket;
      return { flushed: socket ? socket.bytesWritten - socket.writableLength : 0, received: socket?.bytesRead ?? 0 };
    };

    const settle = () => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      const unanswered =
        failure ??
        (phase === 'storing' || phase === 'releasing'
          ? error('connection-lost', false, 'closed the connection before it confirmed every object: check that the PACS is still running; sending is retried')
          : error('connection-lost', false, `closed the connection while ${phase === 'connecting' ? 'connecting' : 'negotiating the association'}: check the port and the AE titles`));
      resolve(outcomes.map((outcome) => outcome ?? { stored: false, error: unanswered }));
    };

    const requests: CStoreRequestType[] = objects.map((object, index) => {
      const request = new CStoreRequest(rawDataSet(object));
      request.on('response', (response: dimseResponses.CStoreResponse) => {
        watch();
        const status = response.getStatus();
        if (status === 0) outcomes[index] = { stored: true, status };
        else if (isStoreWarning(status)) outcomes[index] = { stored: true, status, warning: `${pacs} stored it with a warning: ${describeStoreWarning(status)}` };
        else outcomes[index] = { stored: false, error: error('store-failed', true, `refused to store ${sopClassName(object.sopClassUid)} ${object.sopInstanceUid}: ${describeStoreFailure(status, node.callingAeTitle)}`) };
      });
      client.addRequest(request);
      return request;
    });

    client.on('connected', () => {
      phase = 'associating';
      watch();
    });
    client.on('associationAccepted', (association: Association) => {
      phase = 'storing';
      watch();
      // Only objects with a context accepted in their own transfer syntax go out (no transcoding).
      const accepted = new Set<string>();
      for (const { id } of association.getPresentationContexts()) {
        const context = association.getPresentationContext(id);
        if (context.getResult() === PresentationContextResult.Accept) accepted.add(`${context.getAbstractSyntaxUid()}|${context.getAcceptedTransferSyntaxUid()}`);
      }
      const pending = clientRequests(client);
      objects.forEach((object, index) => {
        if (accepted.has(`${object.sopClassUid}|${object.transferSyntaxUid}`)) return;
        outcomes[index] = {
          stored: false,
          error: error(
            'not-accepted',
            true,
            `does not accept ${sopClassName(object.sopClassUid)} in ${syntaxName(object.transferSyntaxUid)} from AE ${node.callingAeTitle}: ask the PACS administrator to allow this SOP class`,
          ),
        };
        pending.splice(pending.indexOf(requests[index]), 1);
      });
    });
    client.on('associationReleased', () => clearInterval(watchdog));
    client.on('associationRejected', (rejection: { result: number; source: number; reason: number }) => {
      const permanent = rejection.result === 1;
      fail(error('rejected', permanent, describeRejection(rejection.source, rejection.reason, node.callingAeTitle, node.aeTitle, !permanent)));
    });
    client.on('networkError', (reason: Error) => {
      const code = socketErrorCode ?? /\b(E[A-Z_]{3,})\b/.exec(reason.message)?.[1];
      const described = describeSocketError(code, node.host);
      if (/timeout/i.test(reason.message)) fail(timeoutError());
      else if (/Unknown PDU type: 72\b/.test(reason.message)) fail(error('protocol', true, `answered like a web server, not DICOM: is ${node.port} its DICOM port (not its web port)?`, reason));
      else if (/Unknown PDU type/.test(reason.message)) fail(error('protocol', true, `answered with something that is not DICOM: is ${node.port} its DICOM port?`, reason));
      else if (described) {
        const text = phase === 'storing' && described.kind === 'connection-lost' ? 'closed the connection while storing: check that the PACS is still running; sending is retried' : described.text;
        fail(error(described.kind, false, text, reason));
      } else fail(error('protocol', false, `could not be talked to: ${reason.message}`, reason));
      teardown();
    });
    client.on('closed', settle);

    try {
      client.send(node.host, node.port, node.callingAeTitle, node.aeTitle, {
        connectTimeout: node.timeoutMs,
        associationTimeout: node.timeoutMs,
        pduTimeout: node.timeoutMs,
      });
      network = networkInternals(client);
    } catch (reason) {
      fail(error('protocol', false, `could not be contacted: ${reason instanceof Error ? reason.message : String(reason)}`, reason));
      settle();
      return;
    }
    network.socket.prependListener('error', (socketError: NodeJS.ErrnoException) => {
      socketErrorCode ??= socketError.code;
    });
    network.socket.once('close', () => setTimeout(settle, 50).unref());
    network.on('abort', (abort?: { source?: number }) => {
      // An abort by the PACS as a service user is on purpose (Orthanc answers a C-STORE from an AE
      // it does not allow to store this way): counted as a refusal. Others are protocol trouble.
      if (abort?.source === 0) {
        fail(error('aborted', true, `aborted the association when asked to store: it may not allow AE ${node.callingAeTitle} to store; check the PACS's settings for this workstation and its log`));
      } else fail(error('aborted', false, 'aborted the association while storing: check the PACS log; sending is retried'));
      // The library leaves the socket open after an A-ABORT; nothing more will come on it.
      network?.socket.destroy();
    });
    const sendAssociationRequest = network.sendAssociationRequest.bind(network);
    network.sendAssociationRequest = (association: Association) => {
      association.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
      association.setImplementationVersion(IMPLEMENTATION_VERSION_NAME);
      proposeExactContexts(association, objects);
      sendAssociationRequest(association);
    };
    watch();
  });
}

/** One presentation context per (SOP class, transfer syntax) of the objects, with that syntax only. */
function proposeExactContexts(association: Association, objects: readonly StoreObject[]): void {
  association.clearPresentationContexts();
  const proposed = new Set<string>();
  for (const object of objects) {
    const key = `${object.sopClassUid}|${object.transferSyntaxUid}`;
    if (proposed.has(key)) continue;
    proposed.add(key);
    const id = association.addPresentationContext(object.sopClassUid);
    association.addTransferSyntaxToPresentationContext(id, object.transferSyntaxUid);
  }
}

/** The library's Dataset, standing in for the file: its encoder hands back the file's data set bytes. */
function rawDataSet(object: StoreObject): InstanceType<typeof Dataset> {
  const dataSet = new Dataset({ SOPClassUID: object.sopClassUid, SOPInstanceUID: object.sopInstanceUid }, object.transferSyntaxUid);
  const bytes = Buffer.from(object.dataSet.buffer, object.dataSet.byteOffset, object.dataSet.byteLength);
  dataSet.getDenaturalizedDataset = () => bytes;
  return dataSet;
}

/** C-STORE warning statuses (PS3.4 B.2.3): stored, but not quite as sent. */
function describeStoreWarning(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
  if (status === 0xb000) return `it changed some attributes to fit its rules (coercion of data elements, status ${hex})`;
  if (status === 0xb006) return `it discarded some attributes (status ${hex})`;
  if (status === 0xb007) return `it says the data set does not match the SOP class (status ${hex}); report this to the workstation's support`;
  return `status ${hex}`;
}

/** C-STORE failure statuses (PS3.4 B.2.3) as what to check. */
function describeStoreFailure(status: number, callingAeTitle: string): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
  if ((status & 0xff00) === 0xa700) return `it is out of resources (status ${hex}): its disk may be full; ask the PACS administrator, then retry`;
  if ((status & 0xff00) === 0xa900) return `it says the data set does not match the SOP class (status ${hex}): report this to the workstation's support`;
  if ((status & 0xf000) === 0xc000) return `it cannot understand the object (status ${hex}): check the PACS log for the reason`;
  if (status === 0x0122) return `it does not support this SOP class (status ${hex}): ask the PACS administrator to allow it`;
  if (status === 0x0124) return `this workstation is not authorised to store (status ${hex}): ask the PACS administrator to allow AE ${callingAeTitle} to store`;
  return describeStatus(status);
}

function clientRequests(client: InstanceType<typeof Client>): unknown[] {
  const requests = (client as unknown as { requests?: unknown[] }).requests;
  if (!Array.isArray(requests)) throw new Error('dcmjs-dimse has changed: its Client no longer keeps its requests in an array (tested with 0.3.x)');
  return requests;
}

function networkInternals(client: InstanceType<typeof Client>): NetworkInternals {
  const network = (client as unknown as { network?: Partial<NetworkInternals> }).network;
  if (!network || !network.socket || typeof network.sendAssociationRequest !== 'function') {
    throw new Error('dcmjs-dimse has changed: its Client no longer exposes the association network object the outbound queue hooks into (tested with 0.3.x)');
  }
  return network as NetworkInternals;
}
