/**
 * The DICOM receiver (C-STORE SCP and C-ECHO SCP) that a scanner, or a PACS answering our C-MOVE,
 * sends studies to. Each received data set is kept byte for byte: dcmjs-dimse hands us the raw data
 * set bytes (it would otherwise decode and re-encode them, turning DS "3.0" into "3"), we prefix a
 * File Meta Information group of our own and give the Part 10 file to the archive.
 *
 * Security (DESIGN.md): it listens on `host` only; the calling AE title (optionally bound to an
 * address, "AE@10.0.0.5") must be on the allow list, the called AE title must be ours; associations
 * (in all and per calling AE title, so one peer cannot take every slot), PDU length and object size
 * are limited; UIDs are validated by the archive before they name files. Two timers (ARTIM-like,
 * PS3.8 9.1.5): a connection must deliver its A-ASSOCIATE-RQ within the idle timeout (slow-loris),
 * and an association that receives no PDU for that long is aborted, so idle peers free their slots.
 *
 * Statuses sent back (PS3.4 B.2.3, PS3.7 C.4):
 *   0x0000 stored, already archived (duplicate), or kept aside as a conflict (same UID, other bytes:
 *          the bytes are safe and the conflict is on the quarantine list, so a resend cannot help);
 *   0xA700 out of resources: the archive disk is full or not writable, or the object is larger than
 *          maxObjectBytes; nothing was stored, the sender may retry later;
 *   0xC000 cannot understand: the object was quarantined (not parseable, invalid or hostile UIDs);
 *          the reason is in the Error Comment and in the quarantine list;
 *   0x0110 processing failure: anything unexpected (logged).
 *
 * Not the dcmjs-dimse Server: its listen() binds every interface and does not bound connections;
 * a net.Server of our own hands each connection to an Scp subclass, as Server does.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import type { association as dimseAssociation, requests as dimseRequests, responses as dimseResponses } from 'dcmjs-dimse';
import type { ArchiveStore, IngestOutcome } from '../archive/archiveStore.js';
import { ArchiveWriteError } from '../archive/atomicFile.js';
import type { ImportCounts } from '../../db/importJobRepository.js';
import { buildPart10File } from './part10File.js';
import { abortPdu, PduLengthGuard } from './pduLengthGuard.js';
import { choosePresentationContext } from './storagePresentationContexts.js';
import { actorId, actorLabel, WORKSTATION_SERVICE, type Actor } from '../auth/actor.js';

type Association = dimseAssociation.Association;
type PresentationContext = dimseAssociation.PresentationContext;
type CStoreRequest = dimseRequests.CStoreRequest;
type CEchoRequest = dimseRequests.CEchoRequest;
type CStoreResponse = dimseResponses.CStoreResponse;
type CEchoResponse = dimseResponses.CEchoResponse;

const { Scp, Dataset, Implementation } = dimse;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, Status } = dimse.constants;

export interface ReceiverConfig {
  /** Our AE title; associations calling another one are rejected (called AE not recognized). */
  aeTitle: string;
  /** 0 = any free port (read it back from DicomReceiver.port). */
  port: number;
  /** Interface to listen on: '0.0.0.0' (default) for a scanner on the LAN, '127.0.0.1' for tests. */
  host?: string;
  /**
   * Calling AE titles allowed to associate: "CT_SCANNER" from any address, or "CT_SCANNER@10.0.0.5"
   * from that address only. An EMPTY list ACCEPTS ANY calling AE title (a warning is logged at
   * start): convenient for a first installation, not what a site should run with.
   */
  allowedCallingAeTitles: string[];
  /** Simultaneous associations; one more is rejected as transient (local limit exceeded). */
  maxAssociations: number;
  /**
   * Simultaneous associations from one calling AE title (default maxAssociations, i.e. no limit of
   * its own); one more is rejected as transient, so a misbehaving peer leaves room for the others.
   */
  maxAssociationsPerCallingAe?: number;
  /**
   * Largest P-DATA PDU we accept (advertised as our Maximum Length); dcmjs-dimse caps it at its
   * Implementation maximum (256 KiB by default). Longer PDUs abort the association.
   */
  maxPduLength: number;
  /** Largest data set accepted; a larger one is answered 0xA700 and not stored. */
  maxObjectBytes: number;
  /**
   * Default 30 s. An association that receives no PDU for this long is aborted (A-ABORT; time spent
   * filing an object, while the sender waits for our answer, does not count); a connection that has
   * not sent its complete A-ASSOCIATE-RQ this long after connecting is closed.
   */
  associationIdleTimeoutMs?: number;
  /** Where log lines go; default: warnings and errors to stderr, nothing else. */
  log?: ReceiverLog;
  /**
   * Who the audit names for each association (default the workstation service): fixed at start, not
   * taken from whatever request happened to (re)start the receiver.
   */
  actor?: Actor;
}

export type ReceiverLogLevel = 'info' | 'warn' | 'error';
export type ReceiverLog = (level: ReceiverLogLevel, message: string) => void;

