// A leader whose shutdown hand-over never completes stops polling once stop() returns
// (issue 24 item 7): no timer of the node outlives it.
import { expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { globalTimers, type Timers } from '../../src/ports/timers.ts'
import { decodeMessages, encodeMessages } from '../../src/cluster/wire.ts'
import { serveCluster } from '../../runtimes/node/serve-cluster.ts'
import { serveHttp } from '../../runtimes/node/serve.ts'
import { freePort } from '../support/free-port.ts'
import { until } from './in-process-cluster.ts'

test('stop() leaves no polling behind when the leadership transfer never completes', async () => {
  let timersSet = 0
  const counting: Timers = {
    setTimeout: (fn, ms) => {
      timersSet++
      return globalTimers.setTimeout(fn, ms)
    },
    defer: (fn) => globalTimers.defer(fn),
  }
  // The leader's messages reach the follower, except the one that would make it take over.
  const dropTimeoutNow: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/raft/messages') && init?.body instanceof Uint8Array) {
      const kept = decodeMessages(init.body).filter((m) => m.type !== 'timeoutNow')
      init = { ...init, body: encodeMessages(kept) as Uint8Array<ArrayBuffer> }
    }
    return fetch(input, init)
  }
  const addrs = async () => ({ httpAddr: `127.0.0.1:${await freePort()}`, raftAddr: `127.0.0.1:${await freePort()}` })
  const a = await addrs()
  const leader = await RaftliteNode.start(
    { dataDir: '/a', nodeId: 'a', ...a, raftElectionTimeoutMs: 300, raftHeartbeatTimeoutMs: 300 },
    platformWith(new MemoryFilePort(), { timers: counting }),
    { fetch: dropTimeoutNow },
  )
  const leaderServers = [await serveCluster(leader, a.raftAddr), await serveHttp(leader.api(), a.httpAddr)]
  await leader.ready
  const b = await addrs()
  const follower = await RaftliteNode.start(
    { dataDir: '/b', nodeId: 'b', ...b, join: [a.raftAddr], raftElectionTimeoutMs: 300, raftHeartbeatTimeoutMs: 300, joinIntervalMs: 200 },
    platformWith(new MemoryFilePort()),
  )
  const followerServers = [await serveCluster(follower, b.raftAddr), await serveHttp(follower.api(), b.httpAddr)]
  try {
    await follower.ready
    await until('two voters', () => leader.members().length === 2 && leader.isLeader)
    await leader.stop() // the hand-over is bounded (4 election timeouts) and fails
    const after = timersSet
    await new Promise((r) => setTimeout(r, 300))
    expect(timersSet - after).toBeLessThanOrEqual(1) // at most the poll already waiting
  } finally {
    for (const s of [...leaderServers, ...followerServers]) await s.close()
    await follower.stop()
  }
}, 30_000)
