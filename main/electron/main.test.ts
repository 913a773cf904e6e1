/**
 * The BUILT main process (dist/main/electron/main.js) run against a stand-in for the electron
 * module, because the Electron binary cannot run here. Everything behind the stand-in is real: the
 * services on a temporary data directory, the handler table, the archive, and the scoring worker
 * (the built worker.js in a Node child process given Electron's process.parentPort). What this
 * proves: the window's security settings, the app:// protocol and its CSP, the request/navigation
 * /permission policies, IPC with sender checks end to end, events reaching the window, the menu's
 * import, and a clean shutdown. What it cannot prove: Chromium honouring them (needs the binary).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writePhantomSeries } from '../../test/phantom/syntheticPhantom.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { buildApp, PROJECT_ROOT } from './buildApp.js';

type Listener = (...args: unknown[]) => unknown;

const electron = vi.hoisted(() => {
  // Node built-ins only: this runs before the imports above are bound.
  const { EventEmitter } = process.getBuiltinModule('node:events');
  const { fork } = process.getBuiltinModule('node:child_process');
  const state = {
    parentPortShim: '',
    importFolderChoice: '',
    privilegedSchemes: [] as unknown[],
    sandboxEnabled: false,
    singleInstanceLockRequested: false,
    quitRequests: 0,
    quitCompleted: false,
    utilityForks: [] as string[],
    utilityChildren: [] as Array<{ exitCode: number | null; signalCode: string | null }>,
    protocolHandlers: new Map<string, (request: { url: string }) => Promise<Response>>(),
    beforeRequest: undefined as undefined | ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void),
    headersReceived: undefined as
      | undefined
      | ((details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void) => void),
    permissionRequest: undefined as undefined | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void),
    permissionCheck: undefined as undefined | (() => boolean),
    ipcHandlers: new Map<string, Listener>(),
    windows: [] as Array<{ options: { webPreferences: Record<string, unknown> }; loadedUrl?: string; webContents: InstanceType<typeof EventEmitter> & { sent: Array<[string, unknown]>; windowOpenHandler?: (details: { url: string }) => unknown } }>,
    menuTemplate: undefined as unknown,
    errorBoxes: [] as string[],
  };

  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    enableSandbox: () => void (state.sandboxEnabled = true),
    requestSingleInstanceLock: () => ((state.singleInstanceLockRequested = true), true),
    whenReady: () => Promise.resolve(),
    getVersion: () => '0.0.0-test',
    quit: () => {
      state.quitRequests++;
      let prevented = false;
      app.emit('before-quit', { preventDefault: () => void (prevented = true) });
      if (!prevented) state.quitCompleted = true;
    },
    exit: (code: number) => {
      throw new Error(`app.exit(${code})`);
    },
  });

  class BrowserWindow extends EventEmitter {
    readonly webContents: (typeof state.windows)[number]['webContents'];
    private readonly record: (typeof state.windows)[number];
    constructor(options: { webPreferences: Record<string, unknown> }) {
      super();
      const contents = Object.assign(new EventEmitter(), {
        sent: [] as Array<[string, unknown]>,
        windowOpenHandler: undefined as undefined | ((details: { url: string }) => unknown),
        send(channel: string, payload: unknown) {
          contents.sent.push([channel, payload]);
        },
        isDestroyed: () => false,
        setWindowOpenHandler(handler: (details: { url: string }) => unknown) {
          contents.windowOpenHandler = handler;
        },
      });
      this.webContents = contents;
      this.record = { options, webContents: contents };
      state.windows.push(this.record);
      app.emit('web-contents-created', {}, contents);
    }
    loadURL(url: string) {
      this.record.loadedUrl = url;
      return Promise.resolve();
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    restore() {}
    show() {}
    focus() {}
    reload() {}
  }

  const utilityProcess = {
    fork(modulePath: string) {
      state.utilityForks.push(modulePath);
      const child = fork(state.parentPortShim, [modulePath], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      state.utilityChildren.push(child);
      const utility = Object.assign(new EventEmitter(), {
        pid: child.pid,
        postMessage: (message: unknown) => void child.send(message as object),
        kill: () => child.kill(),
      });
      child.on('error', () => undefined);
      child.on('message', (message) => utility.emit('message', message));
      child.on('exit', (code) => utility.emit('exit', code ?? 1));
      return utility;
    },
  };

  return {
    state,
    module: {
      app,
      BrowserWindow,
      utilityProcess,
      protocol: {
        registerSchemesAsPrivileged: (schemes: unknown[]) => state.privilegedSchemes.push(...schemes),
        handle: (scheme: string, handler: (request: { url: string }) => Promise<Response>) => state.protocolHandlers.set(scheme, handler),
      },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (handler: typeof state.permissionRequest) => void (state.permissionRequest = handler),
          setPermissionCheckHandler: (handler: typeof state.permissionCheck) => void (state.permissionCheck = handler),
          setDevicePermissionHandler: () => undefined,
          webRequest: {
            onBeforeRequest: (handler: typeof state.beforeRequest) => void (state.beforeRequest = handler),
            onHeadersReceived: (handler: typeof state.headersReceived) => void (state.headersReceived = handler),
          },
        },
      },
      ipcMain: {
        handle: (channel: string, listener: Listener) => {
          if (state.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
          state.ipcHandlers.set(channel, listener);
        },
        removeHandler: (channel: string) => state.ipcHandlers.delete(channel),
      },
      Menu: {
        buildFromTemplate: (template: unknown) => template,
        setApplicationMenu: (menu: unknown) => void (state.menuTemplate = menu),
      },
      dialog: {
        showOpenDialog: async () => ({ canceled: false, filePaths: [state.importFolderChoice] }),
        showMessageBox: async () => ({ response: 0 }),
        showErrorBox: (_title: string, message: string) => void state.errorBoxes.push(message),
      },
    },
  };
});

vi.mock('electron', () => ({ ...electron.module, default: electron.module }));

const PARENT_PORT_SHIM = `
import { pathToFileURL } from 'node:url';
process.parentPort = {
  on: (name, listener) => { if (name === 'message') process.on('message', (message) => listener({ data: message, ports: [] })); },
  postMessage: (message) => process.send(message),
};
await import(pathToFileURL(process.argv[2]).href);
`;

const appPage = { url: 'app://cac/index.html', parent: null };
const { state } = electron;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The account session the page signed in with (the preload passes it as the third invoke argument). */
let sessionToken: string | undefined;

