// Builds dist/ (`npm run build`; `npm ci`, `npm pack` and a git install run it as `prepare`):
// - dist/lib/: the library, one JavaScript file per module with its .d.ts and source map
//   (tsconfig.build.json); package.json's `exports` point into it.
// - dist/*.mjs: the Node entry points bundled with esbuild (the bins and the container run them;
//   loading the TypeScript through tsx at run time costs a node about 85 MiB of resident memory).
//   Dependencies stay external (sqlite-wasm finds its .wasm file next to its own module).
// `node scripts/build.mjs --bins` builds only the bundles (the container image, the test setup).
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * Modules loaded by URL rather than imported (workers): each is bundled on its own, as `.mjs`,
 * both beside the bins in dist/ and beside its source's place in dist/lib/, so the code that
 * starts it finds it next to itself either way. One line per worker.
 */
export const WORKER_ENTRIES = [
  'runtimes/node/engine-worker.ts',
]

const bundleOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
}

export async function buildDist() {
  await build({
    ...bundleOptions,
    entryPoints: { raftlited: 'runtimes/node/main.ts', 'container-main': 'runtimes/node/container-main.ts', raftlite: 'runtimes/node/shell-main.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
  })
  await buildWorkers('dist', (source) => source.split('/').at(-1))
}

/** dist/lib/ from a clean slate, so a deleted source leaves no stale module behind. */
export async function buildLibrary() {
  rmSync(join(root, 'dist/lib'), { recursive: true, force: true })
  const tsc = join(root, 'node_modules/typescript/bin/tsc')
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
  if (run.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${run.status ?? run.signal})`)
  rewriteDeclarationImports(join(root, 'dist/lib'))
  await buildWorkers('dist/lib', (source) => source)
}

/** WORKER_ENTRIES bundled into `outdir`, each as `${place(source without .ts)}.mjs`. */
async function buildWorkers(outdir, place) {
  if (WORKER_ENTRIES.length === 0) return
  const entryPoints = WORKER_ENTRIES.map((source) => ({ in: source, out: place(source.replace(/\.ts$/, '')) }))
  await build({ ...bundleOptions, entryPoints, outdir, outExtension: { '.js': '.mjs' } })
}

/**
 * tsc rewrites `./x.ts` to `./x.js` in the JavaScript but keeps `.ts` in the declarations; a
 * consumer's TypeScript resolves `./x.js` to `./x.d.ts`, so the declarations say `.js` too.
 */
function rewriteDeclarationImports(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue
    const file = join(entry.parentPath, entry.name)
    const text = readFileSync(file, 'utf8')
    const rewritten = text.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2')
    if (rewritten !== text) writeFileSync(file, rewritten)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDist()
  if (!process.argv.includes('--bins')) await buildLibrary()
}
