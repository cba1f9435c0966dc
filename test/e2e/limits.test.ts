// Limits with clear errors, against a real raftlited on Node: statements per request, parameters
// per statement, connections per client address, and clients that trickle their headers or body.
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'
import { waitFor } from '../support/cluster-processes.ts'

let node: RaftlitedProcess
beforeAll(async () => {
  node = await startRaftlited({
    args: ['-http-max-result-bytes', '20000', '-http-max-statements', '3', '-http-max-params', '2', '-http-max-conns-per-client', '4', '-http-read-header-timeout', '600ms', '-http-read-timeout', '1500ms'],
  })
}, 30_000)
afterAll(async () => {
  await node.stop('SIGKILL')
})

const post = async (body: unknown, path = '/db/execute') => {
  const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, text: await res.text() }
}

test('a query result over -http-max-result-bytes is answered with an error; smaller ones are not', async () => {
  const big = await post(['WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 5000) SELECT x, printf(\'%020d\', x) FROM c'], '/db/query')
  expect(big).toEqual({ status: 200, text: '{"results":[],"error":"query result too large: over 20000 bytes (-http-max-result-bytes), stopped reading after 435 rows; select fewer rows or columns"}' })
  // Ten million rows: the read loop stops at the cap (by row count), the node stays up.
  const huge = await post(['WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 10000000) SELECT x FROM c'], '/db/query')
  expect(huge.status).toBe(200)
  const stopped = /^\{"results":\[\],"error":"query result too large: over 20000 bytes \(-http-max-result-bytes\), stopped reading after (\d+) rows; select fewer rows or columns"\}$/.exec(huge.text)
  expect(stopped, huge.text).not.toBeNull()
  expect(Number(stopped![1])).toBeLessThanOrEqual(20000 / 23 + 1) // each row counts at least 23 bytes
  expect((await fetch(`${node.url}/readyz`)).status).toBe(200)
  const small = await post(['WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 50) SELECT x FROM c'], '/db/query')
  expect(small.status).toBe(200)
  expect(small.text).toContain('[50]]')
})

test('too many statements, or parameters, are refused with 400 and the numbers', async () => {
  expect(await post(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 4'])).toEqual({ status: 400, text: 'too many statements: 4 (at most 3 per request)\n' })
  expect(await post(['SELECT 1', ['SELECT ?, ?, ?', 1, 2, 3]], '/db/query')).toEqual({ status: 400, text: 'statement 2 has 3 parameters (at most 2)\n' })
  expect(await post([['SELECT :a, :b, :c', { a: 1, b: 2, c: 3 }]], '/db/request')).toEqual({ status: 400, text: 'statement 1 has 3 parameters (at most 2)\n' })
  expect((await post(['SELECT 1', ['SELECT ?, ?', 1, 2], 'SELECT 3'], '/db/query')).status).toBe(200)
})

function open(): Promise<Socket> {
  const [host, port] = node.httpAddr.split(':')
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), host, () => resolve(s))
    s.on('error', reject)
  })
}

function answer(s: Socket, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    const done = () => resolve(text)
    s.on('data', (d) => (text += d.toString()))
    s.on('close', done)
    s.on('end', done)
    setTimeout(done, timeoutMs)
  })
}

test('a client address holding too many connections gets 429 for the next one', async () => {
  const held = await Promise.all(Array.from({ length: 4 }, open))
  const extra = await open()
  const refused = await answer(extra)
  expect(refused).toMatch(/^HTTP\/1.1 429 Too Many Requests\r\n/)
  expect(refused).toContain('too many connections from 127.0.0.1 (at most 4)')
  for (const s of held) s.destroy()
  // The node frees a slot when it sees the close, which a loaded machine may take a while to do.
  await waitFor('a slot freed by the closed connections', async () => (await fetch(`${node.url}/status`)).status === 200)
})

test('a client trickling its headers, or its body, is cut off with 408', async () => {
  const headers = await open()
  headers.write('GET /status HTTP/1.1\r\nHost: x\r\n')
  const trickle = setInterval(() => headers.writable && headers.write('X-Slow: 1\r\n'), 200)
  const headerAnswer = await answer(headers)
  clearInterval(trickle)
  expect(headerAnswer).toMatch(/^HTTP\/1.1 408 Request Timeout/)

  const body = await open()
  body.write('POST /db/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n["SELECT 1"')
  const drip = setInterval(() => body.writable && body.write(' '), 200)
  const bodyAnswer = await answer(body)
  clearInterval(drip)
  expect(bodyAnswer).toMatch(/^HTTP\/1.1 408 Request Timeout/)
  expect((await fetch(`${node.url}/status`)).status).toBe(200)
})
