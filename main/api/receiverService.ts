/**
 * The DICOM receiver as the settings describe it: started when enabled, restarted when its settings
 * change, stopped when disabled. A port that cannot be opened is reported in the status (app.info),
 * not thrown: the rest of the workstation works without the receiver.
 */
import type { ArchiveStore } from '../archive/archiveStore.js';
import { startDicomReceiver, type DicomReceiver, type ReceiverLog } from '../dimse/dicomReceiver.js';
import type { ReceiverStatus } from './contract.js';
import type { Settings } from './settings.js';

type ReceiverSettings = Settings['receiver'];

const MAX_PDU_LENGTH = 256 * 1024;
const MAX_OBJECT_BYTES = 512 * 1024 * 1024;

export interface ReceiverServiceOptions {
  /** Where to listen: all interfaces (default; the scanner is on the LAN) or 127.0.0.1 in tests. */
  host?: string;
  log?: ReceiverLog;
}

export class ReceiverService {
  private receiver?: DicomReceiver;
  private applied?: ReceiverSettings;
  private problem?: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ArchiveStore,
    private readonly options: ReceiverServiceOptions = {},
  ) {}

  status(): ReceiverStatus {
    const wanted = this.applied;
    return {
      enabled: wanted?.enabled ?? false,
      listening: this.receiver !== undefined,
      aeTitle: this.receiver?.aeTitle ?? wanted?.aeTitle ?? '',
      port: this.receiver?.port ?? wanted?.port ?? 0,
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  /** Bring the receiver in line with these settings (one change at a time). */
  apply(settings: ReceiverSettings): Promise<void> {
    const next = this.queue.then(() => this.reconcile(settings));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): Promise<void> {
    return this.apply({ ...(this.applied ?? { aeTitle: 'CACWS', port: 11112, allowedCallingAeTitles: [], maxAssociations: 1, maxAssociationsPerCallingAe: 1, idleTimeoutSeconds: 30 }), enabled: false });
  }

  private async reconcile(settings: ReceiverSettings): Promise<void> {
    if (this.applied && JSON.stringify(this.applied) === JSON.stringify(settings) && (this.receiver || !settings.enabled)) return;
    this.applied = settings;
    this.problem = undefined;
    if (this.receiver) {
      const running = this.receiver;
      this.receiver = undefined;
      await running.close();
    }
    if (!settings.enabled) return;
    try {
      this.receiver = await startDicomReceiver(this.store, {
        aeTitle: settings.aeTitle,
        port: settings.port,
        host: this.options.host,
        allowedCallingAeTitles: settings.allowedCallingAeTitles,
        maxAssociations: settings.maxAssociations,
        maxAssociationsPerCallingAe: settings.maxAssociationsPerCallingAe,
        associationIdleTimeoutMs: settings.idleTimeoutSeconds * 1000,
        maxPduLength: MAX_PDU_LENGTH,
        maxObjectBytes: MAX_OBJECT_BYTES,
        log: this.options.log,
      });
    } catch (reason) {
      const error = reason as NodeJS.ErrnoException;
      this.problem =
        error.code === 'EADDRINUSE'
          ? `port ${settings.port} is already in use (another DICOM receiver?): choose another port in the settings`
          : error.code === 'EACCES'
            ? `port ${settings.port} needs administrator rights: use a port above 1023 (11112 is the DICOM default)`
            : `the DICOM receiver could not start: ${error.message}`;
    }
  }
}
