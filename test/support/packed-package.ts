/**
 * The package as users get it: `npm pack` in a copy of this checkout (so `prepare` builds it
 * from a tree with no dist/, as a git install does, without touching the dist/ other tests
 * run), then the tarball installed into a fresh project with `npm ci --offline`.
 *
 * Offline because CI's `npm ci` filled npm's cache with every dependency's tarball, but not
 * with the registry's package metadata that a plain `npm install <tarball>` asks for. So the
 * project gets a lockfile made from this repository's: the tarball plus every non-dev entry,
 * the exact versions the package is tested with.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ROOT, tempDataDir } from './raftlited-process.ts'

interface LockEntry {
  dev?: boolean
  [key: string]: unknown
}

interface PackageJson {
  name: string
  version: string
  license?: string
  bin?: Record<string, string>
  engines?: Record<string, string>
  dependencies?: Record<string, string>
  overrides?: Record<string, string>
}

export interface PackedPackage {
  tarball: string
  /** Every path in the tarball, relative to the package root (the `package/` prefix removed). */
  files: string[]
  /** A fresh project with the tarball installed. */
  project: string
}

const repoPackage = (): PackageJson => JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))

function run(cmd: string, args: string[], cwd: string, timeout: number): void {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } })
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`)
}

/** A copy of the checkout's files (tracked and new, not ignored): no dist/, as a fresh clone. */
function copyCheckout(): string {
  const copy = tempDataDir('raftlite-checkout-')
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  for (const file of listed.split('\0').filter(Boolean)) {
    if (file === 'node_modules') continue // the worktree's symlink to the shared install
    mkdirSync(dirname(join(copy, file)), { recursive: true })
    try {
      copyFileSync(join(ROOT, file), join(copy, file))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e // deleted, not yet committed
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))
  return copy
}

/** `npm pack` (which runs `prepare`, the build) in a copy of the checkout. */
export function packPackage(): { tarball: string; files: string[] } {
  const copy = copyCheckout()
  const out = tempDataDir('raftlite-tarball-')
  run('npm', ['pack', '--pack-destination', out], copy, 120_000)
  const pkg = repoPackage()
  const tarball = join(out, `${pkg.name}-${pkg.version}.tgz`)
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
  const files = listing.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''))
  return { tarball, files }
}

/** A fresh project depending on `tarball` alone, installed from npm's cache. */
export function installTarball(tarball: string): string {
  const project = tempDataDir('raftlite-user-')
  const pkg = repoPackage()
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  const spec = `file:${tarball}`
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`
  const packages: Record<string, unknown> = {
    '': { name: 'raftlite-user', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: spec, integrity, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  }
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry
  // The overrides pin what the lockfile holds; npm ci refuses a lockfile out of step with them.
  const manifest = { name: 'raftlite-user', private: true, type: 'module', dependencies: { [pkg.name]: spec }, overrides: pkg.overrides }
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2))
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'raftlite-user', lockfileVersion: 3, requires: true, packages }, null, 2))
  run('npm', ['ci', '--offline'], project, 120_000)
  return project
}

export function packAndInstall(): PackedPackage {
  const { tarball, files } = packPackage()
  return { tarball, files, project: installTarball(tarball) }
}
