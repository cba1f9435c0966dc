/** Single-node workloads: one raftlited on the given runtime, clients on keep-alive HTTP. */
import { rmSync } from 'node:fs'
import { type Runtime, startRaftlited } from '../test/support/raftlited-process.ts'
import { RssSampler, rssNote } from './process-rss.ts'
import type { Row } from './row.ts'
import { type Budget, insert, measure, mixed, okMixed, okRead, okWrite, pointSelect } from './workload.ts'

export async function singleNodeBench(runtime: Runtime, budget: Budget): Promise<Row[]> {
  const rows: Row[] = []
  const node = await startRaftlited({ runtime })
  const rss = new RssSampler([node.child.pid!])
  const system = 'raftlite 1 node' as const
  const push = (row: Row) => rows.push({ ...row, runtime })
  try {
    await fetch(`${node.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
    for (const clients of [1, 8, 32]) {
      push(await measure({ system, workload: 'insert (1 statement/request)', url: node.url, clients, next: insert, ok: okWrite }, budget))
    }
    const res = await fetch(`${node.url}/db/query?q=SELECT%20count(*)%20FROM%20bench`)
    const count = Number(JSON.parse(await res.text()).results[0].values[0][0])
    for (const level of ['none', 'weak'] as const) {
      push(await measure({ system, workload: `point select, level=${level}`, url: node.url, clients: 32, next: pointSelect(level, count), ok: okRead }, budget))
    }
    push(await measure({ system, workload: 'mixed 90% weak select / 10% insert', url: node.url, clients: 32, next: mixed(count), ok: okMixed }, budget))
  } finally {
    const peaks = rss.stop()
    await node.stop()
    rmSync(node.dataDir, { recursive: true, force: true })
    if (peaks[0] !== undefined) push({ system, workload: 'peak RSS during the run', clients: 0, value: peaks[0], unit: 'MiB', ops: 0, note: rssNote(peaks) })
  }
  return rows
}
