/**
 * A real Orthanc for tests and benchmarks: its own config, free loopback ports, storage in a temp
 * folder, the DICOMweb plugin loaded. Started in the foreground as a child process; stop() sends
 * SIGTERM (kill() SIGKILL, for "the PACS died mid-transfer"). Pass storageDir to restart a PACS on
 * the same storage (the caller then owns the folder).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from './tempDir.js';

export interface OrthancOptions {
  /** Orthanc's own AE title (default ORTHANC). */
  dicomAet?: string;
  /** Modalities the PACS knows, by name: [AE title, host, port]; C-MOVE can only send to these. */
  knownModalities?: Record<string, [string, string, number]>;
  /** Listen for DICOM on this port (a PACS that "comes up" where a client was already trying); default a free one. */
  dicomPort?: number;
  /** Keep the index and files here instead of a fresh temp folder (not removed on stop). */
  storageDir?: string;
  /** Let callers Orthanc does not know query and C-GET (default true; C-MOVE always needs a known destination). */
  allowUnknownCallers?: boolean;
  /** More Orthanc configuration, merged over ours (e.g. { DefaultEncoding: 'Utf8' }). */
  extraConfig?: Record<string, unknown>;
}

export interface OrthancUpload {
  /** Orthanc's own id of the instance, for /instances/{id}/file. */
  orthancId: string;
  status: string;
  parentStudy: string;
  parentSeries: string;
}

export interface RunningOrthanc {
  httpPort: number;
  dicomPort: number;
  aeTitle: string;
  /** http://127.0.0.1:PORT (the REST API); the DICOMweb root is `${url}/dicom-web`. */
  url: string;
  dicomWebUrl: string;
  storageDir: string;
  /** Orthanc's log (stdout and stderr), for diagnosing a failed test. */
  logFile: string;
  /** Store files through the REST API (POST /instances). */
  upload(files: string[]): Promise<OrthancUpload[]>;
  /** GET a REST resource as JSON. */
  getJson<T>(path: string): Promise<T>;
  /** The bytes Orthanc serves for the instance with this SOP Instance UID (GET /instances/{id}/file). */
  instanceFile(sopInstanceUid: string): Promise<Uint8Array>;
  /** SIGTERM and wait for exit; removes the temp storage unless storageDir was given. */
  stop(): Promise<void>;
  /** SIGKILL: the PACS vanishes mid-association. */
  kill(): Promise<void>;
}

/** The DICOMweb plugin: ORTHANC_DICOMWEB_PLUGIN, else where the Debian package puts it. */
export function findDicomWebPlugin(): string {
  const fromEnv = process.env.ORTHANC_DICOMWEB_PLUGIN;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const dir of ['/usr/share/orthanc/plugins', '/usr/lib/orthanc', '/usr/local/share/orthanc/plugins']) {
    if (!existsSync(dir)) continue;
    const name = readdirSync(dir).find((file) => file.startsWith('libOrthancDicomWeb.so'));
    if (name) return join(dir, name);
  }
  throw new Error('the Orthanc DICOMweb plugin (libOrthancDicomWeb.so) was not found; set ORTHANC_DICOMWEB_PLUGIN');
}

