/**
 * The workstation as a DIMSE client of a PACS (Study Root Query/Retrieve): C-ECHO, C-FIND at study,
 * series and instance level, and retrieve by C-GET (objects come back on the same association and
 * go into the archive byte for byte) or by C-MOVE (the PACS sends them to our own receiver).
 * Retrieves resume: instances the archive already holds are not asked for again.
 */
import dcmjsDimse from 'dcmjs-dimse';
import type { Dataset as DimseDataset, responses as dimseResponses } from 'dcmjs-dimse';
import type { ArchiveStore, IngestOutcome } from '../archive/archiveStore.js';
import { buildPart10File } from '../dimse/part10File.js';
import { describePacs, type PacsNode } from './pacsNode.js';
import { PacsError, describeStatus, type PacsStep } from './pacsError.js';
import { DIMSE_STATUS, isCompletedStatus, runAssociation, type DimseRequest, type DimseResponse, type ReceivedObject } from './dimseAssociation.js';
import {
  TAGS,
  dateRange,
  normaliseStudyQuery,
  readInstanceMatch,
  readSeriesMatch,
  readStudyMatch,
  sortSeries,
  sortStudies,
  type InstanceMatch,
  type SeriesMatch,
  type StudyMatch,
  type StudyQuery,
} from './pacsMatches.js';
import {
  RetrieveTracker,
  finalStatus,
  missingFromArchive,
  planRetrieve,
  resumeAdvice,
  type RetrieveMethod,
  type RetrieveOptions,
  type RetrieveRequestPlan,
  type RetrieveSummary,
  type RetrieveTarget,
} from './retrieveJob.js';

const { Dataset } = dcmjsDimse;
const { CEchoRequest, CFindRequest, CGetRequest, CMoveRequest } = dcmjsDimse.requests;
const { SopClass } = dcmjsDimse.constants;

// ---------------------------------------------------------------- C-ECHO

export interface EchoResult {
  /** Round trip: connect, associate, echo, release. */
  elapsedMs: number;
}

/** Verify the PACS answers DICOM from this workstation (AE titles, port, network). */
export async function echo(node: PacsNode, options: { signal?: AbortSignal } = {}): Promise<EchoResult> {
  const started = Date.now();
  const result = await runAssociation({ node, step: 'C-ECHO', request: new CEchoRequest(), abstractSyntaxUid: SopClass.Verification, signal: options.signal });
  if (result.cancelled) throw new PacsError('cancelled', 'C-ECHO', describePacs(node), `C-ECHO to ${describePacs(node)} was cancelled`);
  expectSuccess(node, 'C-ECHO', result.status);
  return { elapsedMs: Date.now() - started };
}

// ---------------------------------------------------------------- C-FIND

/** Studies matching the keys (all given keys must match; PN and text keys take * and ? wildcards). */
export async function findStudies(node: PacsNode, query: StudyQuery, options: { signal?: AbortSignal } = {}): Promise<StudyMatch[]> {
  const keys = normaliseStudyQuery(query);
  const identifier = {
    // dcmjs writes text as UTF-8; say so when it matters, or the PACS reads the bytes as ASCII/Latin-1.
    ...(Object.values(keys).some((value) => typeof value === 'string' && /[^\x00-\x7f]/.test(value)) ? { SpecificCharacterSet: 'ISO_IR 192' } : {}),
    StudyInstanceUID: keys.studyInstanceUid ?? '',
    PatientName: keys.patientName ?? '',
    PatientID: keys.patientId ?? '',
    PatientBirthDate: '',
    PatientSex: '',
    StudyDate: dateRange(keys.studyDateFrom, keys.studyDateTo) ?? '',
    StudyTime: '',
    AccessionNumber: keys.accessionNumber ?? '',
    StudyDescription: '',
    ModalitiesInStudy: keys.modality ?? '',
    NumberOfStudyRelatedSeries: '',
    NumberOfStudyRelatedInstances: '',
  };
  const dataSets = await cFind(node, CFindRequest.createStudyFindRequest(identifier), options.signal);
  return sortStudies(dataSets.map((dataSet) => readStudyMatch(reader(dataSet))).filter((match): match is StudyMatch => match !== undefined));
}

