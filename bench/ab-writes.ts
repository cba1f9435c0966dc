/**
 * A/B of 3-node insert throughput between Node flag sets, alternating in one run (the machine's
 * load cancels out): `npx tsx bench/ab-writes.ts [rounds] -- "<flags A>" "<flags B>" …`.
 * Each round starts a fresh cluster per flag set (RAFTLITE_NODE_FLAGS) and measures 1 and 32
 * clients after a warm-up.
 */
import { leaderOf, startCluster } from '../test/support/cluster-processes.ts'
import { insert, measure, okWrite } from './workload.ts'

const sep = process.argv.indexOf('--')
const rounds = Number(process.argv[2] && sep !== 2 ? process.argv[2] : 2)
const sets = sep >= 0 ? process.argv.slice(sep + 1) : ['', '--max-semi-space-size=4 --max-old-space-size=1024']
const budget = { seconds: 5, maxOps: 200_000, warmupSeconds: 1 }

for (let round = 1; round <= rounds; round++) {
  for (const flags of sets) {
    process.env.RAFTLITE_NODE_FLAGS = flags
    const procs = await startCluster({ size: 3, fast: false })
    try {
      const url = (await leaderOf(procs))?.url ?? procs[0].url
      await fetch(`${url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
      const cells: string[] = []
      for (const clients of [1, 32]) {
        const r = await measure({ system: 'raftlite 3 nodes', workload: 'insert', url, clients, next: insert, ok: okWrite }, budget)
        cells.push(`${clients} clients ${Math.round(r.value)}/s p50 ${r.p50Ms?.toFixed(2)} p99 ${r.p99Ms?.toFixed(1)} ms`)
      }
      console.log(`round ${round} [${flags || 'no flags'}]: ${cells.join('; ')}`)
    } finally {
      for (const p of procs) await p.stop('SIGKILL')
    }
  }
}
