/**
 * Several nodes in this process, each serving its API and cluster port on loopback. On memory
 * files with the database in the thread; with RAFTLITE_TEST_ENGINE=worker, on real files in a
 * temporary directory with the database in a worker (docs/engine.md), as raftlited runs it.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nodePlatform } from '../../runtimes/node/platform.ts'
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

const inWorker = process.env.RAFTLITE_TEST_ENGINE === 'worker'
let workerDirs = ''

export async function startTestNode(id: string, options: Partial<NodeOptions> = {}, overrides: StartOverrides = {}): Promise<TestNode> {
  const httpAddr = `127.0.0.1:${await freePort()}`
  const raftAddr = `127.0.0.1:${await freePort()}`
  const node = await RaftliteNode.start(
    { dataDir: dataDirOf(id), nodeId: id, httpAddr, raftAddr, raftElectionTimeoutMs: 500, raftHeartbeatTimeoutMs: 500, joinIntervalMs: 200, ...options },
    inWorker ? nodePlatform() : platformWith(new MemoryFilePort()),
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

function dataDirOf(id: string): string {
  if (!inWorker) return `/${id}`
  workerDirs ||= mkdtempSync(join(tmpdir(), 'raftlite-worker-nodes-'))
  return join(workerDirs, id)
}

/** Polls `probe` until it returns something (the same helper the process tests use). */
export function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  return waitFor(what, async () => probe(), timeoutMs)
}
