// A peer's answer to a gap fill is untrusted input: every group is checked before it is queued.
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { fetchChanges } from '../../src/cdc/gap-filler.ts'

let server: Server
let url = ''
let reply = ''
beforeAll(async () => {
  // A real HTTP peer on loopback that answers whatever the test sets.
  server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end(reply))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => server.close())

const sse = (...groups: unknown[]) => groups.map((g, i) => `id: ${i}\ndata: ${JSON.stringify(g)}\n\n`).join('')
const get = () => fetchChanges(fetch, url, 10, 20, 5000, 10_000)

it('takes well-formed groups in the range', async () => {
  reply = sse([11, 5, [['t', '{"op":"INSERT","table":"t","new_row_id":9007199254740993}']]], [20, 6, [['u', '{"op":"DELETE"}']]])
  expect(await get()).toEqual([
    { index: 11, timestampMs: 5, events: [{ table: 't', json: '{"op":"INSERT","table":"t","new_row_id":9007199254740993}' }] },
    { index: 20, timestampMs: 6, events: [{ table: 'u', json: '{"op":"DELETE"}' }] },
  ])
})

it('refuses groups outside the range, malformed ones, event text that is not a JSON object, and floods', async () => {
  const cases: [string, RegExp][] = [
    [sse([21, 5, [['t', '{}']]]), /sent index 21 outside \(10, 20\]/],
    [sse([10, 5, [['t', '{}']]]), /sent index 10 outside/],
    [sse({ index: 11 }), /malformed group/],
    [sse([11, 5, []]), /malformed group/],
    [sse([11, 5, [['t', '{"op":']]]), /malformed group/],
    [sse([11, 5, [['t', '1]}, {"x":1']]]), /malformed group/],
    ['data: {not json\n\n', /not JSON/],
    [sse(...Array.from({ length: 200 }, (_, i) => [11 + (i % 9), 5, [['t', '{"op":"INSERT","pad":"' + 'x'.repeat(100) + '"}']]])), /sent more than 10000 bytes/],
  ]
  for (const [body, message] of cases) {
    reply = body
    await expect(get(), body.slice(0, 60)).rejects.toThrow(message)
  }
})
