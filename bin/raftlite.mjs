#!/usr/bin/env node
// `raftlite`, the interactive shell. Runs the bundle in dist/ (`npm run build`; `npm ci` builds
// it) when it is newer than every source file, else the TypeScript through tsx (slower to start).
import { readdirSync, statSync } from 'node:fs'

const root = new URL('../', import.meta.url)
const bundle = new URL('dist/raftlite.mjs', root)

/** Newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs)
  }
  return latest
}

function bundleIsFresh() {
  try {
    return statSync(bundle).mtimeMs >= Math.max(newest(new URL('src', root)), newest(new URL('runtimes/node', root)))
  } catch {
    return false
  }
}

if (bundleIsFresh()) {
  await import(bundle.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../runtimes/node/shell-main.ts')
}