/** Who sent an object: the association, plus the C-MOVE that caused it when the sender says so. */
export interface ObjectSource {
  associationId: number;
  callingAeTitle: string;
  peerAddress: string;
  importJobId?: number;
  /** Move Originator AE Title (0000,1030) of the C-STORE: set when it answers someone's C-MOVE. */
  moveOriginatorAeTitle?: string;
  /** Move Originator Message ID (0000,1031): the message ID of that C-MOVE request. */
  moveOriginatorMessageId?: number;
}

export interface AssociationInfo {
  associationId: number;
  callingAeTitle: string;
  calledAeTitle: string;
  peerAddress: string;
  peerPort: number;
  /** The Maximum Length we advertised for PDUs sent to us. */
  maxPduLength: number;
  acceptedContexts: number;
  rejectedContexts: number;
}

export type RejectionReason = 'called-ae-not-recognized' | 'calling-ae-not-allowed' | 'too-many-associations' | 'too-many-associations-from-caller' | 'receiver-closing';

export interface AssociationRejection {
  callingAeTitle: string;
  calledAeTitle: string;
  peerAddress: string;
  reason: RejectionReason;
  message: string;
}

export interface StoreFailure {
  sopInstanceUid: string;
  sopClassUid: string;
  /** The DIMSE status sent back, e.g. 0xA700. */
  status: number;
  reason: string;
}

/** How an association ended. */
export type AssociationEnding = 'released' | 'aborted-by-sender' | 'dropped' | 'timed-out' | 'protocol-error' | 'receiver-closed';

export interface AssociationSummary extends AssociationInfo {
  ending: AssociationEnding;
  counts: ImportCounts;
  /** Objects answered with a failure status and not stored (too large, disk full, ...); quarantined ones are in counts. */
  refused: number;
  importJobId?: number;
}

export interface DicomReceiver {
  readonly port: number;
  readonly host: string;
  readonly aeTitle: string;
  /** Associations currently open. */
  readonly activeAssociations: number;
  /** TCP connections currently open, with or without an association. */
  readonly openConnections: number;
  /** Stop listening, let in-flight objects finish filing, abort open associations, finish their import jobs. */
  close(): Promise<void>;
  on<E extends keyof DicomReceiverEvents>(event: E, listener: (...args: DicomReceiverEvents[E]) => void): this;
  once<E extends keyof DicomReceiverEvents>(event: E, listener: (...args: DicomReceiverEvents[E]) => void): this;
  off<E extends keyof DicomReceiverEvents>(event: E, listener: (...args: DicomReceiverEvents[E]) => void): this;
}

export interface DicomReceiverEvents {
  /** An association was accepted. */
  association: [info: AssociationInfo];
  /** An object was received and filed (stored, duplicate, conflict or quarantined). */
  object: [outcome: IngestOutcome, source: ObjectSource];
  /** An object was answered with a failure status and nothing was stored. */
  'store-failed': [failure: StoreFailure, source: ObjectSource];
  /** An association was rejected (A-ASSOCIATE-RJ). */
  rejected: [rejection: AssociationRejection];
  /** An accepted association ended, released or not. */
  'association-end': [summary: AssociationSummary];
}

const STATUS_OUT_OF_RESOURCES = 0xa700;
const STATUS_CANNOT_UNDERSTAND = 0xc000;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** A-ABORT reason 0, "reason not specified": what an expired timer sends (PS3.8 9.3.8). */
const ABORT_REASON_NOT_SPECIFIED = 0;
/** For dcmjs-dimse's own timers, which are not used (the largest delay Node's timers take). */
const NEVER_MS = 2 ** 31 - 1;
/** After an A-ASSOCIATE-RJ, a sender that never closes its side is cut off after this long. */
const HANG_UP_GRACE_MS = 2_000;
/** Error Comment (0000,0902) is LO: at most 64 characters. */
const ERROR_COMMENT_CHARS = 64;

/** Start listening; resolves once the port is bound. */
export async function startDicomReceiver(store: ArchiveStore, config: ReceiverConfig): Promise<DicomReceiver> {
  const receiver = new DicomReceiverServer(store, checkConfig(config));
  await receiver.listen();
  return receiver;
}

interface CheckedConfig extends Required<Omit<ReceiverConfig, 'allowedCallingAeTitles'>> {
  allowed: Array<{ aeTitle: string; address?: string }>;
  advertisedMaxPduLength: number;
}

