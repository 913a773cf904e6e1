import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findElectronBinary, nodeProbe, type ElectronProbe } from './electronBinary.js';

const packageDir = join('/p', 'node_modules', 'electron');

function probe(files: Record<string, string>, env: NodeJS.ProcessEnv = {}, installed = true): ElectronProbe {
  return {
    resolvePackageMain: () => (installed ? join(packageDir, 'index.js') : undefined),
    readText: (path) => files[path],
    isFile: (path) => path in files,
    env,
  };
}

describe('findElectronBinary', () => {
  it('finds the downloaded binary named by path.txt', () => {
    const binary = join(packageDir, 'dist', 'electron');
    expect(findElectronBinary(probe({ [join(packageDir, 'path.txt')]: 'electron', [binary]: '' }))).toEqual({ found: true, path: binary });
  });

  it('reports a skipped download (no path.txt)', () => {
    const result = findElectronBinary(probe({}));
    expect(result.found).toBe(false);
    if (!result.found) expect(result.reason).toMatch(/not downloaded/);
  });

  it('reports a path.txt whose binary is gone', () => {
    const result = findElectronBinary(probe({ [join(packageDir, 'path.txt')]: 'electron' }));
    expect(result).toEqual({ found: false, reason: `the Electron binary ${join(packageDir, 'dist', 'electron')} does not exist` });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH like the electron package does', () => {
    const binary = join('/opt', 'electron-39', 'electron');
    expect(findElectronBinary(probe({ [binary]: '' }, { ELECTRON_OVERRIDE_DIST_PATH: join('/opt', 'electron-39') }))).toEqual({ found: true, path: binary });
  });

  it('reports a missing electron package', () => {
    expect(findElectronBinary(probe({}, {}, false))).toEqual({ found: false, reason: 'the electron package is not installed' });
  });

  it('agrees with require("electron") on this machine', async () => {
    const result = findElectronBinary(nodeProbe());
    let required: string | undefined;
    try {
      // The electron package's main resolves to the binary path, or throws when it was not downloaded.
      const { createRequire } = await import('node:module');
      required = createRequire(import.meta.url)('electron') as string;
    } catch {
      required = undefined;
    }
    expect(result.found ? result.path : undefined).toBe(required);
  });
});
