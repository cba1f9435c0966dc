/**
 * Baseline: a trivial Node HTTP server in its own process answering every request with a fixed
 * point-select result — the ceiling for `level=none` reads through Node's HTTP stack.
 */
import { freePort } from '../../test/support/free-port.ts'
import type { Row } from '../row.ts'
import { type Budget, measure } from '../workload.ts'
import { spawnPeer, waitUntil } from './peer-process.ts'

const BODY = JSON.stringify({ results: [{ columns: ['id', 'name', 'value'], types: ['integer', 'text', 'integer'], values: [[1, 'name-1', 1]] }] })

export async function trivialServerBench(budget: Budget): Promise<Row[]> {
  const port = await freePort()
  const script = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.setHeader('Content-Type', 'application/json'); s.end(${JSON.stringify(BODY)}) }) }).listen(${port}, '127.0.0.1')`
  const proc = spawnPeer(process.execPath, ['-e', script])
  try {
    const url = `http://127.0.0.1:${port}`
    await waitUntil('the trivial server', async () => (await fetch(url)).ok, [proc])
    const next = (i: number) => ({ method: 'GET' as const, path: `/db/query?level=none&q=${i}` })
    const ok = (status: number, body: string) => status === 200 && body.includes('"values"')
    return [await measure({ system: 'trivial Node HTTP', workload: 'GET, fixed JSON body', url, clients: 32, next, ok }, budget)]
  } finally {
    await proc.stop()
  }
}