function checkConfig(config: ReceiverConfig): CheckedConfig {
  const aeTitle = config.aeTitle.trim();
  if (!/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(aeTitle)) throw new Error(`AE title "${config.aeTitle}" is not valid: 1 to 16 printable characters, no backslash`);
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) throw new Error(`port ${config.port} is not a TCP port`);
  for (const [name, value] of [
    ['maxAssociations', config.maxAssociations],
    ['maxAssociationsPerCallingAe', config.maxAssociationsPerCallingAe ?? config.maxAssociations],
    ['associationIdleTimeoutMs', config.associationIdleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS],
    ['maxPduLength', config.maxPduLength],
    ['maxObjectBytes', config.maxObjectBytes],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${value}`);
  }
  if (config.maxPduLength < 4096) throw new Error(`maxPduLength ${config.maxPduLength} is too small: at least 4096`);
  const log = config.log ?? defaultLog;
  const libraryMaximum = Implementation.getMaxPduLength();
  if (config.maxPduLength > libraryMaximum) log('warn', `maxPduLength ${config.maxPduLength} is above the DICOM library's maximum; ${libraryMaximum} is advertised`);
  const allowed = config.allowedCallingAeTitles
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf('@');
      return at > 0 ? { aeTitle: entry.slice(0, at).trim(), address: normalizeAddress(entry.slice(at + 1).trim()) } : { aeTitle: entry };
    });
  return {
    aeTitle,
    port: config.port,
    host: config.host ?? '0.0.0.0',
    maxAssociations: config.maxAssociations,
    maxAssociationsPerCallingAe: Math.min(config.maxAssociationsPerCallingAe ?? config.maxAssociations, config.maxAssociations),
    maxPduLength: config.maxPduLength,
    maxObjectBytes: config.maxObjectBytes,
    associationIdleTimeoutMs: config.associationIdleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    log,
    actor: config.actor ?? WORKSTATION_SERVICE,
    allowed,
    advertisedMaxPduLength: Math.min(config.maxPduLength, libraryMaximum),
  };
}

function defaultLog(level: ReceiverLogLevel, message: string): void {
  if (level !== 'info') process.stderr.write(`dicom receiver ${level}: ${message}\n`);
}

/** "::ffff:10.0.0.5" (an IPv4 peer on a dual-stack socket) is 10.0.0.5. */
function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * dcmjs-dimse logs every PDU at trace level by default (to stdout). The receiver logs what matters
 * itself; quiet the library unless someone has already chosen a level for it.
 */
function quietDimseLibrary(): void {
  if (dimse.log.getLevel() === dimse.log.levels.TRACE) dimse.log.setLevel('silent');
}

class DicomReceiverServer extends EventEmitter<DicomReceiverEvents> implements DicomReceiver {
  readonly aeTitle: string;
  readonly host: string;
  port = 0;
  private readonly server: net.Server;
  private readonly sessions = new Set<AssociationSession>();
  private nextAssociationId = 1;
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(
    readonly store: ArchiveStore,
    readonly config: CheckedConfig,
  ) {
    super();
    this.aeTitle = config.aeTitle;
    this.host = config.host;
    quietDimseLibrary();
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** Open connections, associated or not, beyond which the oldest one without an association is dropped. */
  get connectionLimit(): number {
    return this.config.maxAssociations * 2 + 4;
  }

  get openConnections(): number {
    return this.sessions.size;
  }

  get activeAssociations(): number {
    let count = 0;
    for (const session of this.sessions) if (session.accepted) count++;
    return count;
  }

  log(level: ReceiverLogLevel, message: string): void {
    try {
      this.config.log(level, message);
    } catch {
      // A failing log sink must not take the receiver down.
    }
  }

  /** Emit to subscribers; a throwing subscriber is logged, never allowed to cost a sender its response. */
  notify<E extends keyof DicomReceiverEvents>(event: E, ...args: DicomReceiverEvents[E]): void {
    try {
      this.emit(event as keyof DicomReceiverEvents, ...args);
    } catch (reason) {
      this.log('error', `a '${event}' subscriber failed: ${(reason as Error)?.message ?? String(reason)}`);
    }
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.server.on('error', (error) => this.log('error', `listener error: ${error.message}`));
    this.port = (this.server.address() as net.AddressInfo).port;
    if (this.config.allowed.length === 0) {
      this.log('warn', `no calling AE titles are configured: ANY sender that can reach ${this.host}:${this.port} and knows the AE title ${this.aeTitle} can store objects`);
    }
    this.log('info', `listening on ${this.host}:${this.port} as ${this.aeTitle}`);
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.sessions.size >= this.connectionLimit) {
      // Refusing the newest would let a few slow-loris connections lock the scanner out until their
      // timers expire; the oldest connection still without an association goes instead (a real
      // sender's A-ASSOCIATE-RQ follows its connect within milliseconds).
      const oldest = [...this.sessions].find((session) => !session.accepted);
      if (oldest) {
        this.log('warn', `${this.sessions.size} connections open (the limit is ${this.connectionLimit}): ${oldest.describeConnection()} dropped to make room`);
        oldest.drop();
      } else {
        socket.destroy();
        return;
      }
    }
    const session = new AssociationSession(this, socket, this.nextAssociationId++);
    this.sessions.add(session);
    session.finished.then(() => this.sessions.delete(session));
  }

