/**
 * Builds the Electron app into dist/electron/: the main process (ES module, packages left to
 * node_modules), the preload (one CommonJS file: sandboxed preloads cannot import), and the
 * renderer (one browser script, its page and styles). Run: `tsx app/main/bundle.ts`.
 * The test bridge (test/harness/ui-bridge) builds the renderer with the same function.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The renderer alone: renderer.js, index.html and styles.css into `outDir`. */
export async function bundleRenderer(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'app/renderer/main.ts')],
    outfile: join(outDir, 'renderer.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'chrome120',
    sourcemap: false,
    logLevel: 'error',
  });
  for (const file of ['index.html', 'styles.css']) {
    await copyFile(join(ROOT, 'app/renderer', file), join(outDir, file));
  }
}

export async function bundleApp(outDir = join(ROOT, 'dist/electron')): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'app/main/entry.ts')],
    outfile: join(outDir, 'main.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    logLevel: 'error',
  });
  await build({
    entryPoints: [join(ROOT, 'app/preload/preload.ts')],
    outfile: join(outDir, 'preload.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    logLevel: 'error',
  });
  await bundleRenderer(join(outDir, 'renderer'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleApp();
}