export async function findSeries(node: PacsNode, studyInstanceUid: string, options: { signal?: AbortSignal } = {}): Promise<SeriesMatch[]> {
  const identifier = {
    StudyInstanceUID: studyInstanceUid,
    SeriesInstanceUID: '',
    SeriesNumber: '',
    Modality: '',
    SeriesDescription: '',
    NumberOfSeriesRelatedInstances: '',
  };
  const dataSets = await cFind(node, CFindRequest.createSeriesFindRequest(identifier), options.signal);
  return sortSeries(dataSets.map((dataSet) => readSeriesMatch(reader(dataSet), studyInstanceUid)).filter((match): match is SeriesMatch => match !== undefined));
}

/** The instances (IMAGE level) of a study or one series: what a resumed retrieve compares with the archive. */
export async function findInstances(node: PacsNode, studyInstanceUid: string, seriesInstanceUid?: string, options: { signal?: AbortSignal } = {}): Promise<InstanceMatch[]> {
  const identifier = {
    StudyInstanceUID: studyInstanceUid,
    SeriesInstanceUID: seriesInstanceUid ?? '',
    SOPInstanceUID: '',
    SOPClassUID: '',
    InstanceNumber: '',
  };
  const dataSets = await cFind(node, CFindRequest.createImageFindRequest(identifier), options.signal);
  return dataSets
    .map((dataSet) => readInstanceMatch(reader(dataSet), studyInstanceUid, seriesInstanceUid ?? ''))
    .filter((match): match is InstanceMatch => match !== undefined && match.seriesInstanceUid !== '')
    .sort((a, b) => a.seriesInstanceUid.localeCompare(b.seriesInstanceUid) || (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0));
}

async function cFind(node: PacsNode, request: InstanceType<typeof CFindRequest>, signal?: AbortSignal): Promise<DimseDataset[]> {
  const matches: DimseDataset[] = [];
  const result = await runAssociation({
    node,
    step: 'C-FIND',
    request,
    abstractSyntaxUid: SopClass.StudyRootQueryRetrieveInformationModelFind,
    signal,
    onResponse: (response) => {
      const dataSet = response.getDataset();
      if (response.getStatus() !== DIMSE_STATUS.success && dataSet) matches.push(dataSet);
    },
  });
  if (result.cancelled) throw new PacsError('cancelled', 'C-FIND', describePacs(node), `the search on ${describePacs(node)} was cancelled`);
  expectSuccess(node, 'C-FIND', result.status, result.finalResponse);
  return matches;
}

function reader(dataSet: DimseDataset): (keyword: keyof typeof TAGS) => unknown {
  return (keyword) => dataSet.getElement(keyword);
}

function expectSuccess(node: PacsNode, step: PacsStep, status: number | undefined, response?: DimseResponse): void {
  if (status === DIMSE_STATUS.success) return;
  const comment = response?.getErrorComment?.();
  throw new PacsError('failed', step, describePacs(node), `${describePacs(node)} answered ${step} with ${describeStatus(status ?? 0xc000)}${comment ? `: ${comment}` : ''}`);
}

// ---------------------------------------------------------------- retrieve (C-GET, C-MOVE)

export interface MoveOptions extends RetrieveOptions {
  /** The AE title the PACS knows our receiver by (it holds the host and port for it). */
  destinationAeTitle: string;
}

/**
 * C-GET the study (or one series) into the archive. Instances already archived are skipped (so a
 * cancelled or broken retrieve resumes); the summary says what was skipped, stored and missing.
 * Connection problems throw PacsError, with `partial` holding what was archived before it broke.
 */
export async function retrieveByGet(store: ArchiveStore, node: PacsNode, target: RetrieveTarget, options: RetrieveOptions = {}): Promise<RetrieveSummary> {
  const source = `C-GET from ${describePacs(node)}`;
  const tracker = new RetrieveTracker(store, 'C-GET', target, source, options.onProgress);
  const onObject = async (object: ReceivedObject): Promise<number> => {
    const file = buildPart10File(
      { mediaStorageSopClassUid: object.sopClassUid, mediaStorageSopInstanceUid: object.sopInstanceUid, transferSyntaxUid: object.transferSyntaxUid, sourceApplicationEntityTitle: node.aeTitle },
      object.dataSetChunks,
    );
    const outcome = await store.ingest(file, { name: object.sopInstanceUid, source, importJobId: tracker.importJobId });
    tracker.recordIngest(outcome);
    return storeStatus(outcome);
  };
  return runRetrieve(store, node, target, tracker, options, (plan) => buildGetRequest(plan), onObject);
}