  /** Why one more association from this calling AE may not be accepted now (the caller is not yet counted). */
  associationLimitReached(callingAeTitle: string): { reason: RejectionReason; message: string } | undefined {
    const { maxAssociations, maxAssociationsPerCallingAe } = this.config;
    const active = this.activeAssociations;
    if (active >= maxAssociations) {
      return { reason: 'too-many-associations', message: `already ${active} associations open (the limit is ${maxAssociations}); the sender should retry` };
    }
    let fromCaller = 0;
    for (const session of this.sessions) if (session.accepted && session.callingAeTitle === callingAeTitle) fromCaller++;
    if (fromCaller >= maxAssociationsPerCallingAe) {
      return {
        reason: 'too-many-associations-from-caller',
        message: `"${callingAeTitle}" already has ${fromCaller} associations open (the limit per calling AE title is ${maxAssociationsPerCallingAe}); the sender should retry`,
      };
    }
    return undefined;
  }

  isCallingAeAllowed(callingAeTitle: string, peerAddress: string): boolean {
    if (this.config.allowed.length === 0) return true;
    return this.config.allowed.some((entry) => entry.aeTitle === callingAeTitle && (entry.address === undefined || entry.address === peerAddress));
  }

  get isClosing(): boolean {
    return this.closing;
  }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.sessions].map((session) => session.shutdown()));
    await serverClosed;
    this.log('info', `stopped listening on ${this.host}:${this.port}`);
  }
}

/** The C-STORE data set as it arrives, chunk by chunk, not decoded; dropped beyond the size limit. */
class ReceivedDataSet extends Writable {
  readonly chunks: Buffer[] = [];
  sizeBytes = 0;
  tooLarge = false;

  constructor(
    readonly context: PresentationContext | undefined,
    private readonly maxBytes: number,
  ) {
    // A write must never report back-pressure: dcmjs-dimse would then await 'drain' in the middle
    // of a PDU while the next PDUs are processed, out of order.
    super({ highWaterMark: Number.MAX_SAFE_INTEGER, decodeStrings: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.sizeBytes += chunk.length;
    if (this.sizeBytes > this.maxBytes) {
      this.tooLarge = true;
      this.chunks.length = 0;
    } else {
      this.chunks.push(chunk);
    }
    done();
  }
}

/** dcmjs-dimse's Network handles each complete PDU here (undeclared in its types). */
interface DimsePduHandling {
  _processPdu(pdu: unknown): Promise<void>;
}

/** What the Scp subclass forwards to its session. */
interface ScpHandler {
  /** A complete PDU arrived (before it is handled). */
  pduReceived(): void;
  associationRequested(association: Association): void;
  releaseRequested(): void;
  echo(request: CEchoRequest, respond: (response: CEchoResponse) => void): void;
  store(request: CStoreRequest, respond: (response: CStoreResponse) => void): void;
  openDataSet(context: PresentationContext | undefined, request: CStoreRequest): Writable;
  abortedBySender(): void;
}

class ReceiverScp extends Scp {
  private handler: ScpHandler | undefined;

  attach(handler: ScpHandler): void {
    this.handler = handler;
  }

  /** Every complete PDU passes here: the idle timer counts PDUs, not bytes (a byte a second is still idle). */
  _processPdu(pdu: unknown): Promise<void> {
    this.handler?.pduReceived();
    return (Scp.prototype as unknown as DimsePduHandling)._processPdu.call(this, pdu);
  }

  override associationRequested(association: Association): void {
    this.handler?.associationRequested(association);
  }

  override associationReleaseRequested(): void {
    this.handler?.releaseRequested();
  }

  override cEchoRequest(request: CEchoRequest, callback: (response: CEchoResponse) => void): void {
    this.handler?.echo(request, callback);
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: CStoreResponse) => void): void {
    this.handler?.store(request, callback);
  }

  override createStoreWritableStream(acceptedPresentationContext: PresentationContext, request: CStoreRequest): Writable {
    return this.handler!.openDataSet(acceptedPresentationContext, request);
  }

  /**
   * Called when the last fragment is in. The callback must run synchronously: dcmjs-dimse clears
   * its per-message state inside it, and the next PDU may already be waiting. The data set it is
   * given is a placeholder; the bytes stay in our ReceivedDataSet, found again by request.
   */
  override createDatasetFromStoreWritableStream(_writable: Writable, acceptedPresentationContext: PresentationContext, callback: (dataset: InstanceType<typeof Dataset>) => void): void {
    callback(new Dataset({}, acceptedPresentationContext?.getAcceptedTransferSyntaxUid()));
  }

  override abort(): void {
    this.handler?.abortedBySender();
  }
}

const emptyCounts = (): ImportCounts => ({ filesTotal: 0, filesDone: 0, bytesDone: 0, stored: 0, duplicates: 0, conflicts: 0, quarantined: 0 });

/** One TCP connection: its association, its objects, its import job. */
class AssociationSession {
  readonly finished: Promise<void>;
  accepted = false;
  private readonly scp: ReceiverScp;
  private readonly peerAddress: string;
  private readonly peerPort: number;
  private info: AssociationInfo | undefined;
  private ending: AssociationEnding | undefined;
  private importJobId: number | undefined;
  private readonly counts = emptyCounts();
  /** Objects answered with a failure status and not stored (quarantined ones are counted apart). */
  private refused = 0;
  /** The studies this association brought, for the audit. */
  private readonly studies = new Set<string>();
  private lastRefusal: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly dataSets = new WeakMap<CStoreRequest, ReceivedDataSet>();
  private resolveFinished!: () => void;
  private finishing = false;
  /** The association request timer until the A-ASSOCIATE-RQ, then the idle timer of the association. */
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly receiver: DicomReceiverServer,
    private readonly socket: net.Socket,
    readonly associationId: number,
  ) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.peerAddress = normalizeAddress(socket.remoteAddress);
    this.peerPort = socket.remotePort ?? 0;
    const config = receiver.config;

