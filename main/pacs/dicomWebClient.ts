/**
 * The same PACS reached over DICOMweb: QIDO-RS search (studies, series, instances) mapped to the
 * matches C-FIND gives, and WADO-RS retrieve of a study or series into the archive. Each object is
 * archived as the exact bytes of its multipart part (asked for as stored: transfer-syntax=*), and
 * instances the archive already holds are not fetched again, so a broken retrieve resumes.
 */
import type { ArchiveStore } from '../archive/archiveStore.js';
import { describeDicomWeb, type PacsNode } from './pacsNode.js';
import { PacsError, describeSocketError, type PacsStep } from './pacsError.js';
import { MultipartError, MultipartRelatedParser, boundaryOf } from './multipartRelated.js';
import {
  TAGS,
  dateRange,
  jsonValue,
  normaliseStudyQuery,
  readInstanceMatch,
  readSeriesMatch,
  readStudyMatch,
  sortSeries,
  sortStudies,
  type DicomJsonDataSet,
  type InstanceMatch,
  type SeriesMatch,
  type StudyMatch,
  type StudyQuery,
} from './pacsMatches.js';
import { RetrieveTracker, finalStatus, missingFromArchive, planRetrieve, resumeAdvice, type RetrieveOptions, type RetrieveRequestPlan, type RetrieveSummary, type RetrieveTarget } from './retrieveJob.js';

export interface DicomWebEndpoint {
  /** The DICOMweb root, e.g. http://pacs:8042/dicom-web (no trailing slash needed). */
  url: string;
  /** Longest wait for the server to answer or send the next bytes. */
  timeoutMs: number;
  /** Extra request headers, e.g. Authorization. */
  headers?: Record<string, string>;
}

/** The DICOMweb side of a configured PACS. */
export function dicomWebEndpoint(node: PacsNode): DicomWebEndpoint {
  if (!node.dicomWebUrl) throw new PacsError('failed', 'QIDO-RS', `the PACS ${node.aeTitle}`, `no DICOMweb URL is set for the PACS ${node.aeTitle}: add it to the PACS settings (e.g. http://${node.host}:8042/dicom-web)`);
  return { url: node.dicomWebUrl, timeoutMs: node.timeoutMs };
}

const DICOM_JSON = 'application/dicom+json';
/** As stored: the PACS must not transcode (PS3.18 8.7.3.5.2). */
const MULTIPART_DICOM_AS_STORED = 'multipart/related; type="application/dicom"; transfer-syntax=*';
/** For servers that refuse transfer-syntax=*: they then send their default (usually as stored too). */
const MULTIPART_DICOM = 'multipart/related; type="application/dicom"';

// ---------------------------------------------------------------- QIDO-RS

export async function searchStudies(endpoint: DicomWebEndpoint, query: StudyQuery, options: { signal?: AbortSignal } = {}): Promise<StudyMatch[]> {
  const keys = normaliseStudyQuery(query);
  const parameters = new URLSearchParams();
  const set = (name: string, value: string | undefined) => value && parameters.set(name, value);
  set('StudyInstanceUID', keys.studyInstanceUid);
  set('PatientName', keys.patientName);
  set('PatientID', keys.patientId);
  set('StudyDate', dateRange(keys.studyDateFrom, keys.studyDateTo));
  set('ModalitiesInStudy', keys.modality);
  set('AccessionNumber', keys.accessionNumber);
  parameters.set('includefield', [TAGS.StudyDescription, TAGS.PatientBirthDate, TAGS.PatientSex, TAGS.NumberOfStudyRelatedSeries, TAGS.NumberOfStudyRelatedInstances].join(','));
  const dataSets = await qido(endpoint, `/studies?${parameters}`, options.signal);
  return sortStudies(dataSets.map((dataSet) => readStudyMatch(jsonReader(dataSet))).filter((match): match is StudyMatch => match !== undefined));
}

export async function searchSeries(endpoint: DicomWebEndpoint, studyInstanceUid: string, options: { signal?: AbortSignal } = {}): Promise<SeriesMatch[]> {
  const fields = [TAGS.SeriesDescription, TAGS.SeriesNumber, TAGS.NumberOfSeriesRelatedInstances].join(',');
  const dataSets = await qido(endpoint, `/studies/${uidSegment(studyInstanceUid)}/series?includefield=${fields}`, options.signal);
  return sortSeries(dataSets.map((dataSet) => readSeriesMatch(jsonReader(dataSet), studyInstanceUid)).filter((match): match is SeriesMatch => match !== undefined));
}

