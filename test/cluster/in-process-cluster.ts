/** Several nodes in this process, each serving its API and cluster port on loopback. */
import { RaftliteNode, type StartOverrides } from '../../src/node/raftlite-node.ts'
import type { NodeOptions } from '../../src/node/node-options.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { serveHttp, type Served } from '../../runtimes/node/serve.ts'
import { serveCluster } from '../../runtimes/node/serve-cluster.ts'
import { freePort } from '../support/free-port.ts'
import { waitFor } from '../support/cluster-processes.ts'

export interface TestNode {
  node: RaftliteNode
  url: string
  raftAddr: string
  stop(): Promise<void>
}

export async function startTestNode(id: string, options: Partial<NodeOptions> = {}, overrides: StartOverrides = {}): Promise<TestNode> {
  const httpAddr = `127.0.0.1:${await freePort()}`
  const raftAddr = `127.0.0.1:${await freePort()}`
  const node = await RaftliteNode.start(
    { dataDir: `/${id}`, nodeId: id, httpAddr, raftAddr, raftElectionTimeoutMs: 500, raftHeartbeatTimeoutMs: 500, joinIntervalMs: 200, ...options },
    platformWith(new MemoryFilePort()),
    overrides,
  )
  const servers: Served[] = [await serveCluster(node, raftAddr), await serveHttp(node.api(), httpAddr)]
  return {
    node,
    url: `http://${httpAddr}`,
    raftAddr,
    async stop() {
      for (const s of servers) await s.close()
      await node.stop()
    },
  }
}

/** Polls `probe` until it returns something (the same helper the process tests use). */
export function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  return waitFor(what, async () => probe(), timeoutMs)
}
