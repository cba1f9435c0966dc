// The conformance suite against a real `raftlited` process on Node.js.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'
import { singleNodeSuite } from '../conformance/single-node-suite.ts'

let proc: RaftlitedProcess

beforeAll(async () => {
  proc = await startRaftlited({ args: ['-http-max-body', '2097152'] })
})

afterAll(async () => {
  await proc?.stop()
})

singleNodeSuite({ url: () => proc.url })

// On Node the API reads a body straight from the server's IncomingMessage (read-body.ts,
// BodySource): a chunked body (no length announced) over the limit still ends in a 413 once the
// limit is passed, and the next request is served.
test('a chunked body over -http-max-body: 413, then the next request works', async () => {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 3 * 1024 * 1024) return controller.close()
      sent += chunk.length
      controller.enqueue(chunk)
    },
  })
  const huge = await fetch(`${proc.url}/db/execute`, { method: 'POST', body, duplex: 'half' } as RequestInit)
  expect(huge.status).toBe(413)
  expect(await huge.text()).toContain('request body too large')
  const ok = await fetch(`${proc.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["SELECT 1"]' })
  expect(ok.status).toBe(200)
})
