/**
 * One DIMSE association with a PACS, carrying one request (C-ECHO, C-FIND, C-GET or C-MOVE), on
 * dcmjs-dimse's Client. This module owns what the library leaves open:
 *  - every way it can fail becomes one PacsError naming the PACS, the step and what to check;
 *  - cancel sends C-CANCEL, and aborts the association if the PACS does not stop in time;
 *  - for C-GET, the objects the PACS sends back arrive as the exact bytes off the wire (the library
 *    would decode and re-encode them: DS "3.0" would come back as "3"), on presentation contexts
 *    proposed one transfer syntax each, so the PACS can send each file as it holds it.
 * The hooks reach into the library's per-association Network object (dcmjs-dimse 0.3.x: created
 * synchronously by Client.send); `networkInternals` checks that shape and fails loudly if it changes.
 */
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import dcmjsDimse from 'dcmjs-dimse';
import type { association as dimseAssociation, Dataset as DimseDataset, requests as dimseRequests, responses as dimseResponses } from 'dcmjs-dimse';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../dimse/part10File.js';
import { TRANSFER_SYNTAXES } from '../../native-worker/dicom/transferSyntax.js';
import { describePacs, type PacsNode } from './pacsNode.js';
import { PacsError, describeRejection, describeSocketError, type PacsStep } from './pacsError.js';

const { Client, Dataset, log } = dcmjsDimse;
const { CStoreResponse } = dcmjsDimse.responses;
const { Status, StorageClass, PresentationContextResult } = dcmjsDimse.constants;

// The library logs every PDU at trace level unless told otherwise; our errors carry what matters.
// CAC_DIMSE_LOG=info|debug|... turns its log back on for diagnosis. A level someone else set is kept.
if (process.env.CAC_DIMSE_LOG) log.setLevel(process.env.CAC_DIMSE_LOG as Parameters<typeof log.setLevel>[0]);
else if (log.getLevel() === log.levels.TRACE) log.setLevel('silent');

type Association = dimseAssociation.Association;
type PresentationContext = dimseAssociation.PresentationContext;
export type DimseRequest = dimseRequests.CEchoRequest | dimseRequests.CFindRequest | dimseRequests.CGetRequest | dimseRequests.CMoveRequest;
export type DimseResponse = dimseResponses.Response;
type CStoreRequest = dimseRequests.CStoreRequest;

/** A C-STORE sub-operation of a C-GET: the data set bytes as received, not decoded. */
export interface ReceivedObject {
  sopClassUid: string;
  sopInstanceUid: string;
  /** The transfer syntax accepted on the presentation context it came on. */
  transferSyntaxUid: string;
  dataSetChunks: Buffer[];
  dataSetBytes: number;
}

export interface AssociationParams {
  node: PacsNode;
  step: PacsStep;
  request: DimseRequest;
  /** The SOP class the request needs accepted (checked once the association is up). */
  abstractSyntaxUid: string;
  /** C-GET only: store one received object and return the C-STORE status to answer with. */
  onObject?: (object: ReceivedObject) => Promise<number>;
  onResponse?: (response: DimseResponse) => void;
  signal?: AbortSignal;
}

export interface AssociationResult {
  /** The status of the final response (absent when cancelled before one came). */
  status?: number;
  finalResponse?: DimseResponse;
  cancelled: boolean;
}

/** The Network object dcmjs-dimse creates per association; only what we hook. */
interface NetworkInternals {
  socket: Socket;
  sendAssociationRequest(association: Association): void;
  createStoreWritableStream(context: PresentationContext, request: CStoreRequest): Writable;
  createDatasetFromStoreWritableStream(writable: Writable, context: PresentationContext, callback: (dataset: DimseDataset) => void): void;
  on(event: 'abort', listener: (info: { source: number; reason: number }) => void): unknown;
}

/** After C-CANCEL, how long the PACS gets to send its final response before we abort. */
const CANCEL_GRACE_MS = 3_000;
const PENDING_WARNING_STATUS = 0xff01;

