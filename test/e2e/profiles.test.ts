// -cpu-profile, -mem-profile, -trace-profile: written at stop through Node's inspector; refused,
// naming the runtime, where there is none (Deno). Real raftlited processes.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { DENO_RUN, ROOT, type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { execute } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

test('on Node: the three profiles are written when the node stops', async () => {
  const dir = tempDataDir('raftlite-profiles-')
  const [cpu, mem, trace] = ['cpu.cpuprofile', 'mem.heapprofile', 'trace.json'].map((f) => join(dir, f))
  const node = await startRaftlited({ args: ['-cpu-profile', cpu, '-mem-profile', mem, '-trace-profile', trace] })
  procs.push(node)
  for (let i = 0; i < 20; i++) await execute(node.url, [`CREATE TABLE IF NOT EXISTS t (v)`, `INSERT INTO t VALUES (${i})`])
  expect(await node.stop('SIGTERM')).toBe(0)
  const cpuProfile = JSON.parse(readFileSync(cpu, 'utf8'))
  expect(cpuProfile.nodes.length).toBeGreaterThan(0)
  expect(cpuProfile.endTime).toBeGreaterThan(cpuProfile.startTime)
  expect(JSON.parse(readFileSync(mem, 'utf8')).head.children.length).toBeGreaterThan(0)
  const events = JSON.parse(readFileSync(trace, 'utf8')).traceEvents
  expect(events.length).toBeGreaterThan(0)
  expect(events[0]).toHaveProperty('ph')
}, 60_000)

test('on Deno: refused, naming the runtime', () => {
  const r = spawnSync(join(ROOT, 'node_modules/.bin/deno'), [...DENO_RUN, join(ROOT, 'runtimes/deno/main.ts'), '-cpu-profile', '/tmp/x.cpuprofile', tempDataDir()], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  })
  expect(r.status).toBe(1)
  expect(r.stderr).toMatch(/^fatal: -cpu-profile is not supported on deno \S+: profiling uses Node's inspector; run raftlited on Node.js to profile$/m)
}, 90_000)
