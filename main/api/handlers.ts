/**
 * The one handler table: every channel of the contract implemented once, for both transports.
 * Each handler validates its request with the channel's zod schema and answers an ApiResult; it
 * never throws to the transport, whatever the request or the failure.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { z } from 'zod';
import type { ArchiveStore } from '../archive/archiveStore.js';
import { importFolder, type ImportProgress } from '../import/folderImport.js';
import { echo, findStudies, retrieveByGet, retrieveByMove } from '../pacs/dimseClient.js';
import { dicomWebEndpoint, retrieveByWado, searchStudies } from '../pacs/dicomWebClient.js';
import type { RetrieveProgress } from '../pacs/retrieveJob.js';
import type { ScoringWorkerClient } from '../worker/scoringWorkerClient.js';
import { ApiFailure, toApiError } from './apiError.js';
import { isChannel, requestSchemas, type ApiResult, type AppInfo, type Channel, type ReceiverStatus, type ResponseByChannel } from './contract.js';
import type { EmitApiEvent } from './eventHub.js';
import { ReadingSessions } from './readingSessions.js';
import { describeIssues, type NamedPacsNode, type Settings } from './settings.js';
import type { SettingsStore } from './settingsStore.js';
// ---- dose log and procedure notes (issue 5)
import { createDoseChannels } from '../dose/doseServiceChannels.js';
// ---- reports and outbound delivery (issue 6)
import { ReportService, type ReportDelivery } from '../report/reportService.js';
import type { ReportDose } from '../report/reportContent.js';
// ---- accounts, audit, backup (issue 10)
import type { AccountService } from '../auth/accountService.js';
import { actorLabel, runAs, WORKSTATION_SERVICE, type Actor } from '../auth/actor.js';
import { CHANNELS_BEFORE_PASSWORD_CHANGE, CHANNELS_WHILE_LOCKED, type LoginResponse } from '../auth/authContract.js';
import { accessProblem, CHANNEL_ACCESS, PHYSICIST_SETTINGS } from '../auth/channelAccess.js';
import type { Session } from '../auth/sessions.js';
import { createAuditChannels } from '../audit/auditChannels.js';
import { cancelRunningBackup, createBackupChannels } from '../backup/backupChannels.js';

export interface ApiServices {
  store: ArchiveStore;
  worker: ScoringWorkerClient;
  settings: SettingsStore;
  emit: EmitApiEvent;
  /** Accounts and their sessions: every channel but the public ones runs as a signed-in account. */
  accounts: AccountService;
  /** Facts about this launch for app.info (data directory, archive folder, version, notices). */
  info: () => AppInfo;
  /** The DICOM receiver, brought in line with the settings after each update. */
  receiver?: { apply(settings: Settings['receiver']): Promise<void>; status(): ReceiverStatus };
  // ---- reports (issue 6)
  /** Delivery of signed reports to PACS (the outbound queue); without it, sending is refused. */
  reportDelivery?: ReportDelivery;
  /** The study's dose for the report, from the dose log. */
  reportDose?: (studyInstanceUid: string) => ReportDose | null;
  /** Procedure notes the reader must know, from the technologist's notes. */
  procedureAlerts?: (studyInstanceUid: string) => string[];
}

type Parsed<C extends Channel> = z.output<(typeof requestSchemas)[C]>;
/** What a handler knows of its caller beyond the request: the session its token named (public channels may have none). */
export interface CallContext {
  session?: Session;
  sessionToken?: string;
}
type Implementation = { [C in Channel]: (request: Parsed<C>, context: CallContext) => Promise<ResponseByChannel[C]> | ResponseByChannel[C] };

/** Who calls, as the transport knows it: the session token it carried (IPC argument, HTTP header, WebSocket envelope). */
export interface Caller {
  sessionToken?: string;
}

/** One function per channel: any input in, an ApiResult out. */
export type ApiHandlers = { [C in Channel]: (request: unknown, caller?: Caller) => Promise<ApiResult<ResponseByChannel[C]>> };

/** Imports running now, by import job id, so import.cancel can stop them. */
type RunningImports = Map<number, { controller: AbortController; done: Promise<unknown> }>;

/**
 * The state behind the table lives with the services, not the table: ReadingSessions mirrors the
 * single worker session, so two tables on one set of services (desktop and browser mode) must share
 * it, and either may cancel an import the other started.
 */
