// One data directory, handed from runtime to runtime: Node → Deno → Bun → Node. Each node reads
// everything the previous ones wrote, adds its own rows, and stops; the Deno node is killed
// (SIGKILL) instead, so Bun must also recover its WAL and take over its stale LOCK.
import { expect, test } from 'vitest'
import { freePort } from '../support/free-port.ts'
import { type Runtime, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

const ROWS_PER_NODE = 120

async function request(base: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  expect(res.status).toBe(200)
  return res.json()
}

async function query(base: string, sql: string): Promise<unknown[][]> {
  const out = await request(base, '/db/query', [sql])
  expect(out.results[0].error).toBeUndefined()
  return out.results[0].values ?? []
}

function payload(hop: number, runtime: string, i: number): string {
  return `${hop}-${runtime}-${i}-`.padEnd(300, String.fromCharCode(97 + (i % 26))) // ~300 B: spans many pages
}

test('a data directory opens on every runtime with its data intact', { timeout: 120_000 }, async () => {
  // Same ports every hop: the node ID defaults to the Raft address, and Raft knows only that one.
  const node = { dataDir: tempDataDir('raftlite-xrt-'), httpPort: await freePort(), raftPort: await freePort() }
  const hops: { runtime: Runtime; stop: 'SIGTERM' | 'SIGKILL' }[] = [
    { runtime: 'node', stop: 'SIGTERM' },
    { runtime: 'deno', stop: 'SIGKILL' },
    { runtime: 'bun', stop: 'SIGTERM' },
    { runtime: 'node', stop: 'SIGTERM' },
  ]
  for (const [hop, { runtime, stop }] of hops.entries()) {
    const proc = await startRaftlited({ runtime, ...node })
    try {
      const status = await (await fetch(`${proc.url}/status`)).json()
      expect(status.runtime.name).toBe(runtime)
      if (hop === 0) {
        await request(proc.url, '/db/execute', ['CREATE TABLE t (id INTEGER PRIMARY KEY, hop INTEGER, runtime TEXT, payload TEXT)'])
      }
      // Everything the earlier hops wrote is here.
      expect(await query(proc.url, 'SELECT hop, runtime, count(*) FROM t GROUP BY hop ORDER BY hop')).toEqual(
        hops.slice(0, hop).map((h, i) => [i, h.runtime, ROWS_PER_NODE]),
      )
      // Most rows in one transaction, a few as autocommits: both paths reach the WAL.
      const insert = 'INSERT INTO t (hop, runtime, payload) VALUES (?, ?, ?)'
      const batch = Array.from({ length: ROWS_PER_NODE - 5 }, (_, i) => [insert, hop, runtime, payload(hop, runtime, i)])
      expect((await request(proc.url, '/db/execute?transaction', batch)).results).toHaveLength(ROWS_PER_NODE - 5)
      for (let i = ROWS_PER_NODE - 5; i < ROWS_PER_NODE; i++) {
        await request(proc.url, '/db/execute', [[insert, hop, runtime, payload(hop, runtime, i)]])
      }
      if (hop === 1) await request(proc.url, '/db/execute', ['CREATE INDEX t_runtime ON t (runtime)'])
    } finally {
      const code = await proc.stop(stop)
      if (stop === 'SIGTERM') expect(code, proc.stderr()).toBe(0)
    }
  }

  const last = await startRaftlited({ runtime: 'node', ...node })
  try {
    expect(await query(last.url, 'PRAGMA integrity_check')).toEqual([['ok']])
    expect(await query(last.url, 'SELECT count(*), count(DISTINCT payload) FROM t')).toEqual([[hops.length * ROWS_PER_NODE, hops.length * ROWS_PER_NODE]])
    const rows = await query(last.url, 'SELECT hop, runtime, payload FROM t ORDER BY id')
    expect(rows).toEqual(
      hops.flatMap((h, hop) => Array.from({ length: ROWS_PER_NODE }, (_, i) => [hop, h.runtime, payload(hop, h.runtime, i)])),
    )
    expect(await query(last.url, "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 't_runtime'")).toEqual([['t_runtime']])
  } finally {
    expect(await last.stop()).toBe(0)
  }
})