export async function searchInstances(endpoint: DicomWebEndpoint, studyInstanceUid: string, seriesInstanceUid?: string, options: { signal?: AbortSignal } = {}): Promise<InstanceMatch[]> {
  const path = seriesInstanceUid
    ? `/studies/${uidSegment(studyInstanceUid)}/series/${uidSegment(seriesInstanceUid)}/instances`
    : `/studies/${uidSegment(studyInstanceUid)}/instances`;
  const dataSets = await qido(endpoint, `${path}?includefield=${TAGS.InstanceNumber},${TAGS.SeriesInstanceUID}`, options.signal);
  return dataSets
    .map((dataSet) => readInstanceMatch(jsonReader(dataSet), studyInstanceUid, seriesInstanceUid ?? ''))
    .filter((match): match is InstanceMatch => match !== undefined && match.seriesInstanceUid !== '')
    .sort((a, b) => a.seriesInstanceUid.localeCompare(b.seriesInstanceUid) || (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0));
}

async function qido(endpoint: DicomWebEndpoint, path: string, signal?: AbortSignal): Promise<DicomJsonDataSet[]> {
  const response = await request(endpoint, 'QIDO-RS', path, DICOM_JSON, signal);
  try {
    // No matches: 204 with no body, or an empty array.
    if (response.status === 204) return [];
    const text = await response.text();
    if (!text.trim()) return [];
    const body: unknown = JSON.parse(text);
    if (!Array.isArray(body)) throw new Error('not a JSON array');
    return body as DicomJsonDataSet[];
  } catch (error) {
    if (error instanceof PacsError) throw error;
    throw translateFetchError(error, endpoint, 'QIDO-RS', signal) ?? new PacsError('protocol', 'QIDO-RS', describeDicomWeb(endpoint.url), `${describeDicomWeb(endpoint.url)} answered the search with something that is not DICOM JSON (${(error as Error).message})`);
  }
}

function jsonReader(dataSet: DicomJsonDataSet): (keyword: keyof typeof TAGS) => unknown {
  return (keyword) => jsonValue(dataSet, TAGS[keyword]);
}

// ---------------------------------------------------------------- WADO-RS

/**
 * WADO-RS the study (or one series) into the archive, skipping instances already there. Whole study
 * or series in one multipart response when none is archived; otherwise series by series, and
 * instance by instance in series that are partly archived.
 */
export async function retrieveByWado(store: ArchiveStore, endpoint: DicomWebEndpoint, target: RetrieveTarget, options: RetrieveOptions = {}): Promise<RetrieveSummary> {
  const web = describeDicomWeb(endpoint.url);
  const source = `WADO-RS from ${web}`;
  const tracker = new RetrieveTracker(store, 'WADO-RS', target, source, options.onProgress);
  let expected: InstanceMatch[] = [];
  let cancelled = false;
  try {
    expected = await searchInstances(endpoint, target.studyInstanceUid, target.seriesInstanceUid, { signal: options.signal });
    if (expected.length === 0) {
      throw new PacsError('failed', 'QIDO-RS', web, `${web} holds no instances of ${target.seriesInstanceUid ? `series ${target.seriesInstanceUid}` : `study ${target.studyInstanceUid}`}: check the UID, or search again`);
    }
    const plan = planRetrieve(target, expected, (uid) => store.instances.findInstance(uid) !== undefined);
    tracker.planned(plan, expected.length);
    const paths = plan.requests.flatMap(wadoPaths);
    cancelled = (await fetchAll(paths, (path, signal) => fetchMultipart(store, endpoint, path, tracker, signal), options.signal)) === 'cancelled';
  } catch (error) {
    if (options.signal?.aborted) {
      cancelled = true;
    } else {
      const summary = tracker.summary('incomplete', missingFromArchive(store, expected));
      tracker.finish(summary, error instanceof Error ? error.message : String(error));
      if (error instanceof PacsError) {
        error.partial = summary;
        if (summary.stored > 0) error.message += resumeAdvice(summary.stored);
      }
      throw error;
    }
  }
  const missing = missingFromArchive(store, expected);
  const summary = tracker.summary(finalStatus(cancelled, missing, tracker.progress.failed), missing);
  tracker.finish(summary);
  return summary;
}

