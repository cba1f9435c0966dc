// An append whose entries break Raft's log invariants (not consecutive after its prev index,
// terms going down, or above the sender's term) is refused at the cluster port. Well-typed, it
// used to pass the shape check and reach the log store, whose refusal stopped the node.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { encodeWire } from '../../src/cluster/wire.ts'
import { checkMessage } from '../../src/cluster/message-shape.ts'
import { ShapeError } from '../../src/cluster/shape-check.ts'
import { startTestNode, type TestNode } from './in-process-cluster.ts'

const entry = (index: number, term: number) => ({ index, term, type: 'normal', data: new Uint8Array() })
const append = (term: number, index: number, logTerm: number, entries: unknown[]) =>
  ({ type: 'append', from: 'evil', to: 'n1', term, index, logTerm, commit: 0, entries })

test('the shape check refuses entries that no leader could send, and takes those one could', () => {
  const refused = [
    append(5, 10, 3, [entry(12, 5)]), // a gap after the prev index
    append(5, 10, 3, [entry(11, 5), entry(13, 5)]), // a gap between entries
    append(5, 10, 3, [entry(10, 5)]), // overlaps the prev index
    append(5, 10, 3, [entry(11, 4), entry(12, 3)]), // terms go down
    append(5, 10, 3, [entry(11, 2)]), // below the prev entry's term
    append(5, 10, 3, [entry(11, 6)]), // above the sender's term
  ]
  for (const m of refused) expect(() => checkMessage(m), JSON.stringify(m.entries)).toThrow(ShapeError)
  expect(checkMessage(append(5, 10, 3, [entry(11, 3), entry(12, 5), entry(13, 5)]))).toBeTruthy()
  expect(checkMessage(append(5, 10, 3, []))).toBeTruthy()
})

let n: TestNode
let stopped = false

beforeAll(async () => {
  n = await startTestNode('n1')
  await n.node.ready
  n.node.addEventListener('stopped', () => (stopped = true))
}, 30_000)

afterAll(async () => {
  await n.stop()
})

test('an append with non-consecutive entries is answered 400 and the node keeps serving', async () => {
  const { term, lastIndex } = n.node.raftStatus()
  const message = append(term + 1, lastIndex, term, [entry(lastIndex + 1, term + 1), entry(lastIndex + 5, term + 1)])
  const res = await fetch(`http://${n.raftAddr}/raft/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/cbor' },
    body: encodeWire([message]) as Uint8Array<ArrayBuffer>,
  })
  expect(res.status).toBe(400)
  await new Promise((r) => setTimeout(r, 300)) // the driver would have persisted it by now
  expect(stopped).toBe(false)
  const w = await fetch(`${n.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE IF NOT EXISTS alive (x)"]' })
  expect(await w.text()).toBe('{"results":[{}]}')
}, 20_000)
