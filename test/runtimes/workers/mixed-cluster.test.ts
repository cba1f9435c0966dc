// An edge node (a Durable Object under `wrangler dev`) joins two raftlited server processes as a
// voter: it replicates, serves `none` reads locally and `weak` reads through the leader, forwards
// writes, votes in a failover, and restarts with its data while no other member is up.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { FAST_ELECTION, execute, leaderOf, queryText, restartRaftlited, startCluster, waitFor } from '../../support/cluster-processes.ts'
import { writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { type RaftlitedProcess, tempDataDir } from '../../support/raftlited-process.ts'
import { type WranglerDev, restartWranglerDev, startWranglerDev } from '../../support/wrangler-dev-process.ts'

let servers: RaftlitedProcess[]
let edge: WranglerDev

const rows = (text: string) => JSON.parse(text).results[0].values ?? []
const none = (url: string, sql: string) => queryText(url, sql, '&level=none')

async function edgeMember(leader: RaftlitedProcess): Promise<{ reachable: boolean; voter: boolean } | undefined> {
  const nodes = await (await fetch(`${leader.url}/nodes`)).json()
  return nodes['edge-1']
}

/** A WebSocket upgrade request by hand (fetch refuses an Upgrade header): its status and body. */
function upgradeAttempt(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } })
    req.on('upgrade', (_res, socket) => { socket.destroy(); resolve({ status: 101, body: '' }) })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (b: Buffer) => { body += b.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.setTimeout(10_000, () => req.destroy(new Error('no answer to the upgrade request')))
    req.end()
  })
}

// The cluster port is open to the network: members prove the shared secret (HMAC) on every call.
const SECRET = 'edge and servers share this secret'

beforeAll(async () => {
  const secretFile = join(tempDataDir('raftlite-secret-'), 'cluster.secret')
  writeFileSync(secretFile, `${SECRET}\n`)
  servers = await startCluster({ size: 2, extraArgs: ['-cluster-secret-file', secretFile] })
  edge = await startWranglerDev({ vars: { RAFTLITE_CLUSTER_SECRET: SECRET, RAFTLITE_FLAGS: ['-join', servers[0].raftAddr, ...FAST_ELECTION].join(' ') } })
  // The object starts its node on the first request it gets.
  expect((await fetch(`${edge.url}/status`)).status).toBe(200)
  await waitFor('the edge node to be a reachable voter', async () => (await edgeMember(servers[0]))?.reachable === true, 30_000)
}, 150_000)

afterAll(async () => {
  await edge?.stop()
  await Promise.all([...(servers ?? []), ...(survivor ? [survivor] : [])].map((s) => s.stop('SIGKILL')))
})

let survivor: RaftlitedProcess

