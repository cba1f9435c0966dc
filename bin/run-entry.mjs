// Shared by the package's bins: runs a bundle in dist/ (`npm run build`; `npm ci` builds it)
// when it is newer than every source file, else the TypeScript entry through tsx, which is
// slower to start and costs about 85 MiB more resident memory.
import { readdirSync, statSync } from 'node:fs'

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
  if (isFresh(bundle)) return import(bundle.href)
  const { register } = await import('tsx/esm/api')
  register()
  return import(new URL(sourcePath, root).href)
}
