/**
 * `npx tsx bench/profile-leader.ts [seconds]` — a CPU profile of the leader of a 3-node cluster
 * under the 32-client single-insert load, summarized by self time per function and per file.
 * Each node runs with --cpu-prof; the profile is written when a node exits on SIGTERM. The leader's .cpuprofile is kept in
 * bench/results/ for a closer look in Chrome DevTools.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { leaderOf, waitFor } from '../test/support/cluster-processes.ts'
import { ROOT, startRaftlited } from '../test/support/raftlited-process.ts'
import { runLoad } from './http-load.ts'
import { insert, okWrite } from './workload.ts'
import { type Profile, selfTimes, topShares } from './cpu-profile.ts'

const seconds = Number(process.argv[2] ?? 10)
const profDir = mkdtempSync(join(tmpdir(), 'raftlite-prof-'))
// Node 20 refuses --cpu-prof in NODE_OPTIONS: run the nodes through a wrapper that passes it.
const wrapper = join(profDir, 'node-cpu-prof.sh')
writeFileSync(wrapper, `#!/bin/sh\nexec ${process.execPath} --cpu-prof --cpu-prof-dir=${profDir} "$@"\n`)
chmodSync(wrapper, 0o755)
const args = (id: number) => ['-node-id', String(id), '-join-interval', '200ms']
const first = await startRaftlited({ nodeBinary: wrapper, args: args(1) })
const procs = [first, ...(await Promise.all([2, 3].map((id) => startRaftlited({ nodeBinary: wrapper, args: [...args(id), '-join', first.raftAddr] }))))]
await waitFor('a leader', () => leaderOf(procs))
let leaderPid = 0
try {
  const leader = (await leaderOf(procs))!
  leaderPid = leader.child.pid!
  await fetch(`${leader.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
  const r = await runLoad(leader.url, { clients: 32, seconds, maxOps: 1_000_000, next: insert, ok: okWrite })
  console.log(`load: ${r.opsPerSecond.toFixed(0)} inserts/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}`)
} finally {
  for (const p of procs) await p.stop('SIGTERM')
}

const file = readdirSync(profDir).find((f) => f.includes(`.${leaderPid}.`))
if (!file) throw new Error(`no profile for the leader (pid ${leaderPid}) in ${profDir}`)
const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile
mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
copyFileSync(join(profDir, file), join(ROOT, 'bench/results/leader.cpuprofile'))
rmSync(profDir, { recursive: true, force: true })
for (const p of procs) rmSync(p.dataDir, { recursive: true, force: true })

const { total, byFn, byFile } = selfTimes(profile)
const top = (m: Map<string, number>, n: number) => topShares(m, total, n)
console.log(`\nleader profile: ${(total / 1e6).toFixed(1)} s sampled\n\nself time by file:\n${top(byFile, 20)}\n\nself time by function:\n${top(byFn, 30)}`)
console.log('\nwrote bench/results/leader.cpuprofile')