/** Requests in flight at once when fetching instance by instance: hides the per-request round trip behind the archive's writes. */
const PARALLEL_REQUESTS = 3;

/** Run the WADO-RS requests a few at a time; the first failure stops the others and is thrown. */
async function fetchAll(paths: string[], fetchOne: (path: string, signal: AbortSignal) => Promise<'done' | 'cancelled'>, callerSignal?: AbortSignal): Promise<'done' | 'cancelled'> {
  const stopOthers = new AbortController();
  const signal = callerSignal ? AbortSignal.any([callerSignal, stopOthers.signal]) : stopOthers.signal;
  let next = 0;
  let failure: unknown;
  let cancelled = false;
  const worker = async () => {
    while (next < paths.length && !signal.aborted) {
      const path = paths[next++];
      try {
        if ((await fetchOne(path, signal)) === 'cancelled') cancelled = true;
      } catch (error) {
        failure ??= error;
        stopOthers.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_REQUESTS, paths.length) }, worker));
  if (failure !== undefined) throw failure;
  return cancelled || callerSignal?.aborted ? 'cancelled' : 'done';
}

function wadoPaths(plan: RetrieveRequestPlan): string[] {
  const study = `/studies/${uidSegment(plan.studyInstanceUid)}`;
  if (plan.level === 'STUDY') return [study];
  const series = `${study}/series/${uidSegment(plan.seriesInstanceUid)}`;
  if (plan.level === 'SERIES') return [series];
  return plan.sopInstanceUids.map((uid) => `${series}/instances/${uidSegment(uid)}`);
}

/** One WADO-RS request, its parts archived as they arrive. */
async function fetchMultipart(store: ArchiveStore, endpoint: DicomWebEndpoint, path: string, tracker: RetrieveTracker, signal?: AbortSignal): Promise<'done' | 'cancelled'> {
  const web = describeDicomWeb(endpoint.url);
  const idle = new IdleTimeout(endpoint.timeoutMs, signal);
  try {
    let response: Response;
    try {
      response = await request(endpoint, 'WADO-RS', path, MULTIPART_DICOM_AS_STORED, idle.signal, idle);
    } catch (error) {
      // A server that cannot honour "as stored" says 406 (or 400): ask for its default instead.
      if (!(error instanceof PacsError && error.kind === 'http' && /HTTP (406|400)\b/.test(error.message))) throw error;
      response = await request(endpoint, 'WADO-RS', path, MULTIPART_DICOM, idle.signal, idle);
    }
    const boundary = boundaryOf(response.headers.get('content-type'));
    if (!boundary) {
      throw new PacsError('protocol', 'WADO-RS', web, `${web} did not answer with multipart DICOM (Content-Type: ${response.headers.get('content-type') ?? 'none'}): check the URL`);
    }
    const parser = new MultipartRelatedParser(boundary);
    if (!response.body) throw new PacsError('protocol', 'WADO-RS', web, `${web} sent an empty response for ${path}`);
    const reader = response.body.getReader();
    let partNumber = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      idle.touch();
      for (const part of parser.push(value)) {
        partNumber++;
        tracker.partReceived();
        const contentType = part.headers['content-type'] ?? 'application/dicom';
        if (!/^application\/dicom\b/i.test(contentType)) {
          tracker.issues.push(`${web} sent a part that is not a DICOM object (${contentType}); it was skipped`);
          continue;
        }
        const name = part.headers['content-location'] ?? `${path} part ${partNumber}`;
        tracker.recordIngest(await store.ingest(part.body, { name, source: tracker.source, importJobId: tracker.importJobId }));
        idle.touch();
      }
    }
    parser.end();
    return 'done';
  } catch (error) {
    if (signal?.aborted) return 'cancelled';
    if (error instanceof PacsError) throw error;
    if (error instanceof MultipartError) {
      throw idle.timedOut
        ? new PacsError('timeout', 'WADO-RS', web, `${web} stopped sending during WADO-RS (nothing for ${Math.round(endpoint.timeoutMs / 100) / 10} s): check that the server is still running`)
        : new PacsError('connection-lost', 'WADO-RS', web, `${web} closed the connection during WADO-RS (${error.message}): check that the server is still running`);
    }
    throw translateFetchError(error, endpoint, 'WADO-RS', signal, idle) ?? error;
  } finally {
    idle.dispose();
  }
}

