/**
 * Offline packaging smoke test: the app builds (npm run build) and electron-builder packs it into
 * app.asar with a stand-in Electron distribution (the real binary cannot be downloaded here, and
 * packaging only copies it). Real installers (AppImage, deb, NSIS, dmg) and the better-sqlite3
 * rebuild for Electron's ABI need a networked machine; this proves what goes into them.
 * Also runs the built services from dist/ under Node, so the dist layout (migrations next to the
 * database code, the worker entry, the codecs) is proven to work, not just to be present.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildApp, type BuildOutput } from '../../main/electron/buildApp.js';
import { makeTempDir } from '../support/tempDir.js';
import { projectRoot } from '../support/sharedData.js';

const execFileAsync = promisify(execFile);

interface AsarEntry {
  size?: number;
  offset?: string;
  unpacked?: boolean;
  files?: Record<string, AsarEntry>;
}

interface AsarIndex {
  /** Every file, by path inside the archive ('dist/main/electron/main.js'). */
  files: Map<string, AsarEntry>;
  /** Reads a packed file's bytes. */
  read(path: string): Promise<Buffer>;
}

/**
 * Reads an asar archive's index: a Chromium pickle (uint32 size 4, uint32 header size) and a
 * pickled JSON string (uint32 payload size, uint32 string length, the JSON), then the file bytes.
 */
async function readAsar(file: string): Promise<AsarIndex> {
  const bytes = await readFile(file);
  const headerSize = bytes.readUInt32LE(4);
  const jsonLength = bytes.readUInt32LE(12);
  const root = JSON.parse(bytes.subarray(16, 16 + jsonLength).toString('utf8')) as AsarEntry;
  const dataStart = 8 + headerSize;
  const files = new Map<string, AsarEntry>();
  const walk = (entry: AsarEntry, prefix: string) => {
    for (const [name, child] of Object.entries(entry.files ?? {})) {
      const path = prefix ? `${prefix}/${name}` : name;
      if (child.files) walk(child, path);
      else files.set(path, child);
    }
  };
  walk(root, '');
  return {
    files,
    read: async (path) => {
      const entry = files.get(path);
      if (!entry || entry.unpacked || entry.offset === undefined || entry.size === undefined) throw new Error(`${path} is not packed in the archive`);
      const start = dataStart + Number(entry.offset);
      return bytes.subarray(start, start + entry.size);
    },
  };
}

