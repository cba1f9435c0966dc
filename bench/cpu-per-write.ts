/**
 * `npx tsx bench/cpu-per-write.ts` — where the CPU of a key/value upsert goes on a 3-node Node
 * cluster under 32 clients (issue #19): CPU ms per committed write for each node's threads
 * (user + system, from /proc: the main thread, then the others by tid — the engine worker is
 * the busiest of those, libuv's pool next), the load generator's own, and each node's Raft
 * stream frames per write. Unlike a sampling profile, which charges a thread for the time it
 * lost to the one it woke (a socket write to a follower on loopback, a `postMessage`), this
 * counts only CPU used. `ARGS=-db-engine,thread` passes daemon flags. Bounded: 8 s of load.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { leaderOf, startCluster } from '../test/support/cluster-processes.ts'
import { runLoad } from './http-load.ts'
import { okWrite } from './workload.ts'
import { CREATE_KV, fillKv, kvUpsert } from './write-shapes.ts'

const extraArgs = (process.env.ARGS ?? '').split(',').filter(Boolean)

/** CPU seconds so far of each thread of `pid`, by tid ('main' for the main thread). */
function threadSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
      out.set(tid === String(pid) ? 'main' : tid, (Number(fields[11]) + Number(fields[12])) / 100) // utime, stime (USER_HZ 100)
    } catch {
      // the thread ended meanwhile
    }
  }
  return out
}

async function streamBatches(url: string): Promise<number> {
  const vars = (await (await fetch(`${url}/debug/vars`)).json()) as { cluster?: { raft_stream_batches?: number } }
  return vars.cluster?.raft_stream_batches ?? 0
}

const procs = await startCluster({ size: 3, fast: false, extraArgs })
try {
  const leader = (await leaderOf(procs)) ?? procs[0]
  const url = leader.url
  await fetch(`${url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([CREATE_KV]) })
  await fillKv(url)
  await runLoad(url, { clients: 32, next: kvUpsert, ok: okWrite, seconds: 2, maxOps: 5000 })
  const pids = procs.map((p) => p.child.pid!)
  const before = pids.map(threadSeconds)
  const frames = await Promise.all(procs.map((p) => streamBatches(p.url)))
  const own = process.cpuUsage()
  const r = await runLoad(url, { clients: 32, next: kvUpsert, ok: okWrite, seconds: 8, maxOps: 100_000 })
  const ownUsed = process.cpuUsage(own)
  const writes = r.ops - r.errors
  const framesAfter = await Promise.all(procs.map((p) => streamBatches(p.url)))
  let total = 0
  const lines = pids.map((pid, i) => {
    const used = [...threadSeconds(pid)].map(([tid, s]) => [tid, ((s - (before[i].get(tid) ?? 0)) * 1000) / writes] as const)
    const busy = used.filter(([, ms]) => ms >= 0.002).sort((a, b) => (a[0] === 'main' ? -1 : b[0] === 'main' ? 1 : b[1] - a[1]))
    const sum = used.reduce((a, [, ms]) => a + ms, 0)
    total += sum
    const role = procs[i] === leader ? 'leader' : 'follower'
    return `${role.padEnd(8)} ${sum.toFixed(3)} ms (${busy.map(([tid, ms]) => `${tid === 'main' ? 'main' : `#${tid}`} ${ms.toFixed(3)}`).join(', ')}); ${((framesAfter[i] - frames[i]) / writes).toFixed(2)} stream frames`
  })
  console.log(`${writes} upserts in ${r.seconds.toFixed(1)} s (${Math.round(writes / r.seconds)}/s, ${r.errors} errors)${extraArgs.length ? `, ${extraArgs.join(' ')}` : ''}: CPU ms per write`)
  for (const line of lines) console.log(`  ${line}`)
  console.log(`  3 nodes  ${total.toFixed(3)} ms; load generator ${((ownUsed.user + ownUsed.system) / 1000 / writes).toFixed(3)} ms`)
} finally {
  for (const p of procs) await p.stop('SIGKILL')
}
