/** Restart time: process start to a served query, for a node holding a large database. */
import { rmSync } from 'node:fs'
import { type RaftlitedProcess, restartRaftlited, startRaftlited } from '../test/support/raftlited-process.ts'
import { waitFor } from '../test/support/cluster-processes.ts'
import type { Row } from './row.ts'

const json = { 'Content-Type': 'application/json' }

/** Fills table `big` with `sizeMiB` of random 1 MiB blobs, 64 MiB per statement. */
export async function fillMiB(url: string, sizeMiB: number): Promise<void> {
  await fetch(`${url}/db/execute`, { method: 'POST', headers: json, body: '["CREATE TABLE IF NOT EXISTS big (id INTEGER PRIMARY KEY, b BLOB)"]' })
  for (let written = 0; written < sizeMiB; written += 64) {
    const chunk = Math.min(64, sizeMiB - written)
    const sql = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${chunk}) INSERT INTO big(b) SELECT randomblob(1048576) FROM c`
    const res = await fetch(`${url}/db/execute?timeout=120s`, { method: 'POST', headers: json, body: JSON.stringify([sql]) })
    const text = await res.text()
    if (!res.ok || text.includes('"error"')) throw new Error(`filling the database failed: HTTP ${res.status} ${text}`)
  }
}

export const sizeLabel = (mib: number) => (mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`)

/** Snapshot first, then one more write so a log tail is replayed too, as after a real crash-free stop. */
export async function restartTime(sizeMiB: number): Promise<Row> {
  let node: RaftlitedProcess = await startRaftlited({})
  try {
    await fillMiB(node.url, sizeMiB)
    await fetch(`${node.url}/snapshot`, { method: 'POST' })
    await fetch(`${node.url}/db/execute`, { method: 'POST', headers: json, body: '["INSERT INTO big(b) VALUES (x\'00\')"]' })
    await node.stop('SIGTERM')
    const started = performance.now()
    node = await restartRaftlited(node)
    const text = await waitFor('the restarted node to answer', async () => {
      const t = await (await fetch(`${node.url}/db/query?q=SELECT%20count(*)%20FROM%20big`)).text()
      return t.includes('"values"') ? t : undefined
    })
    const seconds = (performance.now() - started) / 1000
    const vars = JSON.parse(await (await fetch(`${node.url}/debug/vars`)).text())
    const fast = vars.store.num_restores_start_skipped === 1
    return {
      system: 'raftlite 1 node',
      workload: `restart to first query, ${sizeLabel(sizeMiB)} database`,
      clients: 0,
      value: seconds,
      unit: 's',
      ops: 0,
      note: `${fast ? 'fast path (file kept)' : 'snapshot restored'}; ${JSON.parse(text).results[0].values[0][0]} blobs`,
    }
  } finally {
    await node.stop('SIGKILL')
    rmSync(node.dataDir, { recursive: true, force: true })
  }
}