/**
 * C-MOVE the study (or one series) to `destinationAeTitle`: the PACS opens its own association to
 * our receiver, which archives what arrives. With `store` (the archive that receiver fills), the
 * retrieve skips what is archived already and checks afterwards that everything arrived.
 */
export async function retrieveByMove(store: ArchiveStore | undefined, node: PacsNode, target: RetrieveTarget, options: MoveOptions): Promise<RetrieveSummary> {
  const source = `C-MOVE from ${describePacs(node)} to ${options.destinationAeTitle}`;
  const tracker = new RetrieveTracker(store, 'C-MOVE', target, source, options.onProgress);
  // What the receiver stores during the move shows up as progress.
  const onStored = (outcome: IngestOutcome) => {
    if (outcome.studyInstanceUid !== target.studyInstanceUid) return;
    if (target.seriesInstanceUid && outcome.seriesInstanceUid !== target.seriesInstanceUid) return;
    tracker.recordStoredElsewhere(outcome.sizeBytes);
  };
  store?.on('stored', onStored);
  try {
    return await runRetrieve(store, node, target, tracker, options, (plan) => buildMoveRequest(plan, options.destinationAeTitle), undefined, options.destinationAeTitle);
  } finally {
    store?.removeListener('stored', onStored);
  }
}

async function runRetrieve(
  store: ArchiveStore | undefined,
  node: PacsNode,
  target: RetrieveTarget,
  tracker: RetrieveTracker,
  options: RetrieveOptions,
  buildRequest: (plan: RetrieveRequestPlan) => DimseRequest,
  onObject?: (object: ReceivedObject) => Promise<number>,
  moveDestination?: string,
): Promise<RetrieveSummary> {
  const step: PacsStep = tracker.method === 'C-GET' ? 'C-GET' : 'C-MOVE';
  let expected: InstanceMatch[] | undefined;
  let requests: RetrieveRequestPlan[];
  let cancelled = false;
  try {
    if (store) {
      try {
        expected = await findInstances(node, target.studyInstanceUid, target.seriesInstanceUid, { signal: options.signal });
      } catch (error) {
        // A PACS that refuses instance-level queries can still be retrieved from, just not resumed.
        if (!(error instanceof PacsError && (error.kind === 'failed' || error.kind === 'not-supported'))) throw error;
        if (options.signal?.aborted) throw error;
        tracker.issues.push(`the PACS did not list the instances (${error.message}); the whole ${target.seriesInstanceUid ? 'series' : 'study'} was asked for`);
      }
    }
    if (expected && expected.length === 0) {
      throw new PacsError('failed', step, describePacs(node), `${describePacs(node)} holds no instances of ${describeTarget(target)}: check the UID, or search again`);
    }
    if (expected && store) {
      const plan = planRetrieve(target, expected, (uid) => store.instances.findInstance(uid) !== undefined);
      tracker.planned(plan, expected.length);
      requests = plan.requests;
    } else {
      tracker.unplanned();
      requests = [wholeTarget(target)];
    }
    for (const plan of requests) {
      if (options.signal?.aborted) {
        cancelled = true;
        break;
      }
      const result = await runAssociation({
        node,
        step,
        request: buildRequest(plan),
        abstractSyntaxUid: step === 'C-GET' ? SopClass.StudyRootQueryRetrieveInformationModelGet : SopClass.StudyRootQueryRetrieveInformationModelMove,
        signal: options.signal,
        onObject,
        onResponse: (response) => tracker.setSubOperations(subOperations(response)),
      });
      tracker.requestFinished();
      if (result.cancelled || result.status === DIMSE_STATUS.cancel) {
        cancelled = true;
        break;
      }
      if (result.status !== undefined && !isCompletedStatus(result.status)) {
        const comment = result.finalResponse?.getErrorComment?.();
        // Orthanc answers an unknown destination with 0xC000, not 0xA801: say what to check either way.
        const hint =
          step === 'C-MOVE' && (result.status === 0xa801 || tracker.progress.completed === 0)
            ? `: check that the PACS knows the destination ${moveDestination ?? 'AE'} (add ${moveDestination ?? 'our receiver'} to its known modalities, with the host and port of this workstation's receiver)`
            : '';
        throw new PacsError('failed', step, describePacs(node), `${describePacs(node)} answered ${step} of ${describeTarget(target)} with ${describeStatus(result.status)}${comment ? ` (${comment})` : ''}${hint}`);
      }
    }
  } catch (error) {
    const missing = store && expected ? missingFromArchive(store, expected) : [];
    const summary = tracker.summary('incomplete', missing);
    tracker.finish(summary, error instanceof Error ? error.message : String(error));
    if (error instanceof PacsError) {
      error.partial = summary;
      if (summary.stored > 0) error.message += resumeAdvice(summary.stored);
    }
    throw error;
  }
  if (tracker.progress.failed > 0) {
    tracker.issues.push(
      `${describePacs(node)} could not send ${tracker.progress.failed} instance(s) by ${step}${step === 'C-GET' ? ' (their SOP class or transfer syntax may not be among those this workstation offers: try C-MOVE or WADO-RS)' : ' (check the PACS log and the receiver)'}`,
    );
  }
  const missing = store && expected ? missingFromArchive(store, expected) : [];
  const summary = tracker.summary(finalStatus(cancelled, missing, tracker.progress.failed), missing);
  tracker.finish(summary);
  return summary;
}

