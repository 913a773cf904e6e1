/**
 * Opening the browser-mode UI in a Chromium "app" window (no tabs, no address bar) when the
 * Electron binary is missing. A fresh profile per launch: no extensions, no sync, no saved state
 * shared with the user's own browsing.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge'];

export function chromiumAppArgs(url: string, userDataDir: string, options: { runningAsRoot?: boolean } = {}): string[] {
  const args = [
    `--app=${url}`,
    `--user-data-dir=${userDataDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-sync',
    '--disable-background-networking',
    '--disable-component-update',
  ];
  // Chromium refuses to start as root with its sandbox (containers, kiosk set-ups).
  if (options.runningAsRoot) args.push('--no-sandbox');
  return args;
}

/** Whether a window can be shown at all (Linux needs an X11 or Wayland display). */
export function haveDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** CAC_CHROMIUM (a path) if set, else the first Chromium-family browser on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, canRun: (path: string) => boolean = isExecutable): string | undefined {
  const configured = env.CAC_CHROMIUM;
  if (configured) return isAbsolute(configured) && canRun(configured) ? configured : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const candidate = join(dir, name);
      if (canRun(candidate)) return candidate;
    }
  }
  return undefined;
}
