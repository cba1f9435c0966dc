// Bundles the Node entry points into dist/ (`npm run build`, also run by `npm ci` and before the
// tests). Loading the TypeScript through tsx at run time costs a node about 85 MiB of resident
// memory; the bundle needs nothing but Node. Dependencies stay external (sqlite-wasm finds its
// .wasm file next to its own module).
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

export async function buildDist() {
  await build({
    absWorkingDir: root,
    entryPoints: { raftlited: 'runtimes/node/main.ts', 'container-main': 'runtimes/node/container-main.ts', raftlite: 'runtimes/node/shell-main.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDist()
