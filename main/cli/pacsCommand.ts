/**
 * `cac pacs echo|find|find-series|get|move|web-find|web-get ...`: the PACS client from the command
 * line, the same services the app uses. Results on stdout (a table, or one JSON value with --json);
 * progress on stderr when it is a terminal; Ctrl-C cancels a retrieve (what arrived is kept).
 */
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { CliError, USAGE_EXIT } from './cliError.js';
import { openArchive } from './openArchive.js';
import { parsePacsNode, PacsNodeError, DEFAULT_CALLING_AE_TITLE, type PacsNode } from '../pacs/pacsNode.js';
import { PacsError } from '../pacs/pacsError.js';
import { echo, findSeries, findStudies, retrieveByGet, retrieveByMove } from '../pacs/dimseClient.js';
import { retrieveByWado, searchStudies, type DicomWebEndpoint } from '../pacs/dicomWebClient.js';
import type { SeriesMatch, StudyMatch, StudyQuery } from '../pacs/pacsMatches.js';
import type { RetrieveProgress, RetrieveSummary, RetrieveTarget } from '../pacs/retrieveJob.js';
import { startDicomReceiver } from '../dimse/dicomReceiver.js';

export const PACS_USAGE = [
  'usage: cac pacs <echo|find|find-series|get|move|web-find|web-get> [options]',
  '    DIMSE:     --host H --port P --aet PACS_AE [--calling-aet CACWS] [--timeout SECONDS]',
  '    DICOMweb:  --url http://host:8042/dicom-web',
  '    search:    [--patient-name "DOE*"] [--patient-id ID] [--date-from YYYYMMDD] [--date-to YYYYMMDD] [--modality CT] [--accession A]',
  '    retrieve:  --study UID [--series UID] [--archive DIR]',
  '    move:      --dest AE (the AE the PACS knows our receiver by) [--listen PORT [--listen-host 0.0.0.0]] to run the receiver meanwhile',
  '    --json     one JSON value on stdout',
].join('\n');

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  aet: { type: 'string' },
  'calling-aet': { type: 'string' },
  url: { type: 'string' },
  timeout: { type: 'string' },
  'patient-name': { type: 'string' },
  'patient-id': { type: 'string' },
  'date-from': { type: 'string' },
  'date-to': { type: 'string' },
  modality: { type: 'string' },
  accession: { type: 'string' },
  study: { type: 'string' },
  series: { type: 'string' },
  archive: { type: 'string' },
  dest: { type: 'string' },
  listen: { type: 'string' },
  'listen-host': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>['values'];

