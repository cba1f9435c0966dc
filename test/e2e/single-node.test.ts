// The conformance suite against a real `raftlited` process on Node.js.
import { afterAll, beforeAll } from 'vitest'
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
