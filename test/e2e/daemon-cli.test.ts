// raftlited's command line: Go flag semantics, exit codes, signals, one process per data dir.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { RQLITED_FLAGS } from '../../src/cli/rqlited-flags.ts'
import { MEMORY_ENV, NODE_HEAP_FLAGS, ROOT, restartRaftlited, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

const raftlited = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/raftlited.mjs'), ...args], { encoding: 'utf8', timeout: 30_000 })

test('unknown flags and bad values: one line naming the flag, usage on stderr, exit 2', () => {
  const unknown = raftlited('-no-such-flag', 'd')
  expect(unknown.status).toBe(2)
  expect(unknown.stderr.split('\n')[0]).toBe('flag provided but not defined: -no-such-flag')
  expect(unknown.stderr).toContain('Usage: raftlited [flags] <data directory>')
  const bad = raftlited('-write-queue-capacity', 'lots', 'd')
  expect(bad.status).toBe(2)
  expect(bad.stderr.split('\n')[0]).toBe('invalid value "lots" for flag -write-queue-capacity: parse error')
})

test('flags spelled out at their defaults, as Go prints them, start a node that serves', async () => {
  // Scripts written for rqlite may spell out defaults (durations as Go formats them).
  const atDefaults = { 'disco-key': 'rqlite', 'auto-optimize-int': '24h0m0s', 'raft-commit-timeout': '50ms', 'db-max-ro-conns': '256' }
  for (const [name, value] of Object.entries(atDefaults)) expect(RQLITED_FLAGS.find((f) => f.name === name)?.supported, `${name}=${value}`).toBe(true)
  const node = await startRaftlited({ args: Object.entries(atDefaults).map(([name, value]) => `-${name}=${value}`) })
  try {
    expect(node.stderr()).not.toMatch(/not supported/)
    const status = JSON.parse(await (await fetch(`${node.url}/status`)).text())
    expect(status.store.raft.state).toBe('Leader')
    const write = await fetch(`${node.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE t (v)"]' })
    expect(await write.text()).toBe('{"results":[{}]}')
  } finally {
    expect(await node.stop('SIGTERM')).toBe(0)
  }
}, 60_000)

test('-version prints the version and exits 0', () => {
  const v = raftlited('-version')
  expect(v.status).toBe(0)
  expect(v.stdout).toMatch(/^raftlited v\d+\.\d+\.\d+ \(node v\d+/)
})

test('SIGINT and SIGTERM stop the node cleanly; a second process cannot take the data dir', async () => {
  const dataDir = tempDataDir()
  const first = await startRaftlited({ dataDir })
  const second = raftlited('-http-addr', '127.0.0.1:0', '-raft-addr', '127.0.0.1:1', dataDir)
  expect(second.status).toBe(1)
  expect(second.stderr).toMatch(/LOCK is locked by another process \(pid \d+\)/)
  expect(await first.stop('SIGINT')).toBe(0)
  expect(first.stderr()).toContain('received SIGINT, shutting down')
  const again = await restartRaftlited(first) // the lock was released
  expect(await again.stop('SIGTERM')).toBe(0)
})

test('bin/raftlited.mjs runs the bundle while it is fresh, the sources through tsx once one is newer', () => {
  // A copy with the bundle (built by the test setup) and sources that are not there to run:
  // which path was taken shows in whether it starts.
  const dir = tempDataDir('raftlite-bin-')
  for (const sub of ['bin', 'dist', 'src', 'runtimes/node']) mkdirSync(join(dir, sub), { recursive: true })
  for (const file of ['bin/raftlited.mjs', 'bin/run-entry.mjs']) copyFileSync(join(ROOT, file), join(dir, file))
  copyFileSync(join(ROOT, 'dist/raftlited.mjs'), join(dir, 'dist/raftlited.mjs'))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  const old = new Date(Date.now() - 60_000)
  for (const file of ['src/a.ts', 'runtimes/node/b.ts']) {
    writeFileSync(join(dir, file), '')
    utimesSync(join(dir, file), old, old)
  }
  const run = () => spawnSync(process.execPath, [join(dir, 'bin/raftlited.mjs'), '-version'], { encoding: 'utf8', timeout: 30_000 })
  expect(run().stdout).toMatch(/^raftlited v\d/)
  writeFileSync(join(dir, 'src/a.ts'), '// edited after the build')
  const stale = run()
  expect(stale.status).not.toBe(0)
  expect(stale.stderr).toContain('runtimes/node/main.ts')
})

test('bin/raftlited.mjs in an installed package (no sources, no tsx) runs the bundle, and says how to build when it is missing', () => {
  const dir = tempDataDir('raftlite-installed-bin-')
  for (const sub of ['bin', 'dist']) mkdirSync(join(dir, sub), { recursive: true })
  for (const file of ['bin/raftlited.mjs', 'bin/run-entry.mjs']) copyFileSync(join(ROOT, file), join(dir, file))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  const run = () => spawnSync(process.execPath, [join(dir, 'bin/raftlited.mjs'), '-version'], { encoding: 'utf8', timeout: 30_000 })
  const missing = run()
  expect(missing.status).not.toBe(0)
  expect(missing.stderr).toContain('the package was not built (npm run build)')
  copyFileSync(join(ROOT, 'dist/raftlited.mjs'), join(dir, 'dist/raftlited.mjs'))
  // Older than anything: with no sources beside it, its age does not matter.
  utimesSync(join(dir, 'dist/raftlited.mjs'), new Date(0), new Date(0))
  expect(run().stdout).toMatch(/^raftlited v\d/)
})

test('npm start and the first line of bin/raftlited.mjs pass the memory settings the tests use', () => {
  const env = Object.entries(MEMORY_ENV).map(([k, v]) => `${k}=${v}`).join(' ')
  const firstLine = readFileSync(join(ROOT, 'bin/raftlited.mjs'), 'utf8').split('\n')[0]
  expect(firstLine).toBe(`#!/usr/bin/env -S ${env} node ${NODE_HEAP_FLAGS.join(' ')}`)
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start
  expect(start).toBe(`${env} node ${NODE_HEAP_FLAGS.join(' ')} bin/raftlited.mjs`)
})