    // Registered before the Scp's own listener, so an oversized PDU is refused before it is buffered.
    const guard = new PduLengthGuard(() => config.advertisedMaxPduLength);
    const watchPdus = (chunk: Buffer) => {
      const violation = guard.inspect(chunk);
      if (!violation) return;
      socket.off('data', watchPdus);
      this.ending = 'protocol-error';
      this.receiver.log(
        'warn',
        `${this.describePeer()}: PDU of type ${violation.pduType} declares ${violation.declaredLength} bytes, more than the ${violation.allowedLength} allowed: association aborted`,
      );
      this.hangUp(true);
    };
    socket.on('data', watchPdus);

    // dcmjs-dimse's own timers are not used: its PDU timer would also run while we file an object
    // and the sender waits for our answer, and it polls once a second. Ours are below.
    this.scp = new ReceiverScp(socket, { connectTimeout: NEVER_MS, associationTimeout: NEVER_MS, pduTimeout: NEVER_MS });
    socket.setTimeout(0);
    this.scp.attach(this);
    // Absolute, not reset by bytes: a connection trickling its request a byte at a time is closed too.
    this.timer = setTimeout(() => this.requestTimedOut(), config.associationIdleTimeoutMs);
    this.scp.on('networkError', (error: Error) => {
      const connectionLost = /ECONNRESET|EPIPE|ECONNABORTED|ETIMEDOUT/.test(error.message);
      this.ending ??= connectionLost ? 'dropped' : /timeout/i.test(error.message) ? 'timed-out' : 'protocol-error';
      if (!connectionLost) this.receiver.log('warn', `${this.describePeer()}: ${error.message}`);
      socket.destroy();
    });
    socket.on('error', () => undefined); // reported through the Scp's networkError
    socket.once('close', () => void this.finish());
  }

  get callingAeTitle(): string | undefined {
    return this.info?.callingAeTitle;
  }

  describeConnection(): string {
    return `the connection from ${this.peerAddress}:${this.peerPort}`;
  }

  /** Make room for a newer connection (this one has no association). */
  drop(): void {
    this.ending ??= 'dropped';
    this.socket.destroy();
  }

  private get idleSeconds(): number {
    return this.receiver.config.associationIdleTimeoutMs / 1000;
  }

  private requestTimedOut(): void {
    this.timer = undefined;
    if (this.info || this.socket.destroyed) return;
    this.ending ??= 'timed-out';
    this.receiver.log('warn', `${this.describeConnection()} sent no complete association request within ${this.idleSeconds} s: closed`);
    this.socket.destroy();
  }

  /** (Re)start the idle timer of an accepted association. */
  private armIdleTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.accepted || this.socket.destroyed) return;
    this.timer = setTimeout(() => this.idleTimedOut(), this.receiver.config.associationIdleTimeoutMs);
  }

  private idleTimedOut(): void {
    this.timer = undefined;
    // The sender is waiting for our answer to an object still being filed; the timer restarts after it.
    if (this.inFlight.size > 0 || this.socket.destroyed) return;
    this.ending ??= 'timed-out';
    this.receiver.log('warn', `${this.describePeer()}: no PDU for ${this.idleSeconds} s: association ${this.associationId} aborted (A-ABORT) and its slot freed`);
    this.hangUp(true, ABORT_REASON_NOT_SPECIFIED);
  }

  pduReceived(): void {
    if (this.accepted) this.armIdleTimer();
  }

  private describePeer(): string {
    return `${this.info?.callingAeTitle ?? '(no association yet)'}@${this.peerAddress}`;
  }

  private get source(): string {
    return `C-STORE from ${this.info?.callingAeTitle ?? 'unknown'}@${this.peerAddress}`;
  }

  associationRequested(association: Association): void {
    if (this.info) {
      // A second A-ASSOCIATE-RQ on an open association breaks the protocol.
      this.ending = 'protocol-error';
      this.receiver.log('warn', `${this.describePeer()}: a second association request on the same connection: aborted`);
      return this.hangUp(true);
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    const callingAeTitle = association.getCallingAeTitle().trim();
    const calledAeTitle = association.getCalledAeTitle().trim();
    const reject = (reason: RejectionReason, message: string, result: number, source: number, code: number) => {
      this.scp.sendAssociationReject(result, source, code);
      this.ending = 'protocol-error';
      this.receiver.log('warn', `association from ${callingAeTitle}@${this.peerAddress} to ${calledAeTitle} rejected: ${message}`);
      this.receiver.notify('rejected', { callingAeTitle, calledAeTitle, peerAddress: this.peerAddress, reason, message } satisfies AssociationRejection);
      this.receiver.store.audit.record({
        actor: actorLabel(this.receiver.config.actor),
        actorId: actorId(this.receiver.config.actor),
        action: 'receive-rejected',
        outcome: 'failure',
        subject: `C-STORE from ${callingAeTitle}@${this.peerAddress}`,
        details: { callingAeTitle, calledAeTitle, peerAddress: this.peerAddress, reason, message },
      });
      this.hangUp(false);
    };
    if (this.receiver.isClosing) {
      return reject('receiver-closing', 'the receiver is shutting down', RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.TemporaryCongestion);
    }
    if (calledAeTitle !== this.receiver.aeTitle) {
      return reject(
        'called-ae-not-recognized',
        `it called AE title "${calledAeTitle}", this receiver is "${this.receiver.aeTitle}"`,
        RejectResult.Permanent,
        RejectSource.ServiceUser,
        RejectReason.CalledAeNotRecognized,
      );
    }
    if (!this.receiver.isCallingAeAllowed(callingAeTitle, this.peerAddress)) {
      return reject(
        'calling-ae-not-allowed',
        `calling AE title "${callingAeTitle}" from ${this.peerAddress} is not on the allowed list`,
        RejectResult.Permanent,
        RejectSource.ServiceUser,
        RejectReason.CallingAeNotRecognized,
      );
    }
    const limit = this.receiver.associationLimitReached(callingAeTitle);
    if (limit) {
      return reject(limit.reason, limit.message, RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded);
    }

    let acceptedContexts = 0;
    let rejectedContexts = 0;
    for (const proposed of association.getPresentationContexts()) {
      const context = association.getPresentationContext(proposed.id);
      const decision = choosePresentationContext(context.getAbstractSyntaxUid(), context.getTransferSyntaxUids());
      if (decision.accept) {
        context.setResult(PresentationContextResult.Accept, decision.transferSyntaxUid);
        acceptedContexts++;
      } else {
        context.setResult(
          decision.reason === 'abstract-syntax-not-supported' ? PresentationContextResult.RejectAbstractSyntaxNotSupported : PresentationContextResult.RejectTransferSyntaxesNotSupported,
        );
        rejectedContexts++;
      }
    }
    // Our Maximum Length. dcmjs-dimse advertises min(this, its own maximum) and also sends with it;
    // we only send short DIMSE responses, so the sender's own limit is never approached.
    association.setMaxPduLength(this.receiver.config.advertisedMaxPduLength);
    this.scp.sendAssociationAccept();
    this.accepted = true;
    this.armIdleTimer();
    this.info = {
      associationId: this.associationId,
      callingAeTitle,
      calledAeTitle,
      peerAddress: this.peerAddress,
      peerPort: this.peerPort,
      maxPduLength: association.getMaxPduLength(),
      acceptedContexts,
      rejectedContexts,
    };
    this.receiver.log('info', `association ${this.associationId} from ${callingAeTitle}@${this.peerAddress}:${this.peerPort} accepted (${acceptedContexts} presentation contexts)`);
    this.receiver.notify('association', { ...this.info });
  }

  releaseRequested(): void {
    this.ending ??= 'released';
    // A well-behaved sender waits for every response before releasing; this one may not have.
    void Promise.allSettled([...this.inFlight]).then(() => {
      if (!this.socket.destroyed) this.scp.sendAssociationReleaseResponse();
    });
  }

  abortedBySender(): void {
    this.ending ??= 'aborted-by-sender';
    this.socket.destroy();
  }

  echo(request: CEchoRequest, respond: (response: CEchoResponse) => void): void {
    const response = dimse.responses.CEchoResponse.fromRequest(request);
    response.setStatus(Status.Success);
    respond(response);
  }

  /** The first fragment of a C-STORE data set arrived: the object counts as begun from here. */
  openDataSet(context: PresentationContext | undefined, request: CStoreRequest): Writable {
    this.startImportJob();
    this.counts.filesTotal++;
    const dataSet = new ReceivedDataSet(context, this.receiver.config.maxObjectBytes);
    this.dataSets.set(request, dataSet);
    return dataSet;
  }

  store(request: CStoreRequest, respond: (response: CStoreResponse) => void): void {
    const work = this.file(request)
      .catch((reason: unknown) => {
        this.receiver.log('error', `${this.describePeer()}: ${(reason as Error)?.message ?? String(reason)}`);
        return { status: Status.ProcessingFailure, comment: 'processing failure: see the receiver log' };
      })
      .then(({ status, comment }) => {
        const response = dimse.responses.CStoreResponse.fromRequest(request);
        response.setStatus(status);
        if (comment) response.setErrorComment(comment.slice(0, ERROR_COMMENT_CHARS));
        if (!this.socket.destroyed) respond(response);
      });
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      // The sender had to wait for this answer: its idle time starts now.
      if (this.inFlight.size === 0) this.armIdleTimer();
    });
  }

  private objectSource(request: CStoreRequest): ObjectSource {
    const command = request.getCommandDataset();
    const originator = command.getElement('MoveOriginatorApplicationEntityTitle');
    const originatorMessageId = command.getElement('MoveOriginatorMessageID') as unknown;
    return {
      associationId: this.associationId,
      callingAeTitle: this.info?.callingAeTitle ?? '',
      peerAddress: this.peerAddress,
      importJobId: this.importJobId,
      moveOriginatorAeTitle: typeof originator === 'string' && originator.trim() ? originator.trim() : undefined,
      moveOriginatorMessageId: typeof originatorMessageId === 'number' ? originatorMessageId : undefined,
    };
  }

  /** File one received object; never throws, answers with the status for the sender. */
  private async file(request: CStoreRequest): Promise<{ status: number; comment?: string }> {
    const store = this.receiver.store;
    const sopInstanceUid = String(request.getAffectedSopInstanceUid() ?? '').replace(/\0+$/, '').trim();
    const sopClassUid = String(request.getAffectedSopClassUid() ?? '').replace(/\0+$/, '').trim();
    const dataSet = this.dataSets.get(request);
    this.dataSets.delete(request);
    /** `comment` is the short Error Comment for the sender (64 characters); `reason` is for the log. */
    const fail = (status: number, reason: string, comment: string) => {
      this.refused++;
      this.lastRefusal = reason;
      this.receiver.log(status === STATUS_OUT_OF_RESOURCES ? 'error' : 'warn', `${this.describePeer()}: object ${sopInstanceUid} refused (0x${status.toString(16).toUpperCase()}): ${reason}`);
      this.receiver.notify('store-failed', { sopInstanceUid, sopClassUid, status, reason } satisfies StoreFailure, this.objectSource(request));
      this.saveCounts();
      return { status, comment };
    };
    if (!dataSet) {
      this.startImportJob();
      this.counts.filesTotal++;
      return fail(Status.ProcessingFailure, 'the C-STORE request carried no data set', 'no data set');
    }
    const transferSyntaxUid = dataSet.context?.getAcceptedTransferSyntaxUid();
    if (!transferSyntaxUid) return fail(Status.ProcessingFailure, 'the data set arrived on a presentation context that was not accepted', 'presentation context not accepted');
    if (dataSet.tooLarge) {
      const limit = this.receiver.config.maxObjectBytes;
      return fail(STATUS_OUT_OF_RESOURCES, `the object is ${dataSet.sizeBytes} bytes, above this receiver's limit of ${limit}`, `object too large: ${dataSet.sizeBytes} > ${limit} bytes`);
    }
    const file = buildPart10File(
      { mediaStorageSopClassUid: sopClassUid, mediaStorageSopInstanceUid: sopInstanceUid, transferSyntaxUid, sourceApplicationEntityTitle: this.info?.callingAeTitle },
      dataSet.chunks,
    );
    dataSet.chunks.length = 0;
    // Named by message, not by UID: the UID may be hostile, and it is what the archive checks.
    const name = `C-STORE message ${request.getMessageId()} from ${this.info?.callingAeTitle}@${this.peerAddress}`;
    let outcome: IngestOutcome;
    try {
      outcome = await store.ingest(file, { name, source: this.source, importJobId: this.importJobId });
    } catch (reason) {
      if (reason instanceof ArchiveWriteError) return fail(STATUS_OUT_OF_RESOURCES, reason.message, 'archive storage full or not writable; retry later');
      return fail(Status.ProcessingFailure, `the object could not be filed: ${(reason as Error)?.message ?? String(reason)}`, 'processing failure: see the receiver log');
    }
    this.counts.filesDone++;
    this.counts.bytesDone += dataSet.sizeBytes;
    if (outcome.studyInstanceUid && outcome.status !== 'quarantined') this.studies.add(outcome.studyInstanceUid);
    switch (outcome.status) {
      case 'stored':
        this.counts.stored++;
        break;
      case 'duplicate':
        this.counts.duplicates++;
        break;
      case 'conflict':
        this.counts.conflicts++;
        this.receiver.log('warn', `${this.describePeer()}: ${outcome.reason}`);
        break;
      case 'quarantined':
        this.counts.quarantined++;
        this.receiver.log('warn', `${this.describePeer()}: quarantined: ${outcome.reason}`);
        break;
    }
    this.saveCounts();
    this.receiver.notify('object', outcome, this.objectSource(request));
    if (outcome.status === 'quarantined') {
      const reason = outcome.reason ?? 'quarantined';
      return { status: STATUS_CANNOT_UNDERSTAND, comment: reason.startsWith(`${name}: `) ? reason.slice(name.length + 2) : reason };
    }
    return { status: Status.Success };
  }

  /** One import job per association, from its first object on (an echo-only association makes none). */
  private startImportJob(): void {
    if (this.importJobId !== undefined) return;
    try {
      this.importJobId = this.receiver.store.importJobs.start('receive', this.source);
    } catch (reason) {
      this.receiver.log('error', `cannot record an import job for ${this.source}: ${(reason as Error).message}`);
    }
  }

  private saveCounts(): void {
    if (this.importJobId === undefined) return;
    try {
      this.receiver.store.importJobs.update(this.importJobId, this.counts);
    } catch (reason) {
      this.receiver.log('error', `cannot update import job ${this.importJobId}: ${(reason as Error).message}`);
    }
  }

  /** Close the connection; with `abort`, tell the sender first (A-ABORT), stop reading and close once it is out. */
  private hangUp(abort: boolean, abortReason?: number): void {
    if (this.socket.destroyed) return;
    if (abort) {
      this.socket.pause();
      this.socket.end(abortPdu(abortReason), () => this.socket.destroy());
    } else {
      this.socket.end();
    }
    // A sender that never closes its side (or never reads the A-ABORT) is cut off.
    setTimeout(() => this.socket.destroy(), HANG_UP_GRACE_MS).unref();
  }

  /** The receiver is closing: let in-flight objects finish filing, then abort the association. */
  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    if (!this.socket.destroyed) {
      this.ending ??= 'receiver-closed';
      // Best effort: the A-ABORT goes out if the socket can take it at once; closing is not delayed for it.
      if (this.accepted) this.socket.write(abortPdu(0));
      this.socket.destroy();
    }
    await this.finished;
  }

  private async finish(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
    const ending: AssociationEnding = this.ending ?? 'dropped';
    try {
      if (this.info) this.finishImportJob(ending);
    } catch (reason) {
      this.receiver.log('error', `cannot finish import job ${this.importJobId}: ${(reason as Error).message}`);
    }
    const wasAccepted = this.accepted;
    this.accepted = false;
    if (wasAccepted && this.info) {
      const summary: AssociationSummary = { ...this.info, ending, counts: { ...this.counts }, refused: this.refused, importJobId: this.importJobId };
      this.receiver.log(ending === 'released' ? 'info' : 'warn', describeAssociationSummary(summary));
      this.receiver.notify('association-end', summary);
    }
    this.resolveFinished();
  }

  /** Finish the import job and audit the association; one without objects is audited only when it did not end well (idle, aborted). */
  private finishImportJob(ending: AssociationEnding): void {
    if (this.importJobId === undefined && ending === 'released') return;
    const store = this.receiver.store;
    const problems: string[] = [];
    if (this.refused > 0) problems.push(`${this.refused} object(s) refused, the last: ${this.lastRefusal}`);
    if (this.counts.quarantined > 0) problems.push(`${this.counts.quarantined} object(s) quarantined (see the quarantine list)`);
    if (ending !== 'released') problems.push(endingAdvice(ending));
    if (this.importJobId !== undefined) {
      store.importJobs.finish(this.importJobId, ending === 'released' ? 'done' : 'interrupted', this.counts, problems.length ? problems.join('; ') : undefined);
    }
    store.audit.record({
      actor: actorLabel(this.receiver.config.actor),
      actorId: actorId(this.receiver.config.actor),
      action: `receive-${ending}`,
      outcome: ending === 'released' && this.refused === 0 ? 'success' : 'failure',
      subject: this.source,
      details: {
        callingAeTitle: this.info?.callingAeTitle,
        calledAeTitle: this.info?.calledAeTitle,
        peerAddress: this.info?.peerAddress,
        studyInstanceUids: [...this.studies],
        importJobId: this.importJobId,
        associationId: this.associationId,
        refused: this.refused,
        ...this.counts,
      },
    });
  }
}

function endingAdvice(ending: AssociationEnding): string {
  switch (ending) {
    case 'released':
      return 'released';
    case 'aborted-by-sender':
      return 'the sender aborted the transfer: objects it had not sent are missing, send the study again';
    case 'dropped':
      return 'the connection dropped before the sender released it: send the study again (objects already stored are kept)';
    case 'timed-out':
      return 'the sender went silent and the association was aborted: send the study again';
    case 'protocol-error':
      return 'the sender broke the DICOM protocol (or a limit) and the association was aborted';
    case 'receiver-closed':
      return 'the receiver was stopped during the transfer: send the study again';
  }
}

/** One line for the log: who, how many, how it ended. */
export function describeAssociationSummary(summary: AssociationSummary): string {
  const c = summary.counts;
  const objects = `${c.filesTotal} object(s): ${c.stored} stored, ${c.duplicates} already archived, ${c.conflicts} kept aside, ${c.quarantined} quarantined, ${summary.refused} refused`;
  const how = summary.ending === 'released' ? 'released' : `${summary.ending} (${endingAdvice(summary.ending)})`;
  return `association ${summary.associationId} from ${summary.callingAeTitle}@${summary.peerAddress} ${how}; ${objects}`;
}
