/**
 * Where the leader's event loop allocates per key/value write (issue #19: garbage collection is
 * its largest single cost): `npx tsx bench/alloc-profile.ts [seconds]`. Starts a 3-node cluster
 * with bench/alloc-sampler.mjs preloaded, warms it up with 32 clients of upserts, samples the
 * leader's allocations (collected objects included) through `seconds` more, and prints bytes
 * allocated per write by the function that allocated them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { leaderOf, startCluster } from '../test/support/cluster-processes.ts'
import { NODE_HEAP_FLAGS } from '../test/support/raftlited-process.ts'
import { measure, okWrite, sleep } from './workload.ts'
import { CREATE_KV, fillKv, kvUpsert } from './write-shapes.ts'

interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }

const seconds = Number(process.argv[2] ?? 6)
const dir = mkdtempSync(join(tmpdir(), 'raftlite-alloc-'))
process.env.RAFTLITE_NODE_FLAGS = [...NODE_HEAP_FLAGS, `--import=${new URL('./alloc-sampler.mjs', import.meta.url).pathname}`].join(' ')
process.env.RAFTLITE_ALLOC_PROFILE_DIR = dir
const procs = await startCluster({ size: 3, fast: false })
try {
  const leader = (await leaderOf(procs)) ?? procs[0]
  const load = { system: 'raftlite 3 nodes' as const, workload: 'kv', url: leader.url, clients: 32, next: kvUpsert, ok: okWrite }
  await fetch(`${leader.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([CREATE_KV]) })
  await fillKv(leader.url)
  await measure(load, { seconds: 4, maxOps: 500_000, warmupSeconds: 1 })
  leader.child.kill('SIGUSR2')
  await sleep(300)
  const r = await measure(load, { seconds, maxOps: 500_000, warmupSeconds: 0 })
  leader.child.kill('SIGUSR2')
  const file = join(dir, `alloc-${leader.child.pid}.json`)
  for (let i = 0; i < 100 && !leader.stderr().includes('alloc-sampler: written'); i++) await sleep(100)
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode }
  const bySite = new Map<string, number>()
  let total = 0
  const walk = (node: ProfileNode) => {
    const f = node.callFrame
    const site = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize)
    total += node.selfSize
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  console.log(`${r.ops} writes (${r.value.toFixed(0)}/s); the leader's event loop allocated ${(total / r.ops / 1024).toFixed(1)} KiB per write`)
  console.log('(sampled every 4 KiB; dist/ line numbers are the bundle\'s)')
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${(bytes / r.ops).toFixed(0).padStart(7)} B  ${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${site}`)
  }
} finally {
  for (const p of procs) await p.stop('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
