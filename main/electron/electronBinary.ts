/**
 * Whether this machine can run the Electron shell. The electron npm package resolves to a stub
 * whose index.js reads path.txt (written by its postinstall download) and throws when the download
 * was skipped (ELECTRON_SKIP_BINARY_DOWNLOAD=1, offline installs). This module repeats that lookup
 * without requiring the package, so `npm start` can fall back to the browser-mode host instead.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

/** The file-system reads the lookup needs; the real ones by default, fakes in tests. */
export interface ElectronProbe {
  /** Path of the electron package's main file, or undefined when it is not installed. */
  resolvePackageMain(): string | undefined;
  readText(path: string): string | undefined;
  isFile(path: string): boolean;
  env: NodeJS.ProcessEnv;
}

export function findElectronBinary(probe: ElectronProbe = nodeProbe()): ElectronBinary {
  const packageMain = probe.resolvePackageMain();
  if (!packageMain) return { found: false, reason: 'the electron package is not installed' };
  const packageDir = dirname(packageMain);
  const executableName = probe.readText(join(packageDir, 'path.txt'))?.trim();
  const overrideDist = probe.env.ELECTRON_OVERRIDE_DIST_PATH;
  let path: string;
  if (overrideDist) path = join(overrideDist, executableName || 'electron');
  else if (executableName) path = join(packageDir, 'dist', executableName);
  else return { found: false, reason: 'the Electron binary was not downloaded (no path.txt in the electron package)' };
  if (!probe.isFile(path)) return { found: false, reason: `the Electron binary ${path} does not exist` };
  return { found: true, path };
}

export function nodeProbe(from: string = import.meta.url): ElectronProbe {
  const require = createRequire(from);
  return {
    resolvePackageMain: () => {
      try {
        return require.resolve('electron');
      } catch {
        return undefined;
      }
    },
    readText: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    isFile: (path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    env: process.env,
  };
}