export async function pacsCommand(args: string[], out: (text: string) => void): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}\n${PACS_USAGE}`, USAGE_EXIT);
  }
  const [action, ...extra] = parsed.positionals;
  if (!action || extra.length) throw new CliError(PACS_USAGE, USAGE_EXIT);
  const values = parsed.values;
  try {
    switch (action) {
      case 'echo': {
        const node = dimseNode(values);
        const result = await echo(node);
        out(values.json ? JSON.stringify({ ok: true, elapsedMs: result.elapsedMs }) : `C-ECHO to ${node.aeTitle} at ${node.host}:${node.port}: OK (${result.elapsedMs} ms)`);
        return;
      }
      case 'find': {
        const studies = await findStudies(dimseNode(values), studyQuery(values));
        out(values.json ? JSON.stringify(studies) : formatStudies(studies));
        return;
      }
      case 'web-find': {
        const studies = await searchStudies(webEndpoint(values), studyQuery(values));
        out(values.json ? JSON.stringify(studies) : formatStudies(studies));
        return;
      }
      case 'find-series': {
        const series = await findSeries(dimseNode(values), required(values.study, '--study'));
        out(values.json ? JSON.stringify(series) : formatSeries(series));
        return;
      }
      case 'get':
      case 'move':
      case 'web-get':
        await retrieve(action, values, out);
        return;
      default:
        throw new CliError(`unknown pacs action "${action}"\n${PACS_USAGE}`, USAGE_EXIT);
    }
  } catch (reason) {
    if (reason instanceof PacsError) throw new CliError(reason.message);
    if (reason instanceof PacsNodeError) throw new CliError(reason.message, USAGE_EXIT);
    if (reason instanceof ZodError) throw new CliError(`the search is not valid: ${reason.issues.map((issue) => issue.message).join('; ')}`, USAGE_EXIT);
    throw reason;
  }
}

async function retrieve(action: 'get' | 'move' | 'web-get', values: Values, out: (text: string) => void): Promise<void> {
  const target: RetrieveTarget = { studyInstanceUid: required(values.study, '--study'), ...(values.series ? { seriesInstanceUid: values.series } : {}) };
  // Check the PACS settings before touching the archive.
  const node = action === 'web-get' ? undefined : dimseNode(values);
  const endpoint = action === 'web-get' ? webEndpoint(values) : undefined;
  const destination = action === 'move' ? required(values.dest, '--dest') : undefined;
  const { store, recovery } = await openArchive(values.archive);
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  const receiver =
    action === 'move' && values.listen
      ? await startDicomReceiver(store, {
          aeTitle: destination!,
          port: portNumber(values.listen, '--listen'),
          host: values['listen-host'] ?? '0.0.0.0',
          // Only the PACS we move from may send to this temporary receiver.
          allowedCallingAeTitles: [node!.aeTitle],
          maxAssociations: 4,
          maxPduLength: 256 * 1024,
          maxObjectBytes: 2 * 1024 * 1024 * 1024,
        })
      : undefined;
  try {
    if (!values.json && recovery) out(recovery);
    const options = { signal: controller.signal, onProgress: progressLine(action) };
    const summary =
      action === 'get'
        ? await retrieveByGet(store, node!, target, options)
        : action === 'move'
          ? await retrieveByMove(store, node!, target, { ...options, destinationAeTitle: destination! })
          : await retrieveByWado(store, endpoint!, target, options);
    if (process.stderr.isTTY) process.stderr.write('\n');
    out(values.json ? JSON.stringify(summary) : formatRetrieve(summary, store.root));
    if (summary.status === 'cancelled') throw new CliError('retrieve cancelled: run it again to fetch the rest (what arrived is kept)', 130);
    if (summary.status === 'incomplete') throw new CliError(`retrieve incomplete: ${summary.missing.length} instance(s) missing; run it again to fetch the rest`);
  } catch (reason) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (reason instanceof PacsError && values.json && reason.partial) out(JSON.stringify({ ...reason.partial, error: reason.message }));
    throw reason;
  } finally {
    process.removeListener('SIGINT', cancel);
    await receiver?.close();
    store.close();
  }
}

function progressLine(action: string): ((progress: RetrieveProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let lastShown = 0;
  return (progress) => {
    const now = Date.now();
    if (now - lastShown < 200 && progress.remaining > 0) return;
    lastShown = now;
    const skipped = progress.alreadyArchived ? `, ${progress.alreadyArchived} already archived` : '';
    process.stderr.write(`\r${action}: ${progress.completed}/${progress.requested} received, ${progress.stored} stored${progress.failed ? `, ${progress.failed} failed` : ''}${skipped}, ${(progress.bytesReceived / 1e6).toFixed(1)} MB   `);
  };
}

function dimseNode(values: Values): PacsNode {
  if (!values.host || !values.port || !values.aet) throw new CliError(`--host, --port and --aet are needed to reach the PACS\n${PACS_USAGE}`, USAGE_EXIT);
  return parsePacsNode({
    aeTitle: values.aet,
    host: values.host,
    port: portNumber(values.port, '--port'),
    callingAeTitle: values['calling-aet'] ?? DEFAULT_CALLING_AE_TITLE,
    ...(values.url ? { dicomWebUrl: values.url } : {}),
    ...(values.timeout ? { timeoutMs: timeoutMs(values.timeout) } : {}),
  });
}

function webEndpoint(values: Values): DicomWebEndpoint {
  const url = required(values.url, '--url');
  if (!/^https?:\/\//i.test(url)) throw new CliError(`--url must start with http:// or https://, got "${url}"`, USAGE_EXIT);
  return { url: url.replace(/\/+$/, ''), timeoutMs: values.timeout ? timeoutMs(values.timeout) : 30_000 };
}

