// raftlited's command line: Go flag semantics, exit codes, signals, one process per data dir.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { ROOT, restartRaftlited, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

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

test('flags for later work are refused when set, accepted at their defaults', () => {
  const refused = raftlited('-cdc-config', 'stdout', 'd')
  expect(refused.status).toBe(2)
  expect(refused.stderr.trim()).toBe('flag -cdc-config is not supported yet')
})

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
