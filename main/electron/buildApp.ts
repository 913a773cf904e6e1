/**
 * Builds the JavaScript the desktop app runs (`npm run build`): main/, db/ and native-worker/ are
 * transpiled file by file into dist/ with the same folder layout, so every
 * `new URL(..., import.meta.url)` keeps pointing where it did in the sources (db/migrations next to
 * the archive database code, the worker entry next to the protocol) and npm packages stay external,
 * resolved from node_modules at run time (better-sqlite3's native addon, the WASM codecs that
 * pixelDecoders finds with createRequire(...).resolve). Only the preload is bundled: a sandboxed
 * preload is a single CommonJS script that may require nothing but 'electron'. The renderer is
 * bundled by its own script (scripts/buildRenderer.ts) into dist/renderer.
 */
import { build } from 'esbuild';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PLACEHOLDER_RENDERER_HTML } from './placeholderPage.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the app runs: the Electron main process and the scoring worker's process entry. */
const APP_ENTRIES = ['main/electron/main.ts', 'native-worker/worker.ts'];
const PRELOAD_SOURCE = 'main/electron/preload.ts';

export interface BuildOutput {
  outDir: string;
  mainEntry: string;
  preload: string;
  workerEntry: string;
  rendererIndex: string;
  /** True when a placeholder page stands in for the renderer. */
  rendererPlaceholder: boolean;
  /** Project modules shipped (the import closure of the entries), relative to the root. */
  modules: string[];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The project's own modules the entries import, directly or not (npm packages excluded): exactly
 * what must ship, wherever it lives (main/api/createServices.ts reaches into test/phantom for the
 * first-start demo study).
 */
async function importClosure(root: string, entries: string[]): Promise<string[]> {
  const analysis = await build({
    absWorkingDir: root,
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    outdir: 'unused',
    logLevel: 'silent',
  });
  return Object.keys(analysis.metafile.inputs)
    .filter((path) => path.endsWith('.ts') && !path.startsWith('node_modules/'))
    .sort();
}

export interface BuildOptions {
  /**
   * 'build' (default): the renderer through scripts/buildRenderer.ts into dist/renderer.
   * 'placeholder': a static page instead, for tests of the shell that do not need the UI.
   */
  renderer?: 'build' | 'placeholder';
}

export async function buildApp(root = PROJECT_ROOT, outDir = join(root, 'dist'), options: BuildOptions = {}): Promise<BuildOutput> {
  await rm(outDir, { recursive: true, force: true });
  const modules = await importClosure(root, APP_ENTRIES);
  const entryPoints = modules.map((path) => join(root, path));

  await build({
    entryPoints,
    outdir: outDir,
    outbase: root,
    bundle: false,
    format: 'esm',
    platform: 'node',
    // Electron 39 ships Node 22; the browser-mode host runs on Node >= 20.19.
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(root, PRELOAD_SOURCE)],
    outfile: join(outDir, 'main/electron/preload.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
  });

  // dist/ mirrors the project root one level down: code that finds the project's package.json by
  // a relative URL (the product version in app.info) finds this one, which also keeps ESM mode.
  const project = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify({ name: project.name, version: project.version, private: true, type: 'module' }, null, 2)}\n`);

  await cp(join(root, 'db/migrations'), join(outDir, 'db/migrations'), { recursive: true, filter: (source) => !source.endsWith('.md') });

  const rendererDir = join(outDir, 'renderer');
  const rendererIndex = join(rendererDir, 'index.html');
  const rendererScript = join(root, 'scripts/buildRenderer.ts');
  const rendererPlaceholder = options.renderer === 'placeholder' || !(await exists(rendererScript));
  if (rendererPlaceholder) {
    await mkdir(rendererDir, { recursive: true });
    await writeFile(rendererIndex, PLACEHOLDER_RENDERER_HTML);
  } else {
    const { buildRenderer } = (await import(pathToFileURL(rendererScript).href)) as { buildRenderer: (outDir: string) => Promise<string> };
    await buildRenderer(rendererDir);
  }

  return {
    outDir,
    mainEntry: join(outDir, 'main/electron/main.js'),
    preload: join(outDir, 'main/electron/preload.cjs'),
    workerEntry: join(outDir, 'native-worker/worker.js'),
    rendererIndex,
    rendererPlaceholder,
    modules,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const output = await buildApp();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`built ${output.modules.length} modules into ${relative(process.cwd(), output.outDir) || '.'} in ${seconds} s`);
  if (output.rendererPlaceholder) console.log('scripts/buildRenderer.ts not found: dist/renderer/index.html is a placeholder page');
}
