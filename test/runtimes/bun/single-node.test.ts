// The conformance suite against a real `raftlited` process on Bun (runtimes/bun/main.ts).
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../../support/raftlited-process.ts'
import { singleNodeSuite } from '../../conformance/single-node-suite.ts'

let proc: RaftlitedProcess

beforeAll(async () => {
  proc = await startRaftlited({ runtime: 'bun', args: ['-http-max-body', '2097152'] })
})

afterAll(async () => {
  await proc?.stop()
})

test('the node really runs on Bun', async () => {
  const status = await (await fetch(`${proc.url}/status`)).json()
  expect(status.runtime.name).toBe('bun')
  expect(status.os.pid).toBe(proc.child.pid)
})

singleNodeSuite({ url: () => proc.url })
