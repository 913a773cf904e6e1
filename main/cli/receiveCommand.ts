/**
 * `cac receive`: run the DICOM receiver (C-STORE / C-ECHO SCP) into the archive until SIGINT or
 * SIGTERM, logging one line per association and per completed study.
 */
import { parseArgs } from 'node:util';
import { openArchive } from './openArchive.js';
import { CliError, USAGE_EXIT } from './cliError.js';
import { startDicomReceiver, type ReceiverLogLevel } from '../dimse/dicomReceiver.js';
import { StudyCompletionWatcher } from '../archive/studyCompletion.js';
import { actorLabel } from '../auth/actor.js';
import { CLINICAL_ROLES, type Role } from '../auth/roles.js';
import { cliActor } from './cliActor.js';

export const RECEIVE_USAGE =
  'usage: cac receive [--archive DIR] [--ae CACWS] [--port 11112] [--host 0.0.0.0] [--allow AE1,AE2@10.0.0.5] [--max-associations 8] [--quiet-seconds 10] [--as USER]';

const DEFAULT_MAX_PDU_LENGTH = 256 * 1024;
/**
 * Objects are held in memory while they arrive (up to one per association): an Enhanced CT of a
 * calcium scan is tens of MB, a whole-body multi-frame a few hundred; bigger is not for this workstation.
 */
const DEFAULT_MAX_OBJECT_BYTES = 512 * 1024 * 1024;

function positiveInteger(value: string, option: string, minimum = 1): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) throw new CliError(`--${option} must be an integer of at least ${minimum}, not "${value}"; ${RECEIVE_USAGE}`, USAGE_EXIT);
  return parsed;
}

export async function receiveCommand(args: string[], out: (text: string) => void, signal?: AbortSignal): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      options: {
        archive: { type: 'string' },
        as: { type: 'string' },
        ae: { type: 'string', default: 'CACWS' },
        port: { type: 'string', default: '11112' },
        host: { type: 'string', default: '0.0.0.0' },
        allow: { type: 'string', default: '' },
        'max-associations': { type: 'string', default: '8' },
        'quiet-seconds': { type: 'string', default: '10' },
      },
    });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}; ${RECEIVE_USAGE}`, USAGE_EXIT);
  }
  const options = parsed.values;
  const port = positiveInteger(options.port, 'port', 0);
  if (port > 65535) throw new CliError(`--port ${port} is not a TCP port; ${RECEIVE_USAGE}`, USAGE_EXIT);
  const maxAssociations = positiveInteger(options['max-associations'], 'max-associations');
  const quietSeconds = Number(options['quiet-seconds']);
  if (!(quietSeconds > 0)) throw new CliError(`--quiet-seconds must be a positive number, not "${options['quiet-seconds']}"; ${RECEIVE_USAGE}`, USAGE_EXIT);
  const allowed = options.allow.split(',').map((entry) => entry.trim()).filter(Boolean);

  const { store, recovery } = await openArchive(options.archive);
  const stamp = () => new Date().toISOString();
  const log = (level: ReceiverLogLevel, message: string) => out(`${stamp()} ${level === 'info' ? '' : `${level}: `}${message}`);
  let watcher: StudyCompletionWatcher | undefined;
  try {
    if (recovery) out(recovery);
    // Each association's audit entry names who runs the receiver: the --as account or the service identity.
    const actor = await cliActor({ store, command: 'receive', as: options.as, allowedRoles: [...CLINICAL_ROLES, 'admin'] as Role[] });
    let receiver;
    try {
      receiver = await startDicomReceiver(store, {
        aeTitle: options.ae,
        port,
        host: options.host,
        allowedCallingAeTitles: allowed,
        maxAssociations,
        maxPduLength: DEFAULT_MAX_PDU_LENGTH,
        maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
        log,
        actor,
      });
    } catch (reason) {
      const error = reason as NodeJS.ErrnoException;
      if (error.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${options.host} is already in use (another DICOM receiver?): choose another with --port`);
      if (error.code === 'EACCES') throw new CliError(`port ${port} needs administrator rights on this system: use a port above 1023 (11112 is the DICOM default)`);
      throw new CliError(error.message);
    }
    watcher = new StudyCompletionWatcher(store, { quietMs: quietSeconds * 1000, onError: (error) => log('error', `study completion check failed: ${error.message}`) });
    watcher.on('study-complete', (studyInstanceUid) => {
      const series = store.instances.listSeries(studyInstanceUid);
      const instances = series.reduce((sum, one) => sum + one.instanceCount, 0);
      log('info', `study ${studyInstanceUid} complete (${quietSeconds} s without new objects): ${instances} instances in ${series.length} series`);
    });
    out(`${stamp()} receiving as ${receiver.aeTitle} on ${receiver.host}:${receiver.port} into ${store.root} (audited as ${actorLabel(actor)}); Ctrl+C to stop`);

    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        signal?.removeEventListener('abort', stop);
        resolve();
      };
      if (signal?.aborted) return resolve();
      signal?.addEventListener('abort', stop, { once: true });
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    out(`${stamp()} stopping: open associations are aborted, objects being filed are finished`);
    await receiver.close();
    watcher.check();
  } finally {
    watcher?.stop();
    store.close();
  }
}
