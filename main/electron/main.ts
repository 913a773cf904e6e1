/**
 * Entry of the desktop app (Electron main process, built to dist/main/electron/main.js).
 * One window showing the renderer from app://cac/, locked down per DESIGN.md's security rules:
 * context isolation, sandbox, no Node in the page, a strict CSP, no remote content, navigation and
 * window.open refused, permissions denied, every IPC request's sender checked. The scoring worker
 * runs as a utilityProcess. A second launch focuses the first window instead of opening a second
 * archive writer.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, utilityProcess, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ALGORITHM_VERSION } from '../../native-worker/algorithmVersion.js';
import { defaultDataDirectory, PRODUCT_NAME } from '../settings/dataDirectory.js';
import { apiWhitelist } from './apiChannels.js';
import { appMenuTemplate } from './appMenu.js';
import { APP_ENTRY_URL, APP_SCHEME, contentTypeFor, isAppUrl, resolveAppFile } from './appOrigin.js';
import { ipcEventChannel } from './channelWhitelist.js';
import { contentSecurityPolicy } from './contentSecurityPolicy.js';
import { openDesktopApi, type DesktopApi } from './desktopApi.js';
import { forwardApiEvents, registerIpcApi } from './ipcApi.js';
import { isAllowedNavigation, windowOpenDecision } from './navigationPolicy.js';
import { utilityProcessLauncher } from './utilityWorker.js';

const RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const WORKER_ENTRY = fileURLToPath(new URL('../../native-worker/worker.js', import.meta.url));
const CSP = contentSecurityPolicy();

// Must happen before 'ready': app:// behaves like a real secure origin (fetch, relative URLs).
// corsEnabled: module scripts (the renderer's main.js and its lazy chunks) are fetched in CORS mode.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
// Every renderer sandboxed, whatever a future BrowserWindow forgets to say.
app.enableSandbox();

let mainWindow: BrowserWindow | undefined;
let desktopApi: DesktopApi | undefined;
const stopOnQuit: Array<() => void> = [];

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => windowOpenDecision(url));
}

function installSessionPolicy(): void {
  const appSession = session.defaultSession;
  appSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  appSession.setPermissionCheckHandler(() => false);
  appSession.setDevicePermissionHandler(() => false);
  // No remote content: only the app's own origin and in-memory URLs load.
  appSession.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAppUrl(details.url) || /^(blob|data|devtools):/.test(details.url);
    callback({ cancel: !allowed });
  });
  appSession.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) return callback({ responseHeaders: details.responseHeaders });
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(RENDERER_DIR, request.url);
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { 'Content-Type': contentTypeFor(file), 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

function sendToWindow(ipcChannel: string, payload: unknown): void {
  if (mainWindow && !mainWindow.isDestroyed() && !mainWindow.webContents.isDestroyed()) mainWindow.webContents.send(ipcChannel, payload);
}

async function importFolderFromMenu(): Promise<void> {
  const choice = mainWindow
    ? await dialog.showOpenDialog(mainWindow, { title: 'Import a folder or CD', properties: ['openDirectory'] })
    : await dialog.showOpenDialog({ title: 'Import a folder or CD', properties: ['openDirectory'] });
  const path = choice.filePaths[0];
  // The page starts the import (import.start) so it shows the progress like any other import.
  if (!choice.canceled && path) sendToWindow(ipcEventChannel('shell.importFolder'), { path });
}

function showAbout(): void {
  const detail = `Version ${app.getVersion()}\nScoring algorithm ${ALGORITHM_VERSION}\nElectron ${process.versions.electron}, Chromium ${process.versions.chrome}`;
  const options = { type: 'info' as const, title: `About ${PRODUCT_NAME}`, message: PRODUCT_NAME, detail, buttons: ['OK'] };
  void (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options));
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: PRODUCT_NAME,
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    backgroundColor: '#111111',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.on('render-process-gone', (_event, details) => {
    console.error(`the reading view stopped (${details.reason}); reloading`);
    if (details.reason !== 'clean-exit' && !window.isDestroyed()) window.reload();
  });
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = undefined;
  });
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

function focusMainWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

async function start(): Promise<void> {
  installSessionPolicy();
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ importFolder: () => void importFolderFromMenu(), showAbout })));

  desktopApi = await openDesktopApi({
    dataDirectory: defaultDataDirectory(),
    workerEntry: WORKER_ENTRY,
    workerLauncher: utilityProcessLauncher((modulePath, args, options) => utilityProcess.fork(modulePath, args, options)),
  });
  stopOnQuit.push(
    registerIpcApi({
      ipcMain,
      handlers: desktopApi.handlers,
      whitelist: apiWhitelist,
      onForbiddenSender: (channel, senderUrl) => console.warn(`refused an IPC request on ${channel} from ${senderUrl ?? 'a closed frame'}`),
    }),
    forwardApiEvents(desktopApi.events, apiWhitelist, sendToWindow),
  );

  mainWindow = createWindow();
}

let shutDown = false;

/** Stops taking requests, then closes the services (worker, database) before Electron exits. */
async function shutdown(): Promise<void> {
  for (const stop of stopOnQuit.splice(0)) stop();
  await desktopApi?.close();
  desktopApi = undefined;
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the archive: it focuses its window (second-instance), this one leaves.
  app.quit();
} else {
  app.on('second-instance', focusMainWindow);
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.on('window-all-closed', () => app.quit());
  app.on('activate', () => {
    if (!mainWindow && desktopApi) mainWindow = createWindow();
  });
  // Ctrl+C in the terminal that ran `npm start`, or a session logout: the same clean shutdown.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());
  app.on('before-quit', (event) => {
    if (shutDown) return;
    event.preventDefault();
    shutDown = true;
    shutdown()
      .catch((reason: unknown) => console.error(`shutdown: ${(reason as Error).message}`))
      .finally(() => app.quit());
  });
  app
    .whenReady()
    .then(start)
    .catch((reason: unknown) => {
      dialog.showErrorBox(PRODUCT_NAME, `The workstation could not start: ${(reason as Error).message}`);
      app.exit(1);
    });
}
