// The two clients an ORM driver runs over, for test/orm: the remote client against a real
// raftlited process, and the in-process client of a node in this process (started per file).
import { afterAll, beforeAll } from 'vitest'
import { MemoryFilePort, platformWith, RaftliteNode } from '../../src/mod.ts'
import { createClient } from '../../src/remote-client/mod.ts'
import type { SqlClient } from '../../src/orm/sql-client.ts'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'

export function bothClients(dataDir: string): [string, () => SqlClient][] {
  let proc: RaftlitedProcess
  let node: RaftliteNode
  beforeAll(async () => {
    proc = await startRaftlited()
    node = await RaftliteNode.start({ dataDir }, platformWith(new MemoryFilePort()))
    await node.ready
  }, 60_000)
  afterAll(async () => {
    await Promise.all([proc?.stop(), node?.stop()])
  })
  return [
    ['the remote client', () => createClient(proc.url)],
    ['the in-process client', () => node.client()],
  ]
}
