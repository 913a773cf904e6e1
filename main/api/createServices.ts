/**
 * The real services behind the API for one data directory: settings.json, the archive (recovered
 * after an unclean stop), the scoring worker process, the event hub fed by the archive, and on the
 * very first start a demo study so a new user has something to score.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveStore } from '../archive/archiveStore.js';
import { StudyCompletionWatcher } from '../archive/studyCompletion.js';
import { describeRecovery } from '../cli/openArchive.js';
import { importFolder } from '../import/folderImport.js';
import { defaultArchiveDirectory, PRODUCT_NAME } from '../settings/dataDirectory.js';
import { ScoringWorkerClient, type ScoringWorkerOptions } from '../worker/scoringWorkerClient.js';
import { ALGORITHM_VERSION } from '../../native-worker/algorithmVersion.js';
import { qrmPhantomDir } from '../../test/support/sharedData.js';
import { writeSyntheticDemoPhantom } from '../demo/syntheticDemoPhantom.js';
import type { AppInfo } from './contract.js';
import { ApiEventHub } from './eventHub.js';
import { AccountService } from '../auth/accountService.js';
import { actorLabel, currentActor } from '../auth/actor.js';
import type { ApiServices } from './handlers.js';
import { ReceiverService } from './receiverService.js';
import { SettingsStore } from './settingsStore.js';
// dose log (issue 5)
import { doseServiceOf } from '../dose/doseServiceChannels.js';
import { procedureAlertsForStudy, reportDoseForStudy } from '../dose/doseService.js';
// reports to PACS (issue 6)
import { OutboundQueue, type OutboundQueueOptions } from '../outbound/outboundQueue.js';
import { outboundView, queueDelivery } from '../report/reportDelivery.js';

export interface CreateServicesOptions {
  /**
   * Import a demo study into an empty archive on the first start (default true: the QRM phantom
   * when the shared data is there, else a synthetic one; 'synthetic' forces the latter).
   */
  demoStudy?: boolean | 'synthetic';
  worker?: ScoringWorkerOptions;
  /** A study counts as complete after this long without new objects (default 10 s). */
  studyQuietMs?: number;
  /** Where the DICOM receiver listens when enabled (default all interfaces: the scanner is on the LAN). */
  receiverHost?: string;
  /** Backoff of the outbound queue (tests shorten it). */
  outbound?: OutboundQueueOptions;
  /** Tests skip the slow-down after a wrong password. */
  accounts?: { delay?: (ms: number) => Promise<void> };
}

export interface WorkstationServices extends ApiServices {
  events: ApiEventHub;
  receiver: ReceiverService;
  /** Signed reports on their way to PACS: durable, retried with backoff, resumed after a restart. */
  outbound: OutboundQueue;
  dataDirectory: string;
  close(): Promise<void>;
}

/** Stored objects are announced per study at most this often (an import stores hundreds a second). */
const STUDIES_CHANGED_DEBOUNCE_MS = 250;