function wholeTarget(target: RetrieveTarget): RetrieveRequestPlan {
  return target.seriesInstanceUid
    ? { level: 'SERIES', studyInstanceUid: target.studyInstanceUid, seriesInstanceUid: target.seriesInstanceUid, instanceCount: 0 }
    : { level: 'STUDY', studyInstanceUid: target.studyInstanceUid, instanceCount: 0 };
}

/** The identifier of a C-GET/C-MOVE: the level and the UIDs down to it (a list of SOP Instance UIDs at IMAGE level). */
function identifier(plan: RetrieveRequestPlan): DimseDataset {
  const elements: Record<string, unknown> = { QueryRetrieveLevel: plan.level, StudyInstanceUID: plan.studyInstanceUid };
  if (plan.level !== 'STUDY') elements.SeriesInstanceUID = plan.seriesInstanceUid;
  if (plan.level === 'IMAGE') elements.SOPInstanceUID = plan.sopInstanceUids.length === 1 ? plan.sopInstanceUids[0] : plan.sopInstanceUids;
  return new Dataset(elements);
}

function buildGetRequest(plan: RetrieveRequestPlan): DimseRequest {
  const request = CGetRequest.createStudyGetRequest(plan.studyInstanceUid);
  // Our own storage contexts replace the library's (one per transfer syntax, see dimseAssociation).
  request.setAddStorageSopClassesToAssociation(false);
  request.setDataset(identifier(plan));
  return request;
}

function buildMoveRequest(plan: RetrieveRequestPlan, destinationAeTitle: string): DimseRequest {
  const request = CMoveRequest.createStudyMoveRequest(destinationAeTitle, plan.studyInstanceUid);
  request.setDataset(identifier(plan));
  return request;
}

function subOperations(response: DimseResponse): { completed?: number; remaining?: number; failed?: number; warning?: number } {
  const counts = response as Partial<dimseResponses.CGetResponse>;
  const read = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  return {
    completed: read(counts.getCompleted?.call(response)),
    remaining: read(counts.getRemaining?.call(response)),
    failed: read(counts.getFailures?.call(response)),
    warning: read(counts.getWarnings?.call(response)),
  };
}

/** The C-STORE status our answer carries: the PACS counts a quarantined object as a failure. */
function storeStatus(outcome: IngestOutcome): number {
  switch (outcome.status) {
    case 'stored':
    case 'duplicate':
      return DIMSE_STATUS.success;
    case 'conflict':
      // Kept aside, not lost: a warning ("coercion of data elements" is the nearest standard code).
      return 0xb000;
    default:
      return 0xc000;
  }
}

export function describeTarget(target: RetrieveTarget): string {
  return target.seriesInstanceUid ? `series ${target.seriesInstanceUid} of study ${target.studyInstanceUid}` : `study ${target.studyInstanceUid}`;
}

export type { RetrieveMethod };