/** A port free right now on loopback (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startOrthanc(options: OrthancOptions = {}): Promise<RunningOrthanc> {
  // Another process may take a free port between our probe and Orthanc's bind: try again then.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (reason) {
      lastError = reason;
    }
  }
  throw lastError;
}

async function startOnce(options: OrthancOptions): Promise<RunningOrthanc> {
  const aeTitle = options.dicomAet ?? 'ORTHANC';
  const temp = await makeTempDir('orthanc');
  const storageDir = options.storageDir ?? join(temp.dir, 'storage');
  await mkdir(storageDir, { recursive: true });
  const httpPort = await freePort();
  let dicomPort = options.dicomPort ?? (await freePort());
  while (dicomPort === httpPort) dicomPort = options.dicomPort ?? (await freePort());
  const allowUnknown = options.allowUnknownCallers ?? true;
  const config = {
    Name: `cac-test-${aeTitle}`,
    StorageDirectory: storageDir,
    IndexDirectory: storageDir,
    StorageCompression: false,
    HttpServerEnabled: true,
    HttpPort: httpPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: true,
    DicomAet: aeTitle,
    DicomPort: dicomPort,
    // A wrong called AE title is rejected, as a strict hospital PACS does.
    DicomCheckCalledAet: true,
    DicomAlwaysAllowEcho: true,
    DicomAlwaysAllowStore: true,
    DicomAlwaysAllowFind: allowUnknown,
    DicomAlwaysAllowGet: allowUnknown,
    DicomAlwaysAllowMove: allowUnknown,
    DicomCheckModalityHost: false,
    DicomModalities: options.knownModalities ?? {},
    DicomScuTimeout: 10,
    DicomAssociationCloseDelay: 0,
    SaveJobs: false,
    ConcurrentJobs: 2,
    HttpThreadsCount: 8,
    Plugins: [findDicomWebPlugin()],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Host: `127.0.0.1:${httpPort}`, Ssl: false },
    ...options.extraConfig,
  };
  const configFile = join(temp.dir, 'orthanc.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const logFile = join(temp.dir, 'orthanc.log');
  const log = createWriteStream(logFile);
  const child = spawn('Orthanc', [configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${httpPort}`;

  const removeTemp = async () => {
    log.end();
    await temp.remove();
  };
  try {
    await waitUntilReady(url, dicomPort, child, exited, logFile);
  } catch (reason) {
    await terminate(child, exited, 'SIGKILL');
    await removeTemp();
    throw reason;
  }

  const getJson = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    if (!response.ok) throw new Error(`Orthanc GET ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  let stopped = false;
  const shutDown = async (signal: NodeJS.Signals) => {
    if (stopped) return;
    stopped = true;
    await terminate(child, exited, signal);
    await removeTemp();
  };
  return {
    httpPort,
    dicomPort,
    aeTitle,
    url,
    dicomWebUrl: `${url}/dicom-web`,
    storageDir,
    logFile,
    async upload(files) {
      const uploads: OrthancUpload[] = [];
      for (const file of files) {
        const response = await fetch(`${url}/instances`, { method: 'POST', body: await readFile(file) });
        if (!response.ok) throw new Error(`Orthanc refused ${file}: HTTP ${response.status} ${await response.text()}`);
        const body = (await response.json()) as { ID: string; Status: string; ParentStudy: string; ParentSeries: string };
        uploads.push({ orthancId: body.ID, status: body.Status, parentStudy: body.ParentStudy, parentSeries: body.ParentSeries });
      }
      return uploads;
    },
    getJson,
    async instanceFile(sopInstanceUid) {
      const ids = await findJson<string[]>(url, { Level: 'Instance', Query: { SOPInstanceUID: sopInstanceUid } });
      if (ids.length !== 1) throw new Error(`Orthanc holds ${ids.length} instances with SOP Instance UID ${sopInstanceUid}`);
      const response = await fetch(`${url}/instances/${ids[0]}/file`);
      if (!response.ok) throw new Error(`Orthanc GET /instances/${ids[0]}/file: HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    stop: () => shutDown('SIGTERM'),
    kill: () => shutDown('SIGKILL'),
  };
}

async function findJson<T>(url: string, query: object): Promise<T> {
  const response = await fetch(`${url}/tools/find`, { method: 'POST', body: JSON.stringify(query) });
  if (!response.ok) throw new Error(`Orthanc /tools/find: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Ready means the REST API answers and the DICOM port accepts connections. */
async function waitUntilReady(url: string, dicomPort: number, child: ChildProcess, exited: Promise<number | null>, logFile: string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (exitCode !== undefined || child.exitCode !== null) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`Orthanc exited during start-up (code ${exitCode ?? child.exitCode}):\n${log.split('\n').slice(-15).join('\n')}`);
    }
    try {
      const response = await fetch(`${url}/system`, { signal: AbortSignal.timeout(1000) });
      if (response.ok && (await canConnect(dicomPort))) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Orthanc did not become ready on ${url} within 20 s (log: ${logFile})`);
}

async function canConnect(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function terminate(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
