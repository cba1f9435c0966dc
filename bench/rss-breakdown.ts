/**
 * Where a node's resident memory goes under the key/value load (issue #19's RSS target):
 * `npx tsx bench/rss-breakdown.ts [seconds]`. Starts a 3-node cluster, fills the keys, runs
 * 32 clients of upserts, and prints each node's peak RSS and its mappings grouped by kind
 * (anonymous, file-backed, and the largest anonymous regions, which are V8 heaps, WASM memories
 * and malloc arenas), from /proc/<pid>/smaps at the end of the load.
 */
import { readFileSync } from 'node:fs'
import { leaderOf, startCluster } from '../test/support/cluster-processes.ts'
import { RssSampler } from './process-rss.ts'
import { insert, measure, okWrite } from './workload.ts'
import { CREATE_KV, fillKv, kvUpsert } from './write-shapes.ts'

const seconds = Number(process.argv[2] ?? 10)

interface Region { name: string; rssKiB: number; sizeKiB: number }
function regions(pid: number): Region[] {
  const out: Region[] = []
  let current: Region | undefined
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      current = { name: head[3] || '[anon]', rssKiB: 0, sizeKiB: (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024 }
      out.push(current)
    } else if (current && line.startsWith('Rss:')) current.rssKiB = Number(/(\d+)/.exec(line)![1])
  }
  return out
}

const procs = await startCluster({ size: 3, fast: false })
try {
  const url = (await leaderOf(procs))?.url ?? procs[0].url
  const pids = procs.map((p) => p.child.pid!)
  const sampler = new RssSampler(pids, 100)
  if (process.env.RSS_INSERTS === '1') {
    // The bench's order: appends into a rowid table first, then the key/value shape.
    await fetch(`${url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
    sampler.phase('inserts')
    await measure({ system: 'raftlite 3 nodes', workload: 'insert', url, clients: 32, next: insert, ok: okWrite }, { seconds, maxOps: 500_000, warmupSeconds: 1 })
  }
  await fetch(`${url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([CREATE_KV]) })
  sampler.phase('fill')
  await fillKv(url)
  sampler.phase('kv')
  const r = await measure({ system: 'raftlite 3 nodes', workload: 'kv', url, clients: 32, next: kvUpsert, ok: okWrite }, { seconds, maxOps: 500_000, warmupSeconds: 1 })
  const peaks = sampler.stop()
  console.log(`${r.value.toFixed(0)} writes/s; leader ${url}; peaks by phase: ${[...sampler.phasePeaks].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`)
  for (const [i, pid] of pids.entries()) {
    const rs = regions(pid)
    const byName = new Map<string, number>()
    for (const x of rs) byName.set(x.name, (byName.get(x.name) ?? 0) + x.rssKiB)
    const total = rs.reduce((a, x) => a + x.rssKiB, 0)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (k: string) => /\d+/.exec(new RegExp(`${k}:.*`).exec(status)?.[0] ?? '')?.[0]
    console.log(`\nnode ${i + 1} (pid ${pid}${procs[i].url === url ? ', leader' : ''}): peak ${peaks[i]?.toFixed(0)} MiB, now ${(total / 1024).toFixed(0)} MiB (anon ${field('RssAnon')} KiB, file ${field('RssFile')} KiB), threads ${field('Threads')}`)
    const gcLines = procs[i].stderr().split('\n').filter((l) => /Scavenge|Mark-Compact|Mark-sweep/.test(l))
    if (gcLines.length) console.log(`  ${gcLines.length} GCs traced; last: ${gcLines.at(-1)!.trim()}\n  last major: ${gcLines.filter((l) => /Mark/.test(l)).at(-1)?.trim()}`)
    for (const [name, kib] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`  ${(kib / 1024).toFixed(1).padStart(6)} MiB  ${name}`)
    const anon = rs.filter((x) => x.name === '[anon]').sort((a, b) => b.rssKiB - a.rssKiB).slice(0, 12)
    const reserved = rs.filter((x) => x.name === '[anon]' && x.sizeKiB >= 1024 * 1024)
    console.log(`  reservations of 1 GiB or more (WASM memories): ${reserved.map((x) => `${(x.rssKiB / 1024).toFixed(1)} MiB resident of ${(x.sizeKiB / 1024 / 1024).toFixed(0)} GiB`).join(', ') || 'none'}`)
    const small = rs.filter((x) => x.name === '[anon]' && x.sizeKiB < 1024 * 1024)
    console.log(`  other anonymous: ${(small.reduce((a, x) => a + x.rssKiB, 0) / 1024).toFixed(1)} MiB in ${small.length} regions`)
    console.log('  largest anonymous regions (rss / size MiB): ' + anon.map((x) => `${(x.rssKiB / 1024).toFixed(1)}/${(x.sizeKiB / 1024).toFixed(0)}`).join(', '))
  }
} finally {
  for (const p of procs) await p.stop('SIGKILL')
}