function studyQuery(values: Values): StudyQuery {
  return {
    ...(values['patient-name'] ? { patientName: values['patient-name'] } : {}),
    ...(values['patient-id'] ? { patientId: values['patient-id'] } : {}),
    ...(values['date-from'] ? { studyDateFrom: values['date-from'] } : {}),
    ...(values['date-to'] ? { studyDateTo: values['date-to'] } : {}),
    ...(values.modality ? { modality: values.modality } : {}),
    ...(values.accession ? { accessionNumber: values.accession } : {}),
    ...(values.study ? { studyInstanceUid: values.study } : {}),
  };
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new CliError(`${flag} is required\n${PACS_USAGE}`, USAGE_EXIT);
  return value;
}

function portNumber(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`${flag} must be a port number (1-65535), got "${text}"`, USAGE_EXIT);
  return port;
}

function timeoutMs(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new CliError(`--timeout is in seconds (up to 600), got "${text}"`, USAGE_EXIT);
  return Math.round(seconds * 1000);
}

export function formatStudies(studies: StudyMatch[]): string {
  if (studies.length === 0) return 'No matching studies.';
  const rows = studies.map((study) => [
    study.studyDate ?? '',
    study.patientName ?? '',
    study.patientId ?? '',
    study.accessionNumber ?? '',
    study.modalitiesInStudy.join('/'),
    `${study.numberOfSeries ?? '?'}/${study.numberOfInstances ?? '?'}`,
    study.studyDescription ?? '',
    study.studyInstanceUid,
  ]);
  return table(['Date', 'Patient', 'Patient ID', 'Accession', 'Modality', 'Series/Images', 'Description', 'Study Instance UID'], rows) + `\n${studies.length} ${studies.length === 1 ? 'study' : 'studies'}`;
}

export function formatSeries(series: SeriesMatch[]): string {
  if (series.length === 0) return 'No series.';
  const rows = series.map((entry) => [String(entry.seriesNumber ?? ''), entry.modality ?? '', String(entry.numberOfInstances ?? '?'), entry.seriesDescription ?? '', entry.seriesInstanceUid]);
  return table(['#', 'Modality', 'Images', 'Description', 'Series Instance UID'], rows);
}

export function formatRetrieve(summary: RetrieveSummary, archive: string): string {
  const seconds = summary.elapsedMs / 1000;
  const rate = seconds > 0 ? ` (${(summary.bytesReceived / 1e6 / seconds).toFixed(1)} MB/s)` : '';
  const lines = [
    `Retrieve ${summary.status}: ${summary.source}, into ${archive}`,
    `  ${summary.expected ?? '?'} instance(s) at the PACS; ${summary.alreadyArchived} already archived (skipped), ${summary.requested} asked for`,
  ];
  if (summary.requested === 0 && summary.expected !== undefined) lines.push('  nothing to fetch: the archive holds all of them');
  else {
    lines.push(
      `  stored ${summary.stored}, already archived ${summary.duplicates}, kept aside ${summary.conflicts}, quarantined ${summary.quarantined}; failed at the PACS ${summary.failed}`,
      `  ${(summary.bytesReceived / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s${rate}`,
    );
  }
  if (summary.missing.length) lines.push(`  missing: ${summary.missing.length} instance(s), e.g. ${summary.missing.slice(0, 3).join(', ')}`);
  for (const issue of summary.issues) lines.push(`  - ${issue}`);
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