export function runAssociation(params: AssociationParams): Promise<AssociationResult> {
  const { node, step, request, signal } = params;
  const pacs = describePacs(node);
  const seconds = `${Math.round(node.timeoutMs / 100) / 10} s`;

  return new Promise<AssociationResult>((resolve, reject) => {
    if (signal?.aborted) {
      resolve({ cancelled: true });
      return;
    }
    const client = new Client();
    client.addRequest(request);
    let phase: 'connecting' | 'associating' | 'operating' | 'releasing' = 'connecting';
    let failure: Error | undefined;
    let finalResponse: DimseResponse | undefined;
    let cancelled = false;
    let tornDown = false;
    let settled = false;
    let socketErrorCode: string | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    let cancelTimer: NodeJS.Timeout | undefined;
    const rawDataSets = new WeakMap<DimseDataset, ReceivedObject>();

    const fail = (error: Error) => {
      failure ??= error;
    };
    const pacsError = (kind: ConstructorParameters<typeof PacsError>[0], text: string, cause?: unknown) =>
      new PacsError(kind, step, pacs, `${pacs} ${text}`, cause === undefined ? undefined : { cause });

    /** Our watchdog over connecting and associating, in case the library's timers do not fire. */
    const watchPhase = () => {
      clearTimeout(watchdog);
      if (phase !== 'connecting' && phase !== 'associating') return;
      watchdog = setTimeout(() => {
        fail(timeoutError());
        teardown();
      }, node.timeoutMs + 1_000);
    };
    const timeoutError = () =>
      phase === 'connecting'
        ? pacsError('timeout', `did not answer within ${seconds} when connecting for ${step}: check the host and port, and that a firewall lets DICOM through`)
        : phase === 'associating'
          ? pacsError('timeout', `accepted the connection but did not answer the association request within ${seconds}: is ${node.port} its DICOM port?`)
          : pacsError('timeout', `stopped answering during ${step} (nothing for ${seconds}): check that the PACS is still running, then try again`);

    let network: NetworkInternals;
    const teardown = () => {
      if (tornDown) return;
      tornDown = true;
      const socket = network?.socket;
      if (!socket) return;
      if (phase === 'operating' || phase === 'releasing') {
        try {
          client.abort();
        } catch {
          // No association to abort: closing the socket is enough.
        }
        socket.end();
        setTimeout(() => socket.destroy(), 200).unref();
      } else socket.destroy();
    };

    const onAbortSignal = () => {
      if (cancelled || settled) return;
      cancelled = true;
      const cancellable = request instanceof dcmjsDimse.requests.CFindRequest || request instanceof dcmjsDimse.requests.CGetRequest || request instanceof dcmjsDimse.requests.CMoveRequest;
      if (phase === 'operating' && cancellable) {
        try {
          client.cancel(request);
        } catch {
          teardown();
          return;
        }
        cancelTimer = setTimeout(teardown, CANCEL_GRACE_MS);
      } else teardown();
    };
    signal?.addEventListener('abort', onAbortSignal, { once: true });

    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      clearTimeout(cancelTimer);
      signal?.removeEventListener('abort', onAbortSignal);
      if (finalResponse) {
        // A failure after the final response (say the release was not answered) does not undo it.
        if (failure && !(failure instanceof PacsError)) reject(failure);
        else resolve({ status: finalResponse.getStatus(), finalResponse, cancelled });
        return;
      }
      if (cancelled && (!failure || tornDown)) {
        resolve({ cancelled: true });
        return;
      }
      if (failure) {
        reject(failure);
        return;
      }
      reject(
        phase === 'operating'
          ? pacsError('connection-lost', `closed the connection during ${step} before it finished: check that the PACS is still running, then try again`)
          : pacsError('connection-lost', `closed the connection while ${phase === 'connecting' ? 'connecting' : 'negotiating the association'} for ${step}: check the port and AE titles`),
      );
    };

    request.on('response', (response: DimseResponse) => {
      const status = response.getStatus();
      params.onResponse?.(response);
      if (status !== Status.Pending && status !== PENDING_WARNING_STATUS) {
        finalResponse = response;
        phase = 'releasing';
        clearTimeout(cancelTimer);
      }
    });

    client.on('connected', () => {
      phase = 'associating';
      watchPhase();
    });
    client.on('associationAccepted', (association: Association) => {
      phase = 'operating';
      watchPhase();
      const accepted = association
        .getPresentationContexts()
        .some(({ id }) => {
          const context = association.getPresentationContext(id);
          return context.getAbstractSyntaxUid() === params.abstractSyntaxUid && context.getResult() === PresentationContextResult.Accept;
        });
      if (!accepted) {
        fail(pacsError('not-supported', `accepted the association but not the ${step} service: it does not offer ${step} to this workstation${step === 'C-GET' ? '; use C-MOVE or DICOMweb instead' : ''}`));
        teardown();
      }
    });
    client.on('associationRejected', (rejection: { result: number; source: number; reason: number }) => {
      fail(pacsError('rejected', describeRejection(rejection.source, rejection.reason, node.callingAeTitle, node.aeTitle, rejection.result === 2)));
    });
    client.on('networkError', (error: Error) => {
      const code = socketErrorCode ?? /\b(E[A-Z_]{3,})\b/.exec(error.message)?.[1];
      const described = describeSocketError(code, node.host);
      if (/timeout/i.test(error.message)) fail(timeoutError());
      else if (/Unknown PDU type: 72\b/.test(error.message)) {
        // 72 is "H": an HTTP status line, a web server on that port.
        fail(pacsError('protocol', `answered like a web server, not DICOM: is ${node.port} its DICOM port (not its web port)?`, error));
      } else if (/Unknown PDU type/.test(error.message)) fail(pacsError('protocol', `answered with something that is not DICOM: is ${node.port} its DICOM port?`, error));
      else if (described) fail(pacsError(described.kind, phase === 'operating' && described.kind === 'connection-lost' ? `closed the connection during ${step}: check that the PACS is still running, then try again` : described.text, error));
      else fail(pacsError('protocol', `could not be talked to during ${step}: ${error.message}`, error));
      teardown();
    });
    if (params.onObject) {
      const onObject = params.onObject;
      // Two parameters: the library's emitter only hands over the response callback to listeners of arity 2.
      client.on('cStoreRequest', (storeRequest: CStoreRequest, respond: (response: dimseResponses.CStoreResponse) => void) => {
        const answer = (status: number) => {
          const response = CStoreResponse.fromRequest(storeRequest);
          response.setStatus(status);
          respond(response);
        };
        const dataSet = storeRequest.getDataset();
        const received = dataSet ? rawDataSets.get(dataSet) : undefined;
        if (!received) {
          answer(0xc000);
          return;
        }
        received.sopClassUid = storeRequest.getAffectedSopClassUid();
        received.sopInstanceUid = storeRequest.getAffectedSopInstanceUid();
        onObject(received).then(answer, (error: unknown) => {
          // The archive cannot take it (disk full...): stop the whole retrieve, report that error.
          fail(error instanceof Error ? error : new Error(String(error)));
          answer(0xa700);
          onAbortSignal();
        });
      });
    }
    client.on('closed', settle);

    try {
      client.send(node.host, node.port, node.callingAeTitle, node.aeTitle, {
        connectTimeout: node.timeoutMs,
        associationTimeout: node.timeoutMs,
        pduTimeout: node.timeoutMs,
      });
      network = networkInternals(client);
    } catch (error) {
      signal?.removeEventListener('abort', onAbortSignal);
      reject(error);
      return;
    }
    network.socket.prependListener('error', (error: NodeJS.ErrnoException) => {
      socketErrorCode ??= error.code;
    });
    network.on('abort', () => {
      if (!cancelled) fail(pacsError('aborted', `aborted the association during ${step}: check the PACS log; if it happens again, try a smaller retrieve`));
    });

    const sendAssociationRequest = network.sendAssociationRequest.bind(network);
    network.sendAssociationRequest = (association: Association) => {
      association.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
      association.setImplementationVersion(IMPLEMENTATION_VERSION_NAME);
      if (params.onObject) addStorageContexts(association);
      sendAssociationRequest(association);
    };
    if (params.onObject) {
      network.createStoreWritableStream = () => new DataSetCollector();
      network.createDatasetFromStoreWritableStream = (writable, context, callback) => {
        const collector = writable as DataSetCollector;
        const transferSyntaxUid = context.getAcceptedTransferSyntaxUid() ?? '1.2.840.10008.1.2';
        // An empty stand-in: the library passes it on with the request; the bytes travel beside it.
        const dataSet = new Dataset({}, transferSyntaxUid);
        rawDataSets.set(dataSet, { sopClassUid: '', sopInstanceUid: '', transferSyntaxUid, dataSetChunks: collector.chunks, dataSetBytes: collector.bytes });
        callback(dataSet);
      };
    }
    watchPhase();
  });
}

