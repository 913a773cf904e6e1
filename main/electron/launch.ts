/**
 * `npm start`: the desktop app when this machine has the Electron binary, otherwise the same UI from
 * the browser-mode host in a Chromium app window. It says on stdout which one it started and why.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../api/createServices.js';
import { createApiHandlers } from '../api/handlers.js';
import { startBrowserHost } from '../host/browserHost.js';
import { defaultDataDirectory } from '../settings/dataDirectory.js';
import { buildApp, PROJECT_ROOT } from './buildApp.js';
import { chromiumAppArgs, findChromium, haveDisplay } from './chromiumAppWindow.js';
import { findElectronBinary } from './electronBinary.js';

function waitForExit(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<number> {
  return new Promise((resolve) => {
    // Chromium's own log (D-Bus, GPU probing) would bury the host's messages: kept out when quiet.
    const child = spawn(command, args, { stdio: options.quiet ? 'ignore' : 'inherit', env: options.env ?? process.env });
    child.on('error', (error) => {
      console.error(`could not start ${command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function startElectron(binary: string): Promise<number> {
  console.log(`Starting the Electron desktop app (Electron binary: ${binary}).`);
  await buildApp();
  const env = { ...process.env };
  // Inherited from some shells and tools: it would make the binary run as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  return waitForExit(binary, [PROJECT_ROOT], { env });
}

async function startBrowserMode(why: string): Promise<number> {
  const { outDir } = await buildApp();
  const services = await createServices(defaultDataDirectory());
  const handlers = createApiHandlers(services);
  const host = await startBrowserHost({ handlers, events: services.events, staticDir: join(outDir, 'renderer') });
  let stopping: Promise<void> | undefined;
  const stopHost = () =>
    (stopping ??= (async () => {
      await host.close();
      await handlers.shutdown();
      await services.close();
    })());
  process.once('SIGINT', () => void stopHost().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void stopHost().finally(() => process.exit(143)));

  const chromium = findChromium();
  if (!chromium || !haveDisplay()) {
    const missing = chromium ? 'no display to open a window on' : 'no Chromium found (set CAC_CHROMIUM to its path)';
    console.log(`No Electron binary (${why}): started the browser-mode host; ${missing}.`);
    console.log(`Open ${host.url} in Chromium. Ctrl+C stops the host.`);
    return new Promise<number>(() => undefined); // runs until a signal stops the host
  }
  console.log(`No Electron binary (${why}): started the browser-mode host and opening it in a Chromium app window (${chromium}).`);
  const profile = await mkdtemp(join(tmpdir(), 'cac-chromium-'));
  try {
    const exitCode = await waitForExit(chromium, chromiumAppArgs(host.url, profile, { runningAsRoot: process.getuid?.() === 0 }), { quiet: true });
    console.log('The Chromium window was closed: stopping the host.');
    return exitCode;
  } finally {
    await stopHost();
    await rm(profile, { recursive: true, force: true });
  }
}

const electron = findElectronBinary();
process.exitCode = electron.found ? await startElectron(electron.path) : await startBrowserMode(electron.reason);
