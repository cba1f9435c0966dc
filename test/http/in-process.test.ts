// The conformance suite against a node in this process (memory files, real HTTP on loopback).
import { afterAll, beforeAll } from 'vitest'
import { createApi } from '../../src/http/create-api.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { serveHttp, type Served } from '../../runtimes/node/serve.ts'
import { singleNodeSuite } from '../conformance/single-node-suite.ts'

let node: RaftliteNode
let served: Served

beforeAll(async () => {
  node = await RaftliteNode.start({ dataDir: '/data', httpMaxBodyBytes: 2 * 1024 * 1024 }, platformWith(new MemoryFilePort()))
  await node.ready
  served = await serveHttp(createApi(node), '127.0.0.1:0')
})

afterAll(async () => {
  await served.close()
  await node.stop()
})

singleNodeSuite({ url: () => `http://127.0.0.1:${served.port}` })
