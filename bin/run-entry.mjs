// Shared by the package's bins: runs a bundle in dist/ (`npm run build`; `npm ci`, `npm pack`
// and a git install build it). An installed package ships no sources: it always runs the bundle,
// with nothing but Node. In a source checkout the bundle must be newer than every source file,
// else the TypeScript entry runs through tsx (a devDependency), which is slower to start and costs
// about 85 MiB more resident memory.
import { existsSync, readdirSync, statSync } from 'node:fs'

const root = new URL('../', import.meta.url)

/** Newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs)
  }
  return latest
}

function isFresh(bundle) {
  try {
    return statSync(bundle).mtimeMs >= Math.max(newest(new URL('src', root)), newest(new URL('runtimes/node', root)))
  } catch {
    return false
  }
}

/** `bundleName` in dist/, or `sourcePath` (relative to the package root) through tsx. */
export async function runEntry(bundleName, sourcePath) {
  const bundle = new URL(`dist/${bundleName}`, root)
  const source = new URL(sourcePath, root)
  if (!existsSync(new URL('src', root))) {
    if (!existsSync(bundle)) throw new Error(`raftlite: ${bundle.pathname} is missing; the package was not built (npm run build)`)
    return import(bundle.href)
  }
  if (isFresh(bundle)) return import(bundle.href)
  let register
  try {
    ;({ register } = await import('tsx/esm/api'))
  } catch {
    throw new Error(`raftlite: dist/${bundleName} is missing or older than the sources, and tsx is not installed to run them: run \`npm run build\``)
  }
  register()
  return import(source.href)
}