test('an edge voter replicates, reads at none and weak, and forwards writes', { timeout: 60_000 }, async () => {
  expect(await edgeMember(servers[0])).toMatchObject({ voter: true, reachable: true })
  expect((await execute(servers[0].url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', "INSERT INTO t(v) VALUES('from a server')"])).status).toBe(200)
  await waitFor('the row at the edge (none)', async () => rows(await none(edge.url, 'SELECT v FROM t')).length === 1)
  expect(rows(await queryText(edge.url, 'SELECT v FROM t', '&level=weak'))).toEqual([['from a server']])

  // A write sent to the edge goes to the leader and comes back through the log.
  const written = await execute(edge.url, ["INSERT INTO t(v) VALUES('through the edge')"])
  expect(written.status).toBe(200)
  expect(JSON.parse(written.text).results[0].last_insert_id).toBe(2)
  await waitFor('the edge write on server 2', async () => rows(await none(servers[1].url, 'SELECT count(*) FROM t'))[0][0] === 2)

  // Raft messages leave the object over WebSockets it opened to the servers' Raft ports.
  const vars = await (await fetch(`${edge.url}/debug/vars`)).json()
  expect(vars.cluster.raft_streams_opened).toBeGreaterThan(0)
  expect(vars.cluster.raft_stream_batches).toBeGreaterThan(0)
  // And the servers' messages arrive over streams the object accepted as hibernatable WebSockets
  // (delivered through its webSocketMessage handler).
  expect(vars.edge_streams.raft_streams_accepted).toBeGreaterThan(0)
  expect(vars.edge_streams.raft_stream_frames_received).toBeGreaterThan(0)
  // A stream without the cluster secret's signature is refused before any upgrade.
  const unsigned = await upgradeAttempt(`${edge.url}/raft/stream?from=${encodeURIComponent(`9@${servers[0].raftAddr}`)}`)
  expect(unsigned.status).toBe(401)
  expect(unsigned.body).toContain('cluster authentication failed')
})

test('an edge read replica (non-voter) joins, replicates and serves none reads, forwarding writes', { timeout: 120_000 }, async () => {
  // A second Worker (its own wrangler dev, its own storage and address) with the node id edge-r.
  const replica = await startWranglerDev({
    vars: { RAFTLITE_NODE_ID: 'edge-r', RAFTLITE_CLUSTER_SECRET: SECRET, RAFTLITE_FLAGS: ['-join', servers[0].raftAddr, '-raft-non-voter', ...FAST_ELECTION].join(' ') },
  })
  try {
    expect((await fetch(`${replica.url}/status`)).status).toBe(200)
    const leader = await waitFor('a leader', () => leaderOf(servers))
    const member = await waitFor('the replica listed and reachable', async () => {
      const nodes = await (await fetch(`${leader.url}/nodes?nonvoters`)).json()
      return nodes['edge-r']?.reachable ? nodes['edge-r'] : undefined
    }, 30_000)
    expect(member.voter).toBe(false)
    await waitFor('the rows at the replica (none)', async () => rows(await none(replica.url, 'SELECT count(*) FROM t'))[0][0] === 2, 30_000)
    const written = await execute(replica.url, ["INSERT INTO t(v) VALUES('through the replica')"])
    expect(written.status).toBe(200)
    await waitFor('the replica write on a server', async () => rows(await none(leader.url, "SELECT count(*) FROM t WHERE v = 'through the replica'"))[0][0] === 1)
    expect((await execute(leader.url, ["DELETE FROM t WHERE v = 'through the replica'"])).status).toBe(200)
    await waitFor('the delete at the replica', async () => rows(await none(replica.url, 'SELECT count(*) FROM t'))[0][0] === 2)
  } finally {
    await replica.stop()
  }
})

test('with the leader killed, the edge voter helps elect a new one and writes go on', { timeout: 90_000 }, async () => {
  const leader = await waitFor('a leader', () => leaderOf(servers))
  survivor = servers.find((s) => s !== leader)!
  const idOf = (p: RaftlitedProcess) => (p === servers[0] ? '1' : '2')
  await waitFor('the edge reachable from the leader', async () => (await edgeMember(leader))?.reachable === true, 30_000)
  await leader.stop('SIGKILL')
  // Two of three voters remain: the surviving server and the edge. Without the edge's vote there
  // is no quorum and no new leader.
  const next = await waitFor('a new leader', async () => {
    const status = await (await fetch(`${edge.url}/status`)).json()
    const id = status.store.leader.node_id
    return id !== '' && id !== idOf(leader) ? id : undefined
  }, 30_000)
  expect(['edge-1', idOf(survivor)]).toContain(next)
  const written = await waitFor('a write after the failover', async () => {
    const res = await execute(edge.url, ["INSERT INTO t(v) VALUES('after the failover')"])
    return res.status === 200 && !res.text.includes('error') ? res : undefined
  }, 30_000)
  expect(JSON.parse(written.text).results[0].rows_affected).toBe(1)
  await waitFor('the write on the surviving server', async () => rows(await none(survivor.url, "SELECT count(*) FROM t WHERE v = 'after the failover'"))[0][0] === 1)
})

test('the edge restarts with its data from its own storage, and rejoins its peer', { timeout: 150_000 }, async () => {
  const all = [['from a server'], ['through the edge'], ['after the failover']]
  await waitFor('the last write applied at the edge', async () => rows(await none(edge.url, 'SELECT count(*) FROM t'))[0][0] === 3)
  const raftOf = async () => (await (await fetch(`${edge.url}/status`)).json()).store.raft
  const before = await raftOf()
  await edge.stop()
  await survivor.stop('SIGKILL')
  // No other member is up: what the edge has now came from its object's storage. Its whole log
  // is there; it applies what its last fsynced commit mark covers (as a node on any runtime:
  // a commit learned without new entries is not fsynced), the rest once a leader confirms it.
  edge = await restartWranglerDev(edge)
  const seen = rows(await none(edge.url, 'SELECT v FROM t ORDER BY id'))
  expect(seen.length).toBeGreaterThanOrEqual(2)
  expect(seen).toEqual(all.slice(0, seen.length))
  expect((await raftOf()).last_log_index).toBe(before.last_log_index)

  survivor = await restartRaftlited(survivor)
  const written = await waitFor('a write once the pair has a leader again', async () => {
    const res = await execute(edge.url, ["INSERT INTO t(v) VALUES('after both restarted')"])
    return res.status === 200 && !res.text.includes('error') ? res : undefined
  }, 60_000)
  expect(JSON.parse(written.text).results[0].rows_affected).toBe(1)
  await waitFor('the write on the server', async () => rows(await none(survivor.url, 'SELECT count(*) FROM t'))[0][0] === 4)
  await waitFor('every row at the edge', async () => rows(await none(edge.url, 'SELECT count(*) FROM t'))[0][0] === 4)
  expect(rows(await none(edge.url, 'SELECT v FROM t ORDER BY id'))).toEqual([...all, ['after both restarted']])
})