const installedElectronVersion = (JSON.parse(await readFile(join(projectRoot, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;

describe('desktop packaging', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let built: BuildOutput;
  let resources: string;
  let asar: AsarIndex;

  beforeAll(async () => {
    temp = await makeTempDir('packaging');
    // The shell and its packaging are under test here, not the UI bundle (scripts/buildRenderer.ts).
    built = await buildApp(undefined, undefined, { renderer: 'placeholder' });

    // electron-builder copies the Electron distribution and renames its executable: for
    // `--linux dir` an executable named `electron` is all it needs from it.
    const standInDist = join(temp.dir, 'electron-dist');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(standInDist);
    await writeFile(join(standInDist, 'electron'), '#!/bin/sh\necho "stand-in Electron: packaging smoke test only" >&2\nexit 1\n');
    await chmod(join(standInDist, 'electron'), 0o755);

    const output = join(temp.dir, 'release');
    const started = performance.now();
    await execFileAsync(
      join(projectRoot, 'node_modules/.bin/electron-builder'),
      [
        '--linux',
        'dir',
        `-c.electronVersion=${installedElectronVersion}`,
        `-c.electronDist=${standInDist}`,
        '-c.npmRebuild=false',
        `-c.directories.output=${output}`,
        '--publish',
        'never',
      ],
      { cwd: projectRoot, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, CI: 'true' } },
    );
    const seconds = (performance.now() - started) / 1000;
    resources = join(output, 'linux-unpacked', 'resources');
    const asarBytes = (await stat(join(resources, 'app.asar'))).size;
    console.log(`electron-builder --linux dir: ${seconds.toFixed(1)} s, app.asar ${(asarBytes / 1024 / 1024).toFixed(1)} MiB`);
    asar = await readAsar(join(resources, 'app.asar'));
  }, 240_000);

  afterAll(async () => {
    await temp?.remove();
  });

  it('packs the main process, the preload, the worker, the migrations and the renderer', () => {
    for (const path of [
      'package.json',
      'dist/main/electron/main.js',
      'dist/main/electron/preload.cjs',
      'dist/native-worker/worker.js',
      'dist/db/archiveDatabase.js',
      'dist/db/migrations/001_archive.sql',
      'dist/package.json',
      'dist/renderer/index.html',
    ]) {
      expect(asar.files.has(path), path).toBe(true);
    }
  });

  it("starts at the built main entry (package.json's main)", async () => {
    const packageJson = JSON.parse((await asar.read('package.json')).toString('utf8')) as { main: string; type: string };
    expect(packageJson.main).toBe('dist/main/electron/main.js');
    expect(packageJson.type).toBe('module');
  });

  it('bundles a preload that needs nothing but electron (a sandboxed preload cannot require)', async () => {
    const preload = (await asar.read('dist/main/electron/preload.cjs')).toString('utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(preload).toContain('exposeInMainWorld');
  });

  it('keeps better-sqlite3 and the WebAssembly codecs as real files beside the archive', () => {
    const sqliteAddon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    expect(asar.files.get(sqliteAddon)?.unpacked).toBe(true);
    expect(existsSync(join(resources, 'app.asar.unpacked', sqliteAddon))).toBe(true);
    const wasm = [...asar.files].filter(([path]) => path.endsWith('.wasm'));
    expect(wasm.map(([path]) => path)).toEqual(expect.arrayContaining(['node_modules/@cornerstonejs/codec-charls/dist/charlswasm_decode.wasm', 'node_modules/@cornerstonejs/codec-openjpeg/dist/openjpegwasm_decode.wasm']));
    for (const [path, entry] of wasm) {
      expect(entry.unpacked, path).toBe(true);
      expect(existsSync(join(resources, 'app.asar.unpacked', path)), path).toBe(true);
    }
  });

  it('ships no sources, tests or development tools', () => {
    const paths = [...asar.files.keys()];
    expect(paths.filter((path) => path.startsWith('dist/') && (path.endsWith('.ts') || path.includes('.test.')))).toEqual([]);
    // Development tools, and the renderer's libraries (bundled into dist/renderer).
    for (const tool of ['electron', 'electron-builder', 'tsx', 'vitest', 'esbuild', 'typescript', '@kitware/vtk.js', 'react', 'react-dom']) {
      expect(paths.some((path) => path.startsWith(`node_modules/${tool}/`)), tool).toBe(false);
    }
  });

  it('imports only Node built-ins, electron and production dependencies', async () => {
    const { dependencies } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const { readdir } = await import('node:fs/promises');
    const packages = new Set<string>();
    for (const entry of await readdir(built.outDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
      const code = await readFile(join(entry.parentPath, entry.name), 'utf8');
      const specifiers = [...code.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']/gm), ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]);
      for (const specifier of specifiers) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
      }
    }
    const notShipped = [...packages].filter((name) => name !== 'electron' && !Object.hasOwn(dependencies, name));
    expect(notShipped).toEqual([]);
    expect(packages.has('better-sqlite3')).toBe(true);
  });

  it('targets AppImage and deb, NSIS and dmg', async () => {
    const config = await readFile(join(projectRoot, 'electron-builder.yml'), 'utf8');
    const targets = (platform: string) => config.match(new RegExp(`^${platform}:\\n(?:  .*\\n)*?  target:\\n((?:    - .*\\n)+)`, 'm'))?.[1].match(/- (\S+)/g)?.map((item) => item.slice(2));
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(targets('win')).toEqual(['nsis']);
    expect(targets('mac')).toEqual(['dmg']);
  });

  it('runs the built services from dist/ under Node: migrations found, worker entry present', async () => {
    const dataDir = join(temp.dir, 'data');
    const { createServices } = (await import(pathToFileURL(join(built.outDir, 'main/api/createServices.js')).href)) as typeof import('../../main/api/createServices.js');
    const { createApiHandlers } = (await import(pathToFileURL(join(built.outDir, 'main/api/handlers.js')).href)) as typeof import('../../main/api/handlers.js');
    const services = await createServices(dataDir, { demoStudy: false, worker: { entry: built.workerEntry } });
    const handlers = createApiHandlers(services);
    try {
      const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
      const info = await handlers['app.info']({});
      expect(info).toMatchObject({ ok: true, value: { dataDirectory: dataDir, version } });
      // The built table enforces accounts: a fresh install asks for its first admin, patient data needs a login.
      expect(await handlers['auth.status']({})).toEqual({ ok: true, value: { setupRequired: true, session: null } });
      expect(await handlers['studies.list']({})).toMatchObject({ ok: false, error: { code: 'login-required' } });
      expect(existsSync(built.workerEntry)).toBe(true);
    } finally {
      await handlers.shutdown();
      await services.close();
    }
  });
});