function invoke(channel: string, request: unknown, senderFrame: unknown = appPage): Promise<unknown> {
  const handler = state.ipcHandlers.get(`cac:invoke:${channel}`);
  if (!handler) throw new Error(`no IPC handler for ${channel}`);
  return handler({ senderFrame }, request, sessionToken) as Promise<unknown>;
}

/** A fresh install: the first administrator (also a radiologist) is created over IPC, which signs the page in. */
async function signIn(): Promise<void> {
  if (sessionToken) return;
  const setUp = (await invoke('auth.setupFirstAdmin', { username: 'ada', displayName: 'Ada Lovelace', password: 'Tr0ub4dour-&-3-horses', roles: ['radiologist'] })) as {
    ok: boolean;
    value: { sessionToken: string };
  };
  expect(setUp.ok).toBe(true);
  sessionToken = setUp.value.sessionToken;
}

describe('the desktop main process (built, with a stand-in Electron)', () => {
  const outDir = join(PROJECT_ROOT, '.tmp', `electron-main-build-${process.pid}`);
  let temp: { dir: string; remove: () => Promise<void> };
  let signalListeners: { SIGINT: NodeJS.SignalsListener[]; SIGTERM: NodeJS.SignalsListener[] };
  const savedDataDir = process.env.CAC_DATA_DIR;

  beforeAll(async () => {
    temp = await makeTempDir('electron-main');
    const built = await buildApp(PROJECT_ROOT, outDir, { renderer: 'placeholder' });
    state.parentPortShim = join(outDir, 'parent-port-shim.mjs');
    await writeFile(state.parentPortShim, PARENT_PORT_SHIM);
    process.env.CAC_DATA_DIR = join(temp.dir, 'data');
    signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    await import(pathToFileURL(built.mainEntry).href);
    await waitFor('the window', () => state.windows[0]?.loadedUrl, 120_000);
  }, 180_000);

  afterAll(async () => {
    // main.ts turns SIGINT/SIGTERM into app.quit(); this test process must stay killable.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!signalListeners[signal].includes(listener)) process.off(signal, listener);
    }
    if (savedDataDir === undefined) delete process.env.CAC_DATA_DIR;
    else process.env.CAC_DATA_DIR = savedDataDir;
    await rm(outDir, { recursive: true, force: true });
    await temp?.remove();
  });

  it('takes the single-instance lock, sandboxes every renderer and registers app:// before ready', () => {
    expect(state.singleInstanceLockRequested).toBe(true);
    expect(state.sandboxEnabled).toBe(true);
    expect(state.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
    expect(state.errorBoxes).toEqual([]);
  });

  it('opens one locked-down window on the app page', () => {
    const [window] = state.windows;
    expect(state.windows).toHaveLength(1);
    expect(window.loadedUrl).toBe('app://cac/index.html');
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    const preload = window.options.webPreferences.preload as string;
    expect(preload.endsWith('preload.cjs')).toBe(true);
    expect(existsSync(preload)).toBe(true);
  });

  it('serves the renderer from app:// with the CSP, and nothing outside it', async () => {
    const serve = state.protocolHandlers.get('app')!;
    const page = await serve({ url: 'app://cac/index.html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'/);
    expect(await page.text()).toContain('CAC Workstation');
    expect((await serve({ url: 'app://cac/assets/..%2f..%2f..%2fpackage.json' })).status).toBe(404);
    expect((await serve({ url: 'app://cac/missing.js' })).status).toBe(404);
  });

  it('loads no remote content and adds the CSP to app responses', () => {
    const decide = (url: string) => {
      let cancel: boolean | undefined;
      state.beforeRequest!({ url }, (response) => (cancel = response.cancel));
      return cancel;
    };
    expect(decide('app://cac/index.html')).toBe(false);
    expect(decide('blob:app://cac/6f1c')).toBe(false);
    expect(decide('https://example.com/tracker.js')).toBe(true);
    expect(decide('file:///etc/passwd')).toBe(true);
    expect(decide('ws://127.0.0.1:8042/')).toBe(true);
    let headers: Record<string, string | string[]> | undefined;
    state.headersReceived!({ url: 'app://cac/index.html', responseHeaders: {} }, (response) => (headers = response.responseHeaders));
    expect(headers?.['Content-Security-Policy']).toEqual([expect.stringContaining("object-src 'none'")]);
  });

  it('denies every permission, navigation away and new window', () => {
    let granted: boolean | undefined;
    state.permissionRequest!({}, 'media', (answer) => (granted = answer));
    expect(granted).toBe(false);
    expect(state.permissionCheck!()).toBe(false);

    const contents = state.windows[0].webContents;
    const navigate = (url: string) => {
      let prevented = false;
      contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///home/reader/report.html')).toBe(true);
    expect(navigate('app://cac/index.html')).toBe(false);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    let webviewPrevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (webviewPrevented = true) });
    expect(webviewPrevented).toBe(true);
  });

  it('answers the API over IPC for its own page only', async () => {
    expect([...state.ipcHandlers.keys()].every((channel) => channel.startsWith('cac:invoke:'))).toBe(true);
    const info = (await invoke('app.info', {})) as { ok: boolean; value: { dataDirectory: string } };
    expect(info).toMatchObject({ ok: true, value: { dataDirectory: process.env.CAC_DATA_DIR } });
    await expect(invoke('app.info', {}, { url: 'https://example.com/', parent: null })).rejects.toThrow(/own page/);
    await expect(invoke('app.info', {}, null)).rejects.toThrow(/own page/);
    // Patient data needs an account: refused before login, answered (here: a bad request) after.
    expect(await invoke('studies.list', {})).toMatchObject({ ok: false, error: { code: 'login-required' } });
    await signIn();
    expect(await invoke('studies.list', { limit: 'all' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('opens the demo study and hands its volume over as bytes, scored by the utility-process worker', async () => {
    await signIn();
    const listed = (await invoke('studies.list', {})) as { ok: true; value: { studies: Array<{ studyInstanceUid: string }> } };
    expect(listed.value.studies).toHaveLength(1);
    const { studyInstanceUid } = listed.value.studies[0];
    const series = (await invoke('studies.series', { studyInstanceUid })) as { ok: true; value: { series: Array<{ seriesInstanceUid: string }> } };
    const opened = (await invoke('reading.open', { studyInstanceUid, seriesInstanceUid: series.value.series[0].seriesInstanceUid })) as {
      ok: boolean;
      value: { readingId: number; volume: { byteLength: number } };
    };
    expect(opened.ok).toBe(true);
    const volume = (await invoke('reading.volume', { readingId: opened.value.readingId })) as { ok: boolean; value: ArrayBuffer };
    expect(volume.ok).toBe(true);
    expect(volume.value.byteLength).toBe(opened.value.volume.byteLength);
    expect(state.utilityForks).toEqual([expect.stringMatching(/native-worker[\\/]worker\.js$/)]);
  });

  it("forwards import events to the window, and the menu's Import Folder… to the page", async () => {
    const folder = join(temp.dir, 'incoming');
    await mkdir(folder);
    await writePhantomSeries(folder, {
      rows: 32,
      columns: 32,
      pixelSpacingMm: [0.5, 0.5],
      slices: 3,
      sliceThicknessMm: 3,
      sliceIncrementMm: 3,
      backgroundHu: 40,
      noiseSdHu: 0,
      patientId: 'IMPORT-TEST',
      objects: [],
    });
    const sent = state.windows[0].webContents.sent;
    const started = (await invoke('import.start', { path: folder })) as { ok: boolean; value: { importJobId: number } };
    expect(started.ok).toBe(true);
    await waitFor('import.done', () => sent.find(([channel]) => channel === 'cac:event:import.done'));
    expect(sent.some(([channel]) => channel === 'cac:event:import.progress')).toBe(true);

    state.importFolderChoice = folder;
    const template = state.menuTemplate as Array<{ label?: string; submenu?: Array<{ id?: string; click?: () => void }> }>;
    const importItem = template.flatMap((menu) => menu.submenu ?? []).find((item) => item.id === 'import-folder');
    importItem!.click!();
    const chosen = await waitFor('shell.importFolder', () => sent.find(([channel]) => channel === 'cac:event:shell.importFolder'));
    expect(chosen[1]).toEqual({ path: folder });
  });

  it('shuts down cleanly: IPC closed, services and worker stopped, then quits', async () => {
    electron.module.app.quit();
    await waitFor('the quit', () => state.quitCompleted);
    expect(state.quitRequests).toBe(2);
    expect(state.ipcHandlers.size).toBe(0);
    await waitFor('the worker to stop', () => state.utilityChildren.every((child) => child.exitCode !== null || child.signalCode !== null));
  });
});
