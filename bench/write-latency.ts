/**
 * `npx tsx bench/write-latency.ts [writes] [-- node flags…]` — one client's writes to a 3-node
 * cluster, one at a time, and where each one's time goes: the client's p50, and beside it the
 * nodes' own histograms (HTTP request, Raft log fsync) from /metrics, so the gap between the
 * client's latency and the disk's is visible (issue #19's 1-client p50 target).
 */
import { rmSync } from 'node:fs'
import { leaderOf, startCluster } from '../test/support/cluster-processes.ts'

const sep = process.argv.indexOf('--')
const writes = Number(process.argv[2] && sep !== 2 ? process.argv[2] : 400)
const extraArgs = sep >= 0 ? process.argv.slice(sep + 1) : []
const procs = await startCluster({ size: 3, fast: false, extraArgs })
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]

/** The p50 of a Prometheus histogram, from its cumulative buckets (upper bound of the bucket). */
function histogramP50(text: string, name: string, filter = ''): string {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}_bucket{`) && l.includes(filter))
  const buckets = new Map<number, number>()
  for (const l of lines) {
    const le = /le="([^"]+)"/.exec(l)?.[1]
    if (!le) continue
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le)
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(l.split(' ').pop()))
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0])
  const total = sorted.at(-1)?.[1] ?? 0
  const hit = sorted.find(([, n]) => n >= total / 2)
  return hit ? `≤${(hit[0] * 1000).toFixed(2)} ms (n=${total})` : 'none'
}

try {
  const leader = (await leaderOf(procs))!
  const post = (body: string) => fetch(`${leader.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }).then((r) => r.text())
  await post('["CREATE TABLE w (id INTEGER PRIMARY KEY, v TEXT)"]')
  for (let i = 0; i < 50; i++) await post(JSON.stringify([['INSERT INTO w(v) VALUES(?)', 'warm']]))
  const ms: number[] = []
  for (let i = 0; i < writes; i++) {
    const t0 = performance.now()
    await post(JSON.stringify([['INSERT INTO w(v) VALUES(?)', `v${i}`]]))
    ms.push(performance.now() - t0)
  }
  console.log(`client: ${writes} writes one at a time: p50 ${quantile(ms, 0.5).toFixed(2)} ms, p90 ${quantile(ms, 0.9).toFixed(2)} ms, max ${Math.max(...ms).toFixed(2)} ms`)
  for (const p of procs) {
    const text = await (await fetch(`${p.url}/metrics`)).text()
    const role = p === leader ? 'leader  ' : 'follower'
    console.log(`${role} ${p.url}: fsync p50 ${histogramP50(text, 'raftlite_log_fsync_duration_seconds')}; /db/execute p50 ${histogramP50(text, 'raftlite_http_request_duration_seconds', 'route="execute"')}`)
  }
} finally {
  for (const p of procs) {
    await p.stop('SIGKILL')
    rmSync(p.dataDir, { recursive: true, force: true })
  }
}
