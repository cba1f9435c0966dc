// The leader's second check, op by op: forwarded work needs the same permissions as on the HTTP
// API, joins need `join` (a read replica `join` or `join-read-only`), and refusals carry rqlite's
// texts.
import { Counters } from '../../src/node/counters.ts'
import { expect, test } from 'vitest'
import { Authorizer } from '../../src/auth/authorizer.ts'
import { checkUsers } from '../../src/auth/users.ts'
import type { RpcRequest } from '../../src/cluster/rpc.ts'
import { type ClusterRpcContext, handleClusterRpc } from '../../src/node/cluster-rpc.ts'
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from '../../src/node/node-options.ts'

const authorizer = new Authorizer(
  checkUsers([
    { username: 'admin', password: 'a', perms: ['all'] },
    { username: 'replica', password: 'r', perms: ['join-read-only'] },
    { username: 'reader', password: 'q', perms: ['query'] },
  ]),
)
const done: string[] = []
const ctx: ClusterRpcContext = {
  id: '1',
  options: { ...DEFAULT_NODE_OPTIONS, dataDir: '/d', nodeId: '1', httpAdvAddr: 'h:1', raftAdvAddr: 'r:1' } as NodeOptions,
  leader: () => ({ id: '1', addr: 'r:1', apiAddr: 'http://h:1' }),
  isLeader: () => true,
  authorizer,
  counters: new Counters(),
  peers: { call: async () => ({ ok: false, error: 'no peers here' }) },
  stopRemoved: () => {},
  membership: { notified: () => (done.push('notify'), false), addMember: async () => void done.push('join'), removeMember: async () => void done.push('remove'), removedNotice: () => {} },
  leadership: { transfer: async () => void done.push('transfer') },
  data: { checkStatements: () => {}, write: async () => (done.push('write'), { results: [], raftIndex: 1 }), serveRequest: async () => (done.push('request'), { results: [] }), serveQuery: async () => (done.push('query'), []) },
}

const as = (username: string, password: string) => ({ credentials: { username, password } })
const work = { statements: [{ sql: 'SELECT 1', positional: [], named: null }], transaction: false, timeoutMs: 0 }

test.each<[RpcRequest, string]>([
  [{ op: 'execute', ...work }, 'remote Execute not authorized'],
  [{ op: 'query', ...work, level: 'weak' }, 'remote query not authorized'],
  [{ op: 'request', ...work, level: 'weak' }, 'remote Request not authorized'],
  [{ op: 'remove', id: '2' }, 'remote remove not authorized'],
  [{ op: 'transfer', id: '2', wait: false }, 'remote stepdown not authorized'],
  [{ op: 'notify', id: '2', raftAddr: 'r:2', apiAddr: 'h:2' }, 'remote notify not authorized'],
  [{ op: 'join', id: '2', raftAddr: 'r:2', apiAddr: 'h:2', voter: true }, 'remote join not authorized'],
])('%o refused without credentials, allowed for a user with all', async (request, refusal) => {
  done.length = 0
  expect(await handleClusterRpc(ctx, request)).toEqual({ ok: false, error: refusal, unauthorized: true })
  expect(await handleClusterRpc(ctx, { ...request, ...as('admin', 'wrong') })).toEqual({ ok: false, error: refusal, unauthorized: true })
  expect(done).toEqual([])
  expect((await handleClusterRpc(ctx, { ...request, ...as('admin', 'a') })).ok).toBe(true)
  expect(done).toHaveLength(1)
})

test('join-read-only lets a read replica join, not a voter; query alone does not allow a request', async () => {
  const join = { op: 'join', id: '3', raftAddr: 'r:3', apiAddr: 'h:3' } as const
  expect((await handleClusterRpc(ctx, { ...join, voter: false, ...as('replica', 'r') })).ok).toBe(true)
  expect(await handleClusterRpc(ctx, { ...join, voter: true, ...as('replica', 'r') })).toMatchObject({ ok: false, error: 'remote join not authorized' })
  expect((await handleClusterRpc(ctx, { op: 'query', ...work, level: 'weak', ...as('reader', 'q') })).ok).toBe(true)
  expect(await handleClusterRpc(ctx, { op: 'request', ...work, level: 'weak', ...as('reader', 'q') })).toMatchObject({ ok: false, error: 'remote Request not authorized' })
  expect((await handleClusterRpc(ctx, { op: 'meta' })).ok).toBe(true)
})