export async function createServices(dataDirectory: string, options: CreateServicesOptions = {}): Promise<WorkstationServices> {
  // Settings and (by default) the archive live here: owner-only, like all patient data.
  mkdirSync(dataDirectory, { recursive: true, mode: 0o700 });
  const settings = new SettingsStore(dataDirectory);
  const archiveFolder = settings.get().archiveFolder ?? defaultArchiveDirectory(dataDirectory);
  const store = ArchiveStore.open(archiveFolder);
  const recovery = describeRecovery(await store.recover());
  const events = new ApiEventHub();
  const worker = new ScoringWorkerClient(options.worker);
  worker.on('crash', ({ exitCode, signal }) => {
    const why = signal ? `was killed (${signal})` : `stopped (exit code ${exitCode})`;
    events.emit('worker.crashed', { message: `the scoring worker ${why}; it restarts with the next request`, exitCode, signal });
  });

  const changedStudies = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  const flushChangedStudies = () => {
    flushTimer = undefined;
    if (changedStudies.size === 0) return;
    const studyInstanceUids = [...changedStudies];
    changedStudies.clear();
    events.emit('studies.changed', { studyInstanceUids, reason: 'stored' });
  };
  store.on('stored', (outcome) => {
    if (outcome.studyInstanceUid) changedStudies.add(outcome.studyInstanceUid);
    flushTimer ??= setTimeout(flushChangedStudies, STUDIES_CHANGED_DEBOUNCE_MS);
  });
  const completion = new StudyCompletionWatcher(store, {
    quietMs: options.studyQuietMs ?? 10_000,
    onError: (error) => console.error('[services] study completion check failed:', error.message),
  });
  completion.on('study-complete', (studyInstanceUid) => events.emit('studies.changed', { studyInstanceUids: [studyInstanceUid], reason: 'complete' }));

  // ---- dose log (issue 5): RDSRs are read as they are stored; a complete study without one is
  // looked at for CTDIvol in its image headers, so the worklist can flag it before anyone opens it.
  const dose = doseServiceOf({ store, settings });
  const stopDoseCapture = dose.follow();
  completion.on('study-complete', (studyInstanceUid) => {
    if (dose.currentDoseForStudy(studyInstanceUid)) return;
    void dose.scanStudy(studyInstanceUid).then((record) => {
      if (record) events.emit('studies.changed', { studyInstanceUids: [studyInstanceUid], reason: 'complete' });
    });
  });
  // ---- end dose log

  const accounts = new AccountService({ db: store.db, audit: store.audit, idleLockMinutes: () => settings.get().session.idleLockMinutes, ...options.accounts });

  const receiver = new ReceiverService(store, { host: options.receiverHost });
  await receiver.apply(settings.get().receiver);

  // Deliveries left half-sent by a crash or a power cut are resumed now.
  const outbound = new OutboundQueue(store.db, store.root, {
    ...options.outbound,
    currentNode: (name) => settings.get().pacsNodes.find((node) => node.name === name),
  });
  outbound.on('changed', (item) => events.emit('outbound.changed', { item: outboundView(item) }));
  outbound.on('error', (error) => console.error('[services] outbound queue:', error.message));
  outbound.start();

  let demoStudy: AppInfo['demoStudy'];
  if (options.demoStudy !== false && settings.firstStart && store.instances.listStudies({ limit: 1 }).length === 0) {
    demoStudy = await importDemoStudy(store, options.demoStudy === 'synthetic' ? undefined : qrmPhantomDir);
  }

  const version = productVersion();
  const info = (): AppInfo => ({
    productName: PRODUCT_NAME,
    version,
    algorithmVersion: ALGORITHM_VERSION,
    dataDirectory,
    archiveFolder,
    reader: currentActor().kind === 'user' ? actorLabel() : '',
    receiver: receiver.status(),
    notices: [...settings.notices, ...(recovery ? [recovery] : [])],
    ...(recovery ? { recovery } : {}),
    ...(demoStudy ? { demoStudy } : {}),
  });

  return {
    store,
    worker,
    settings,
    events,
    receiver,
    emit: events.emit,
    accounts,
    info,
    dataDirectory,
    // dose log and procedure notes (issue 5), for the report
    reportDose: (studyInstanceUid) => reportDoseForStudy(store, studyInstanceUid),
    procedureAlerts: (studyInstanceUid) => procedureAlertsForStudy(store, studyInstanceUid),
    // reports to PACS (issue 6)
    outbound,
    reportDelivery: queueDelivery(outbound),
    async close() {
      completion.stop();
      stopDoseCapture();
      await dose.idle();
      if (flushTimer) clearTimeout(flushTimer);
      await receiver.close();
      await outbound.stop();
      await worker.close();
      store.close();
    },
  };
}

/** The shared QRM phantom when it is beside the checkout, else a small synthetic phantom. */
async function importDemoStudy(store: ArchiveStore, phantomDir: string | undefined): Promise<AppInfo['demoStudy']> {
  if (phantomDir && existsSync(phantomDir)) {
    await importFolder(store, phantomDir);
    const study = store.instances.listStudies({ limit: 1 })[0];
    return study && { studyInstanceUid: study.studyInstanceUid, source: 'qrm-phantom' };
  }
  const dir = await mkdtemp(join(tmpdir(), 'cac-demo-'));
  try {
    const series = await writeSyntheticDemoPhantom(dir);
    await importFolder(store, dir);
    return { studyInstanceUid: series.studyInstanceUid, source: 'synthetic-phantom' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function productVersion(): string {
  try {
    const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof packageJson.version === 'string' ? packageJson.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