// ---------------------------------------------------------------- HTTP

async function request(endpoint: DicomWebEndpoint, step: PacsStep, path: string, accept: string, signal?: AbortSignal, idle?: IdleTimeout): Promise<Response> {
  const web = describeDicomWeb(endpoint.url);
  const ownIdle = idle ?? new IdleTimeout(endpoint.timeoutMs, signal);
  let response: Response;
  try {
    // Objects uncompressed on the wire: gzip of pixel data costs the server more time than the
    // network saves on a LAN (Orthanc: ~45 ms per 0.5 MB CT slice, ten times the transfer).
    const encoding: Record<string, string> = step === 'WADO-RS' ? { 'Accept-Encoding': 'identity' } : {};
    response = await fetch(`${endpoint.url.replace(/\/+$/, '')}${path}`, { headers: { Accept: accept, ...encoding, ...endpoint.headers }, signal: ownIdle.signal });
  } catch (error) {
    if (!idle) ownIdle.dispose();
    throw translateFetchError(error, endpoint, step, signal, ownIdle) ?? error;
  }
  if (!idle) ownIdle.dispose();
  if (response.ok) return response;
  const detail = (await response.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 200);
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const advice =
    response.status === 401 || response.status === 403
      ? 'refused access: check the user name and password, or ask for this workstation to be allowed'
      : response.status === 404 && step === 'QIDO-RS'
        ? 'has nothing at this address: check the DICOMweb URL (it usually ends in /dicom-web)'
        : response.status === 404
          ? 'does not hold what was asked for: search again, it may have been deleted or moved'
          : response.status >= 500
            ? 'failed on its side: check the PACS log, then try again'
            : 'refused the request';
  throw new PacsError('http', step, web, `${web} ${advice} (${status}${detail ? `: ${detail}` : ''})`);
}

/** fetch and body-stream failures as PacsError; undefined when it was our caller's cancel. */
function translateFetchError(error: unknown, endpoint: DicomWebEndpoint, step: PacsStep, signal?: AbortSignal, idle?: IdleTimeout): PacsError | undefined {
  const web = describeDicomWeb(endpoint.url);
  if (signal?.aborted) return undefined;
  if (idle?.timedOut) {
    return new PacsError('timeout', step, web, `${web} did not answer for ${Math.round(endpoint.timeoutMs / 100) / 10} s during ${step}: check the address and that the server is running`, { cause: error });
  }
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as NodeJS.ErrnoException)?.code;
  let host = endpoint.url;
  try {
    host = new URL(endpoint.url).hostname;
  } catch {
    // Keep the URL as given.
  }
  const described = describeSocketError(code, host);
  if (described) return new PacsError(described.kind, step, web, `${web} ${described.text}`, { cause: error });
  const message = `${(error as Error)?.message ?? String(error)}${cause?.message ? ` (${cause.message})` : ''}`;
  if (/bad port/i.test(message)) {
    return new PacsError('refused', step, web, `${web} uses a port that HTTP clients refuse to connect to (a blocked port such as 1 or 6000): check the port in the DICOMweb URL`, { cause: error });
  }
  if (/terminated|other side closed|socket/i.test(message)) {
    return new PacsError('connection-lost', step, web, `${web} closed the connection during ${step}: check that the server is still running, then try again`, { cause: error });
  }
  return new PacsError('protocol', step, web, `${web} could not be reached for ${step}: ${message}`, { cause: error });
}

/** Aborts a request that goes quiet for `timeoutMs`, or when the caller cancels. */
class IdleTimeout {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  timedOut = false;
  private readonly onCallerAbort = () => this.controller.abort();

  constructor(
    private readonly timeoutMs: number,
    private readonly callerSignal?: AbortSignal,
  ) {
    if (callerSignal?.aborted) this.controller.abort();
    callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.timeoutMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}

/** A UID as a path segment: UIDs are digits and dots, anything else is refused before it reaches a URL. */
function uidSegment(uid: string): string {
  if (!/^[0-9.]{1,64}$/.test(uid)) throw new PacsError('failed', 'WADO-RS', 'the request', `"${uid.slice(0, 80)}" is not a DICOM UID`);
  return uid;
}