const stateOf = new WeakMap<ApiServices, HandlerState>();

/** PACS retrieves running now, by the job id their events carry, so pacs.cancel can stop them. */
type RunningRetrieves = Map<string, AbortController>;
type HandlerState = { readings: ReadingSessions; reports: ReportService; imports: RunningImports; retrieves: RunningRetrieves };

function stateFor(services: ApiServices): HandlerState {
  let state = stateOf.get(services);
  if (!state) {
    const { store, worker, settings, emit } = services;
    const readings = new ReadingSessions({ store, worker, settings: () => settings.get(), emit });
    const reports = new ReportService({
      store,
      sessions: readings,
      settings: () => settings.get(),
      emit,
      software: softwareName(services),
      doseFor: services.reportDose ?? (() => null),
      procedureAlertsFor: services.procedureAlerts ?? (() => []),
      delivery: services.reportDelivery,
      accounts: services.accounts,
    });
    state = { readings, reports, imports: new Map(), retrieves: new Map() };
    stateOf.set(services, state);
  }
  return state;
}

function softwareName(services: ApiServices): string {
  const { productName, version } = services.info();
  return `${productName} ${version}`;
}

/** Progress events at most this often per import (plus the first and the last). */
const PROGRESS_INTERVAL_MS = 100;

export function createApiHandlers(services: ApiServices): ApiHandlers & { readonly readings: ReadingSessions; shutdown(): Promise<void> } {
  const { store, settings, emit, accounts } = services;
  const { readings: sessions, reports, imports, retrieves } = stateFor(services);
  const reader = () => actorLabel();

  const signedIn = (session: Session): LoginResponse => ({ session: accounts.sessionView(session, settings.get().session.idleLockMinutes), sessionToken: session.token });
  const needSession = (context: CallContext): Session => {
    if (!context.session) throw new ApiFailure('login-required', 'log in first');
    return context.session;
  };

  const receiverStatus = () => (services.receiver ? { receiver: services.receiver.status() } : {});

  const pacsNode = (name: string): NamedPacsNode => {
    const node = settings.get().pacsNodes.find((candidate) => candidate.name === name);
    if (!node) throw new ApiFailure('not-found', `there is no PACS named "${name}" in the settings`);
    return node;
  };

  const implementation: Implementation = {
    'app.info': () => services.info(),

    // ---- accounts and sessions (issue 10)
    'auth.status': (_request, context) => ({
      setupRequired: accounts.setupRequired(),
      session: context.session ? accounts.sessionView(context.session, settings.get().session.idleLockMinutes) : null,
    }),
    'auth.setupFirstAdmin': async ({ username, displayName, password, roles }, context) => {
      await accounts.createFirstAdmin({ username, displayName, password, roles }, 'first start set-up');
      accounts.logout(context.sessionToken);
      return signedIn((await accounts.login(username, password)).session);
    },
    'auth.login': async ({ username, password }, context) => {
      const { session } = await accounts.login(username, password);
      // Logging in on a workstation someone else left (locked or not) closes that person's session.
      accounts.logout(context.sessionToken);
      return signedIn(session);
    },
    'auth.logout': (_request, context) => ({ loggedOut: accounts.logout(context.sessionToken) }),
    'auth.lock': (_request, context) => {
      const session = needSession(context);
      accounts.lock(session);
      return { session: accounts.sessionView(session, settings.get().session.idleLockMinutes) };
    },
    'auth.unlock': async ({ password }, context) => {
      const session = needSession(context);
      await accounts.unlock(session, password);
      return { session: accounts.sessionView(session, settings.get().session.idleLockMinutes) };
    },
    'auth.touch': (_request, context) => {
      const session = needSession(context);
      accounts.sessions.touch(session);
      return { session: accounts.sessionView(session, settings.get().session.idleLockMinutes) };
    },
    'auth.changePassword': async ({ currentPassword, newPassword }, context) => {
      const session = needSession(context);
      await accounts.changePassword(session, currentPassword, newPassword);
      return { session: accounts.sessionView(session, settings.get().session.idleLockMinutes) };
    },
    'users.list': () => ({ users: accounts.users.list().map((user) => accounts.userView(user)) }),
    'users.add': async (request) => ({ user: accounts.userView(await accounts.addUser(request)) }),
    'users.update': ({ userId, ...change }) => ({ user: accounts.userView(accounts.updateUser(userId, change)) }),
    'users.resetPassword': async ({ userId, password }) => ({ user: accounts.userView(await accounts.resetPassword(userId, password)) }),
    // ---- audit trail and backup (issue 10)
    ...createAuditChannels(services),
    ...createBackupChannels(services),

    'studies.list': (request) => {
      const studies = store.instances.listStudies(request);
      store.audit.record({ actor: reader(), action: 'studies-listed', details: { text: request.text ?? null, count: studies.length } });
      return { studies };
    },

    'studies.series': (request) => {
      const series = store.instances.listSeries(request.studyInstanceUid);
      if (series.length === 0) throw new ApiFailure('not-found', `study ${request.studyInstanceUid} is not in the archive`);
      store.audit.record({ actor: reader(), action: 'series-listed', subject: request.studyInstanceUid, details: { count: series.length } });
      return { series };
    },

    'import.start': async ({ path }) => {
      const found = await stat(path).catch(() => undefined);
      if (!found) throw new ApiFailure('not-found', `there is no file or folder ${path}`);
      const controller = new AbortController();
      let lastProgressAt = 0;
      let importJobId = 0;
      const onProgress = (progress: ImportProgress) => {
        const now = Date.now();
        const last = progress.filesDone === progress.filesTotal;
        if (!last && progress.filesDone > 0 && now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
        lastProgressAt = now;
        emit('import.progress', { importJobId, progress });
      };
      const running = importFolder(store, path, { signal: controller.signal, onProgress });
      // importFolder creates its job row before its first await: it is the newest running
      // folder job for this path now, before any other code of this process could run.
      importJobId = store.db
        .prepare(`SELECT id FROM import_jobs WHERE kind = 'folder' AND source = ? AND status = 'running' ORDER BY id DESC LIMIT 1`)
        .pluck()
        .get(path) as number;
      const done = running.then(
        (summary) => {
          imports.delete(importJobId);
          emit('import.done', { importJobId, summary });
        },
        (reason: unknown) => {
          imports.delete(importJobId);
          console.error(`[api] import ${importJobId} failed:`, reason);
          // The worklist waits for import.done: an import that broke must still end there.
          const counts = { filesTotal: 0, filesDone: 0, bytesDone: 0, stored: 0, duplicates: 0, conflicts: 0, quarantined: 0 };
          const error = `${path} could not be imported: ${reason instanceof Error ? reason.message : String(reason)}`;
          emit('import.done', { importJobId, summary: { importJobId, status: 'failed', studies: 0, series: 0, counts, quarantined: [], conflicts: [], notes: [], error } });
        },
      );
      imports.set(importJobId, { controller, done });
      return { importJobId };
    },

    'import.cancel': ({ importJobId }) => {
      const running = imports.get(importJobId);
      if (running) {
        running.controller.abort();
        return { cancelled: true };
      }
      if (!store.importJobs.get(importJobId)) throw new ApiFailure('not-found', `there is no import ${importJobId}`);
      return { cancelled: false };
    },

    'pacs.echo': async ({ pacs }) => echo(pacsNode(pacs)),

    'pacs.findStudies': async ({ pacs, query, via }) => {
      const node = pacsNode(pacs);
      const studies = via === 'dicomweb' ? await searchStudies(dicomWebEndpoint(node), query) : await findStudies(node, query);
      store.audit.record({ actor: reader(), action: 'pacs-searched', subject: node.name, details: { via: via ?? 'dimse', matches: studies.length } });
      return { studies };
    },

    'pacs.retrieve': async ({ pacs, studyInstanceUid, seriesInstanceUid, method, jobId = randomUUID() }) => {
      const node = pacsNode(pacs);
      if (retrieves.has(jobId)) throw new ApiFailure('conflict', `a retrieve with job id ${jobId} is already running`);
      const target = { studyInstanceUid, seriesInstanceUid };
      const controller = new AbortController();
      let lastProgressAt = 0;
      const onProgress = (progress: RetrieveProgress) => {
        const now = Date.now();
        const last = progress.requested > 0 && progress.remaining === 0;
        if (!last && now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
        lastProgressAt = now;
        const { requested, completed, remaining, failed, stored, alreadyArchived: skipped } = progress;
        emit('retrieve.progress', { jobId, studyInstanceUid, requested, completed, remaining, failed, stored, skipped });
      };
      const options = { signal: controller.signal, onProgress };
      retrieves.set(jobId, controller);
      try {
        const summary =
          method === 'WADO-RS'
            ? await retrieveByWado(store, dicomWebEndpoint(node), target, options)
            : method === 'C-MOVE'
              ? await retrieveByMove(store, node, target, { ...options, destinationAeTitle: settings.get().receiver.aeTitle })
              : await retrieveByGet(store, node, target, options);
        store.audit.record({ actor: reader(), action: 'pacs-retrieved', subject: studyInstanceUid, details: { pacs: node.name, method: summary.method, status: summary.status, stored: summary.stored } });
        emit('retrieve.done', { jobId, studyInstanceUid, summary });
        emit('studies.changed', { studyInstanceUids: [studyInstanceUid], reason: 'retrieve' });
        return summary;
      } catch (reason) {
        emit('retrieve.done', { jobId, studyInstanceUid, error: toApiError(reason) });
        // What arrived before the failure is kept: the worklist shows it.
        emit('studies.changed', { studyInstanceUids: [studyInstanceUid], reason: 'retrieve' });
        throw reason;
      } finally {
        retrieves.delete(jobId);
      }
    },

    'pacs.cancel': ({ jobId }) => {
      const running = retrieves.get(jobId);
      running?.abort();
      return { cancelled: running !== undefined };
    },

    'reading.open': ({ studyInstanceUid, seriesInstanceUid, start }) => sessions.openReading(studyInstanceUid, seriesInstanceUid, start),
    'reading.assign': ({ readingId, revision, assignment }) => sessions.assign(readingId, revision, assignment),
    'reading.undo': ({ readingId, revision }) => sessions.undo(readingId, revision),
    'reading.redo': ({ readingId, revision }) => sessions.redo(readingId, revision),
    'reading.volume': ({ readingId }) => sessions.volume(readingId),
    'reading.labels': ({ readingId }) => sessions.labels(readingId),
    'reading.close': ({ readingId }) => sessions.close(readingId),

    'settings.get': () => ({ settings: settings.get(), restartRequired: false, ...receiverStatus() }),

    'settings.update': async ({ patch }, context) => {
      const roles = context.session ? accounts.actorOf(context.session) : undefined;
      if (roles?.kind === 'user' && !roles.roles.includes('admin')) {
        const outside = Object.keys(patch).filter((key) => !PHYSICIST_SETTINGS.includes(key));
        if (outside.length) throw new ApiFailure('not-permitted', `a physicist may change the ${PHYSICIST_SETTINGS.join(', ')} settings; ${outside.join(', ')} are the administrator's`);
      }
      const updated = settings.update(patch);
      if ('problems' in updated) throw new ApiFailure('bad-request', `the settings are not valid: ${updated.problems.join('; ')}`, updated.problems);
      store.audit.record({ actor: reader(), action: 'settings-changed', details: { keys: Object.keys(patch) } });
      await services.receiver?.apply(updated.settings.receiver);
      return { ...updated, ...receiverStatus() };
    },

    // ---- dose log and procedure notes (issue 5): dose.*, notes.* (main/dose/doseServiceChannels.ts)
    ...createDoseChannels(services),
    // ---- end dose log and procedure notes

    // ---- reports and outbound delivery (issue 6)
    'report.get': ({ seriesInstanceUid }) => ({ report: reports.get(seriesInstanceUid) }),
    'report.draft': async ({ readingId }) => ({ report: await reports.draft(readingId) }),
    'report.saveText': ({ reportId, version, findings, impression }) => ({ report: reports.saveText(reportId, version, { findings, impression }) }),
    'report.riskFactors': ({ studyInstanceUid }) => reports.riskFactors(studyInstanceUid),
    'report.saveRiskFactors': ({ studyInstanceUid, factors }) => reports.saveRiskFactors(studyInstanceUid, factors),
    'report.sign': ({ reportId, version, contentSha256, password }) => reports.sign(reportId, version, contentSha256, password),
    'report.amend': async ({ reportId, readingId, reason }) => ({ report: await reports.amend(reportId, readingId, reason) }),
    'report.discardDraft': ({ reportId }) => ({ report: reports.discardDraft(reportId) }),
    'report.pdf': ({ reportId, version }) => reports.pdf(reportId, version),
    'report.export': ({ reportId, version, folder }) => reports.export(reportId, version, folder),
    'report.send': ({ reportId, version, pacs, again }) => reports.send(reportId, version, pacs, again),
    'outbound.list': ({ studyInstanceUid, limit }) => {
      if (!services.reportDelivery) return { items: [] };
      return { items: services.reportDelivery.list({ studyInstanceUid, limit }) };
    },
    'outbound.retry': ({ id }) => {
      const retried = services.reportDelivery?.retry(id);
      if (!retried) throw new ApiFailure('not-found', `there is no delivery ${id} to retry`);
      return { item: retried };
    },
    // ---- end reports
  };

  const table = {} as ApiHandlers;
  for (const channel of Object.keys(requestSchemas) as Channel[]) {
    (table as Record<Channel, (request: unknown, caller?: Caller) => Promise<ApiResult<unknown>>>)[channel] = (request, caller) => handle(channel, request, caller);
  }

  /**
   * Who may call: the session the caller's token names, checked against the channel's roles before
   * the request is even parsed. Refusals of signed-in accounts are audited; the rest is the login screen's.
   */
  function admit(channel: Channel, caller: Caller | undefined): { context: CallContext; actor: Actor } {
    const access = CHANNEL_ACCESS[channel];
    const session = accounts.sessions.resolve(caller?.sessionToken);
    const context: CallContext = { session, sessionToken: caller?.sessionToken };
    if (!session) {
      if (access === 'public') return { context, actor: WORKSTATION_SERVICE };
      throw new ApiFailure('login-required', caller?.sessionToken ? 'your session has ended: log in again' : 'log in first');
    }
    const actor = accounts.actorOf(session);
    const user = accounts.users.byId(session.userId);
    if (!user || user.disabled) {
      accounts.logout(session.token);
      throw new ApiFailure('login-required', 'this account has been disabled: ask an administrator');
    }
    if (session.locked && !CHANNELS_WHILE_LOCKED.includes(channel)) {
      throw new ApiFailure('session-locked', `the workstation is locked: ${user.displayName} unlocks it with the password, or someone else logs in`);
    }
    if (user.mustChangePassword && !CHANNELS_BEFORE_PASSWORD_CHANGE.includes(channel)) {
      throw new ApiFailure('password-change-required', 'set a new password first: the administrator reset yours');
    }
    const problem = actor.kind === 'user' ? accessProblem(channel, actor.roles) : undefined;
    if (problem) {
      store.audit.record({ actor: actorLabel(actor), actorId: session.userId, action: 'access-refused', outcome: 'failure', details: { channel } });
      throw new ApiFailure('not-permitted', problem);
    }
    return { context, actor };
  }

  async function handle<C extends Channel>(channel: C, request: unknown, caller: Caller | undefined): Promise<ApiResult<ResponseByChannel[C]>> {
    try {
      const { context, actor } = admit(channel, caller);
      // A channel without parameters may be called with nothing at all.
      const parsed = requestSchemas[channel].safeParse(request === undefined || request === null ? {} : request);
      if (!parsed.success) {
        const problems = describeIssues(parsed.error);
        return { ok: false, error: { code: 'bad-request', message: `${channel}: the request is not valid: ${problems.join('; ')}`, details: problems } };
      }
      const respond = implementation[channel] as (request: Parsed<C>, context: CallContext) => Promise<ResponseByChannel[C]> | ResponseByChannel[C];
      return { ok: true, value: await runAs(actor, () => respond(parsed.data as Parsed<C>, context)) };
    } catch (reason) {
      return { ok: false, error: toApiError(reason) };
    }
  }

  return Object.assign(table, {
    readings: sessions,
    async shutdown() {
      await cancelRunningBackup(services);
      for (const running of imports.values()) running.controller.abort();
      for (const running of retrieves.values()) running.abort();
      await Promise.all([...imports.values()].map((running) => running.done));
    },
  });
}

/** For transports: call a channel named by the caller, refusing names that are not in the contract. */
export async function invokeChannel(handlers: ApiHandlers, channel: unknown, request: unknown, caller?: Caller): Promise<ApiResult<unknown>> {
  if (!isChannel(channel)) {
    const shown = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 64)) : typeof channel;
    return { ok: false, error: { code: 'bad-request', message: `there is no API channel ${shown}` } };
  }
  return handlers[channel](request, caller);
}
