/**
 * Peer: a 3-node dqlite cluster on loopback (`dqlite-demo` from Debian's go-dqlite): PUT /key
 * writes a row (an UPSERT through Raft), GET /key reads it on the leader. Every node forwards to
 * the leader through the Go client; clients use node 1, the bootstrap node and usual leader.
 * The demo does not retry SQLITE_BUSY: concurrent PUTs partly fail with "database is locked",
 * and only the successful ones are counted.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../test/support/free-port.ts'
import { RssSampler, rssNote } from '../process-rss.ts'
import type { Row } from '../row.ts'
import { type Budget, measure, sleep } from '../workload.ts'
import { type PeerProcess, spawnPeer, waitUntil } from './peer-process.ts'

const system = 'dqlite 3 nodes' as const

export async function dqliteBench(budget: Budget): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'raftlite-bench-dqlite-'))
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()))
  const nodes = [0, 1, 2].map((i) => ({ api: `127.0.0.1:${ports[i]}`, db: `127.0.0.1:${ports[i + 3]}`, dir: join(dir, `n${i + 1}`) }))
  const procs: PeerProcess[] = []
  const rows: Row[] = []
  const ready = (api: string) => async () => (await (await fetch(`http://${api}/ready`, { method: 'PUT', body: '1' })).text()).startsWith('done')
  try {
    // Node 1 bootstraps; the others join it one at a time, as the demo's README does.
    for (const [i, n] of nodes.entries()) {
      procs.push(spawnPeer('dqlite-demo', ['--api', n.api, '--db', n.db, '--dir', n.dir, ...(i > 0 ? ['--join', nodes[0].db] : [])]))
      await waitUntil('dqlite-demo', ready(n.api), procs)
    }
    await sleep(1000) // the joined nodes are promoted to voters in the background
    const rss = new RssSampler(procs.map((p) => p.child.pid ?? -1))
    try {
      const url = `http://${nodes[0].api}`
      const put = (i: number) => ({ method: 'PUT' as const, path: `/k${i}`, body: `name-${i}:${i}` })
      const okPut = (status: number, body: string) => status === 200 && body.startsWith('done')
      for (const clients of [1, 8, 32]) rows.push(await measure({ system, workload: 'PUT', url, clients, next: put, ok: okPut }, budget))
      // The one-client run wrote k0..k(ops-1) without conflicts: read only those.
      const written = Math.max(1, Math.min(1000, rows[0].ops - (rows[0].errors ?? 0)))
      const get = (i: number) => ({ method: 'GET' as const, path: `/k${i % written}` })
      const okGet = (status: number, body: string) => status === 200 && body.startsWith('name-')
      rows.push(await measure({ system, workload: 'GET (on the leader)', url, clients: 32, next: get, ok: okGet }, budget))
    } finally {
      const peaks = rss.stop()
      const known = peaks.filter((p): p is number => p !== undefined)
      if (known.length) rows.push({ system, workload: 'peak RSS during the run', clients: 0, value: Math.max(...known), unit: 'MiB', ops: 0, note: rssNote(peaks) })
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
  return rows
}
