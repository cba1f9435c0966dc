/**
 * Peer: a 3-member etcd cluster on loopback (Debian's etcd-server), driven through its v3 JSON
 * gateway (/v3/kv/put, /v3/kv/range) with the same keep-alive HTTP load generator as raftlite.
 * Clients talk to the leader, as ours do.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../test/support/free-port.ts'
import { RssSampler, rssNote } from '../process-rss.ts'
import type { Row } from '../row.ts'
import { type Budget, measure } from '../workload.ts'
import { runLoad } from '../http-load.ts'
import { KV_KEYS, kvKey, kvValue, TXN_STATEMENTS } from '../write-shapes.ts'
import { type PeerProcess, spawnPeer, waitUntil } from './peer-process.ts'

const system = 'etcd 3 members' as const
const b64 = (s: string) => Buffer.from(s).toString('base64')
const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) })
  return { ok: res.ok, json: (await res.json()) as Record<string, any> }
}

export async function etcdBench(budget: Budget): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'raftlite-bench-etcd-'))
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()))
  const members = [0, 1, 2].map((i) => ({ name: `m${i + 1}`, client: `http://127.0.0.1:${ports[i]}`, peer: `http://127.0.0.1:${ports[i + 3]}` }))
  const initialCluster = members.map((m) => `${m.name}=${m.peer}`).join(',')
  const procs: PeerProcess[] = members.map((m) =>
    spawnPeer('etcd', [
      '--name', m.name, '--data-dir', join(dir, m.name),
      '--listen-client-urls', m.client, '--advertise-client-urls', m.client,
      '--listen-peer-urls', m.peer, '--initial-advertise-peer-urls', m.peer,
      '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'raftlite-bench',
      '--logger', 'zap', '--log-level', 'error',
    ]),
  )
  const rows: Row[] = []
  const rss = new RssSampler(procs.map((p) => p.child.pid ?? -1))
  try {
    await waitUntil('etcd', async () => (await Promise.all(members.map(async (m) => (await post(`${m.client}/v3/kv/put`, { key: b64('ready'), value: b64('1') })).ok))).every(Boolean), procs)
    const url = await leaderUrl(members.map((m) => m.client))
    const put = (i: number) => ({ method: 'POST' as const, path: '/v3/kv/put', body: JSON.stringify({ key: b64(`k${i}`), value: b64(`name-${i}:${i}`) }) })
    const okPut = (status: number, body: string) => status === 200 && body.includes('"revision"')
    for (const clients of [1, 8, 32]) rows.push(await measure({ system, workload: 'put', url, clients, next: put, ok: okPut }, budget))
    rows.push(...(await updateShapes(url, okPut, budget)))
    const okRange = (status: number, body: string) => status === 200 && body.includes('"kvs"')
    for (const serializable of [false, true]) {
      const range = (i: number) => ({ method: 'POST' as const, path: '/v3/kv/range', body: JSON.stringify({ key: b64(`k${i % 1000}`), serializable }) })
      rows.push(await measure({ system, workload: `range, ${serializable ? 'serializable' : 'linearizable'}`, url, clients: 32, next: range, ok: okRange }, budget))
    }
  } finally {
    const peaks = rss.stop()
    await Promise.all(procs.map((p) => p.stop()))
    rmSync(dir, { recursive: true, force: true })
    const known = peaks.filter((p): p is number => p !== undefined)
    if (known.length) rows.push({ system, workload: 'peak RSS during the run', clients: 0, value: Math.max(...known), unit: 'MiB', ops: 0, note: rssNote(peaks) })
  }
  return rows
}

/**
 * The equivalents of bench/write-shapes.ts: puts of existing keys with 128-byte values (for the
 * key/value upsert and the update by id), and a txn of ten puts of distinct keys.
 */
async function updateShapes(url: string, okPut: (status: number, body: string) => boolean, budget: Budget): Promise<Row[]> {
  const put = (i: number) => ({ method: 'POST' as const, path: '/v3/kv/put', body: JSON.stringify({ key: b64(kvKey(i)), value: b64(kvValue(i)) }) })
  const filled = await runLoad(url, { clients: 32, next: (i) => ({ ...put(i), body: JSON.stringify({ key: b64(kvKey(i)), value: b64(kvValue(0)) }) }), ok: okPut, seconds: 60, maxOps: KV_KEYS })
  if (filled.errors > 0) throw new Error(`filling etcd failed: ${filled.firstError}`)
  const rows: Row[] = []
  for (const clients of [1, 32]) rows.push(await measure({ system, workload: 'put of existing keys (128-byte values)', url, clients, next: put, ok: okPut }, budget))
  const txn = (i: number) => ({
    method: 'POST' as const,
    path: '/v3/kv/txn',
    body: JSON.stringify({ success: Array.from({ length: TXN_STATEMENTS }, (_, j) => ({ request_put: { key: b64(kvKey(i * TXN_STATEMENTS + j)), value: b64(kvValue(i)) } })) }),
  })
  const okTxn = (status: number, body: string) => status === 200 && body.includes('"succeeded":true')
  rows.push(await measure({ system, workload: `txn of ${TXN_STATEMENTS} puts (txns/s)`, url, clients: 32, next: txn, ok: okTxn }, budget))
  return rows
}

/** The member whose status names itself as leader (ids are uint64 strings in the gateway). */
async function leaderUrl(clients: string[]): Promise<string> {
  for (const url of clients) {
    const { json } = await post(`${url}/v3/maintenance/status`, {})
    if (json.leader && json.leader === json.header?.member_id) return url
  }
  return clients[0]
}
