/**
 * What observability costs: single-node inserts with metrics on and default logging (the
 * defaults) side by side with `-metrics=false -log-level off -raft-log-level off`, alternating
 * A, B, A, B in one run so the machine's load hits both alike. Each row's note gives the
 * difference; issue 16's target is under 3 % of writes/s.
 */
import { rmSync } from 'node:fs'
import { startRaftlited } from '../test/support/raftlited-process.ts'
import type { Row } from './row.ts'
import { type Budget, insert, measure, okWrite } from './workload.ts'

const OFF = ['-metrics=false', '-log-level', 'off', '-raft-log-level', 'off']

async function oneSide(args: string[], clients: number, budget: Budget): Promise<Row> {
  const node = await startRaftlited({ args })
  try {
    await fetch(`${node.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
    return await measure({ system: 'raftlite 1 node', workload: 'insert', url: node.url, clients, next: insert, ok: okWrite }, budget)
  } finally {
    await node.stop()
    rmSync(node.dataDir, { recursive: true, force: true })
  }
}

/** `rounds` alternations per client count; each side's rows carry the mean of its rounds. */
export async function observeOverheadBench(budget: Budget, rounds = 2): Promise<Row[]> {
  const rows: Row[] = []
  for (const clients of [1, 32]) {
    const on: Row[] = []
    const off: Row[] = []
    // A B, then B A: neither side always runs first (right after the other's node stopped).
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        on.push(await oneSide([], clients, budget))
        off.push(await oneSide(OFF, clients, budget))
      } else {
        off.push(await oneSide(OFF, clients, budget))
        on.push(await oneSide([], clients, budget))
      }
    }
    const mean = (rs: Row[]) => rs.reduce((n, r) => n + r.value, 0) / rs.length
    const [a, b] = [mean(on), mean(off)]
    const cost = ((b - a) / b) * 100
    const note = `observability on ${Math.round(a)}/s vs off ${Math.round(b)}/s: ${cost >= 0 ? 'costs' : 'gains'} ${Math.abs(cost).toFixed(1)} % (${rounds} alternating rounds)`
    const sum = (rs: Row[], k: 'ops' | 'errors') => rs.reduce((n, r) => n + (r[k] ?? 0), 0)
    rows.push({ ...on[0], workload: 'insert, metrics + default logging on', value: a, ops: sum(on, 'ops'), errors: sum(on, 'errors'), note })
    rows.push({ ...off[0], workload: 'insert, metrics + logging off', value: b, ops: sum(off, 'ops'), errors: sum(off, 'errors'), note })
  }
  return rows
}
