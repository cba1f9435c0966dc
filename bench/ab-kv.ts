/**
 * A/B of the key/value upsert shape (issue #19) on 3-node Node clusters, alternating in one run
 * so the machine's load cancels out: `npx tsx bench/ab-kv.ts [rounds] -- "ENV=a" "ENV=b" …`.
 * Each round starts a fresh cluster per environment set, fills the 10,000 keys, and measures 32
 * and 1 clients after a warm-up; the medians per set close the run. Beside writes/s, which a
 * loaded machine blurs, it reports the CPU time the three nodes spent per committed write
 * (user + system, all threads, from /proc): a cost that does not depend on what else runs.
 * `AB_READS=1` adds linearizable point selects of the keys at 32 clients, with CPU per read.
 */
import { readFileSync } from 'node:fs'
import { leaderOf, startCluster } from '../test/support/cluster-processes.ts'
import { runLoad } from './http-load.ts'
import { measure, okRead, okWrite } from './workload.ts'
import { CREATE_KV, fillKv, kvKey, kvUpsert } from './write-shapes.ts'

const sep = process.argv.indexOf('--')
const rounds = Number(process.argv[2] && sep !== 2 ? process.argv[2] : 3)
const sets = sep >= 0 ? process.argv.slice(sep + 1) : ['']
const budget = { seconds: Number(process.env.AB_SECONDS ?? 8), maxOps: 200_000, warmupSeconds: 2 }
const results = new Map<string, { w32: number[]; p99: number[]; p50one: number[]; cpu: number[]; reads: number[]; cpuRead: number[]; rss: number[] }>()
const withReads = process.env.AB_READS === '1'
/** A linearizable point select of one of the keys `fillKv` wrote. */
const kvRead = (i: number) => ({ method: 'GET' as const, path: `/db/query?level=linearizable&q=${encodeURIComponent(`SELECT v FROM kv WHERE k = '${kvKey(i * 7919)}'`)}` })
/** CPU seconds (user + system, every thread) a process has used so far. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ 100)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

for (let round = 1; round <= rounds; round++) {
  // Alternate the order, so that no set always runs first (or right after another's cluster).
  for (const set of round % 2 === 1 ? sets : [...sets].reverse()) {
    // NAME=value pairs; a value may hold '=' and, quoted with ", spaces: RAFTLITE_NODE_FLAGS="--a=1 --b=2".
    const pairs = set.match(/[^\s=]+=(?:"[^"]*"|\S*)/g) ?? []
    const env = Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1).replace(/^"|"$/g, '')]))
    // ARGS=-flag,value,… passes daemon flags rather than an environment variable.
    const extraArgs = env.ARGS?.split(',') ?? []
    delete env.ARGS
    const saved = { ...process.env }
    Object.assign(process.env, env)
    const procs = await startCluster({ size: 3, fast: false, extraArgs })
    process.env = saved
    try {
      const url = (await leaderOf(procs))?.url ?? procs[0].url
      await fetch(`${url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([CREATE_KV]) })
      await fillKv(url)
      await runLoad(url, { clients: 32, next: kvUpsert, ok: okWrite, seconds: budget.warmupSeconds, maxOps: 5000 })
      const pids = procs.map((p) => p.child.pid!)
      const cpu0 = pids.map(cpuSeconds)
      const many = await measure({ system: 'raftlite 3 nodes', workload: 'kv', url, clients: 32, next: kvUpsert, ok: okWrite }, { ...budget, warmupSeconds: 0 })
      const cpuMsPerWrite = (1000 * pids.reduce((a, pid, i) => a + cpuSeconds(pid) - cpu0[i], 0)) / many.ops
      const one = await measure({ system: 'raftlite 3 nodes', workload: 'kv', url, clients: 1, next: kvUpsert, ok: okWrite }, { ...budget, seconds: 4 })
      const r = results.get(set) ?? { w32: [], p99: [], p50one: [], cpu: [], reads: [], cpuRead: [], rss: [] }
      let readNote = ''
      if (withReads) {
        const cpuBefore = pids.map(cpuSeconds)
        const reads = await measure({ system: 'raftlite 3 nodes', workload: 'kv read', url, clients: 32, next: kvRead, ok: okRead }, { ...budget, warmupSeconds: 1 })
        const cpuMsPerRead = (1000 * pids.reduce((a, pid, i) => a + cpuSeconds(pid) - cpuBefore[i], 0)) / reads.ops
        r.reads.push(reads.value)
        r.cpuRead.push(cpuMsPerRead)
        readNote = `; linearizable reads ${Math.round(reads.value)}/s errors ${reads.errors}, ${cpuMsPerRead.toFixed(3)} CPU ms/read`
      }
      r.cpu.push(cpuMsPerWrite)
      r.w32.push(many.value)
      r.p99.push(many.p99Ms ?? 0)
      r.p50one.push(one.p50Ms ?? 0)
      results.set(set, r)
      // The largest peak RSS of the three nodes (VmHWM), MiB.
      const peakRss = Math.max(...pids.map((pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024))
      r.rss.push(peakRss)
      console.log(`round ${round} [${set || 'as is'}]: 32 clients ${Math.round(many.value)}/s p99 ${many.p99Ms?.toFixed(1)} ms errors ${many.errors}, ${cpuMsPerWrite.toFixed(3)} CPU ms/write (3 nodes); 1 client ${Math.round(one.value)}/s p50 ${one.p50Ms?.toFixed(2)} ms${readNote}`)
    } finally {
      for (const p of procs) await p.stop('SIGKILL')
    }
  }
}
for (const [set, r] of results) {
  console.log(`median [${set || 'as is'}]: 32 clients ${Math.round(median(r.w32))}/s, p99 ${median(r.p99).toFixed(1)} ms, ${median(r.cpu).toFixed(3)} CPU ms/write; 1 client p50 ${median(r.p50one).toFixed(2)} ms${withReads ? `; reads ${Math.round(median(r.reads))}/s, ${median(r.cpuRead).toFixed(3)} CPU ms/read` : ''}; peak RSS ${median(r.rss).toFixed(0)} MiB`)
}