function networkInternals(client: InstanceType<typeof Client>): NetworkInternals {
  const network = (client as unknown as { network?: Partial<NetworkInternals> }).network;
  if (!network || !network.socket || typeof network.sendAssociationRequest !== 'function' || typeof network.createStoreWritableStream !== 'function') {
    throw new Error('dcmjs-dimse has changed: its Client no longer exposes the association network object this PACS client hooks into (tested with 0.3.x)');
  }
  return network as NetworkInternals;
}

/** Keeps the data set bytes as they arrive, in order, without copying. */
class DataSetCollector extends Writable {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  constructor() {
    // Never report back-pressure: the chunks are already in memory, in PDUs the library has read.
    super({ highWaterMark: 1 << 30 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    done();
  }
}

/** Storage classes a CAC study can hold, each proposed once per transfer syntax (see below). */
export const IMAGE_STORAGE_CLASSES = [
  StorageClass.CtImageStorage,
  StorageClass.EnhancedCtImageStorage,
  StorageClass.LegacyConvertedEnhancedCTImageStorage,
  StorageClass.SecondaryCaptureImageStorage,
];
export const DOCUMENT_STORAGE_CLASSES = [
  StorageClass.XRayRadiationDoseSRStorage,
  StorageClass.EnhancedSrStorage,
  StorageClass.ComprehensiveSrStorage,
  StorageClass.BasicTextSrStorage,
  StorageClass.EncapsulatedPdfStorage,
  '1.2.840.10008.5.1.4.1.1.11.1', // Grayscale Softcopy Presentation State
  '1.2.840.10008.5.1.4.1.1.88.59', // Key Object Selection Document
];
const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Every syntax the loader knows, lossy ones included: better the original (refused later, with the reason) than a silent conversion. */
export const IMAGE_TRANSFER_SYNTAXES = Object.keys(TRANSFER_SYNTAXES).filter((uid) => uid !== '1.2.840.10008.1.2.4.100');

/**
 * The C-GET storage contexts, SCP role. A PACS accepts one transfer syntax per context and converts
 * files held in another; with one context per syntax it finds the one its file is in and sends it
 * unchanged. Classes outside the lists get one context with both uncompressed syntaxes (the
 * association has room for 128 contexts).
 */
export function addStorageContexts(association: Association): void {
  const add = (abstractSyntaxUid: string, transferSyntaxUids: readonly string[]) => {
    const id = association.addPresentationContext(abstractSyntaxUid);
    const context = association.getPresentationContext(id);
    for (const uid of transferSyntaxUids) context.addTransferSyntaxUid(uid);
    context.setUserRole(false);
    context.setProviderRole(true);
  };
  for (const sopClass of IMAGE_STORAGE_CLASSES) for (const syntax of IMAGE_TRANSFER_SYNTAXES) add(sopClass, [syntax]);
  for (const sopClass of DOCUMENT_STORAGE_CLASSES) for (const syntax of [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN]) add(sopClass, [syntax]);
  const listed = new Set([...IMAGE_STORAGE_CLASSES, ...DOCUMENT_STORAGE_CLASSES]);
  const others = Object.values(StorageClass as unknown as Record<string, string>).filter((uid) => !listed.has(uid));
  for (const sopClass of others) {
    if (association.getPresentationContexts().length >= 127) break;
    add(sopClass, [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN]);
  }
}

/** Statuses of C-GET/C-MOVE final responses that still mean "ran to its end". */
export function isCompletedStatus(status: number): boolean {
  return status === Status.Success || (status & 0xf000) === 0xb000;
}

export const DIMSE_STATUS = { success: Status.Success, cancel: Status.Cancel, pending: Status.Pending } as const;
