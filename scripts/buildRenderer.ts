/**
 * Builds the renderer (React + vtk.js) with esbuild into dist/renderer: index.html, main.js (+ the
 * lazily loaded 3D map chunk) and main.css. `tsx scripts/buildRenderer.ts [outDir]`.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultRendererOutDir = join(projectRoot, 'dist', 'renderer');

export async function buildRenderer(outDir: string = defaultRendererOutDir, options: { minify?: boolean } = {}): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { main: join(projectRoot, 'renderer', 'main.tsx') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120'],
    jsx: 'automatic',
    minify: options.minify ?? true,
    sourcemap: false,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.glsl': 'text' },
  });
  await copyFile(join(projectRoot, 'renderer', 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : defaultRendererOutDir;
  const started = performance.now();
  await buildRenderer(outDir);
  console.log(`renderer built into ${outDir} in ${Math.round(performance.now() - started)} ms`);
}
