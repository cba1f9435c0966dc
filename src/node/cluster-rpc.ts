/**
 * Answers other nodes' requests on the cluster port (already checked for shape by the cluster
 * API): metadata, -bootstrap-expect notices, joins, removals, leadership transfers, and the
 * data work a follower forwards to the leader.
 */
import type { BoundStatement } from '../sqlite/connection.ts'
import type { RaftDriver } from '../cluster/raft-driver.ts'
import type { NodeMeta, RpcRequest, RpcResponse } from '../cluster/rpc.ts'
import type { Message } from '../raft/messages.ts'
import type { Authorizer } from '../auth/authorizer.ts'
import { RAFTLITE_VERSION } from '../version.ts'
import { advertisedApiAddr, apiUrl } from './api-url.ts'
import type { DataPath } from './data-path.ts'
import type { Leadership } from './leadership.ts'
import type { Membership } from './membership.ts'
import type { NodeContext } from './node-context.ts'
import type { PeerRpc } from './peer-rpc.ts'
import { LeaderNotFoundError, NotLeaderError, StoreError } from './store-error.ts'

export interface ClusterRpcContext extends Pick<NodeContext, 'id' | 'options' | 'leader' | 'counters'> {
  peers: Pick<PeerRpc, 'call'>
  /** The users the node checks requests against; null when access control is off. */
  authorizer: Authorizer | null
  isLeader(): boolean
  membership: Pick<Membership, 'notified' | 'addMember' | 'removeMember' | 'removedNotice'>
  /** This node was removed from the cluster: stop if -raft-remove-shutdown says so. */
  stopRemoved(): void
  leadership: Pick<Leadership, 'transfer'>
  data: Pick<DataPath, 'write' | 'serveRequest' | 'serveQuery'> & { checkStatements(statements: BoundStatement[]): void | Promise<void> }
}

export async function handleClusterRpc(ctx: ClusterRpcContext, request: RpcRequest): Promise<RpcResponse> {
  const counter = RPC_COUNTERS[request.op]
  if (counter) ctx.counters.add('cluster', counter)
  const refusal = await checkPermission(ctx.authorizer, request)
  if (refusal) return { ok: false, error: refusal, unauthorized: true }
  try {
    switch (request.op) {
      case 'meta':
        return { ok: true, meta: nodeMeta(ctx) }
      case 'notify':
        return { ok: true, bootstrapped: ctx.membership.notified(request) }
      case 'join':
        if (!ctx.isLeader()) return forwardJoin(ctx, request)
        await ctx.membership.addMember(request)
        return { ok: true }
      case 'removed':
        ctx.membership.removedNotice(request, ctx.stopRemoved)
        return { ok: true }
      case 'remove':
        if (!ctx.isLeader()) return notLeader(ctx)
        await ctx.membership.removeMember(request.id)
        return { ok: true }
      case 'transfer':
        if (!ctx.isLeader()) return notLeader(ctx)
        await ctx.leadership.transfer(request.id, { wait: request.wait })
        return { ok: true }
    }
    if (!ctx.isLeader()) return notLeader(ctx)
    const { statements, transaction, timeoutMs } = request
    switch (request.op) {
      case 'execute':
        await ctx.data.checkStatements(statements)
        return { ok: true, ...(await ctx.data.write(statements, { transaction, timeoutMs }, 'execute', request.queueId)) }
      case 'request': {
        const outcome = await ctx.data.serveRequest(statements, { level: request.level, transaction, timeoutMs })
        return { ok: true, ...outcome }
      }
      case 'query':
        return { ok: true, results: await ctx.data.serveQuery(statements, { level: request.level, transaction, timeoutMs }) }
    }
    // The cluster API checks requests; an op this switch misses is a bug, not a peer's fault.
    throw new Error(`unhandled cluster RPC op ${JSON.stringify((request as { op: unknown }).op)}`)
  } catch (e) {
    if (e instanceof LeaderNotFoundError) return { ok: false, error: e.message, leaderNotFound: true }
    if (e instanceof NotLeaderError) return notLeader(ctx)
    if (e instanceof StoreError) return { ok: false, error: e.message }
    throw e
  }
}

/**
 * The permission check repeated where the work is done (rqlite checks on the receiving node and
 * again on the leader): returns rqlite's refusal text, or undefined when allowed.
 */
async function checkPermission(authorizer: Authorizer | null, request: RpcRequest): Promise<string | undefined> {
  if (!authorizer) return undefined
  const who = request.credentials ?? null
  const refused = (what: string) => `remote ${what} not authorized`
  switch (request.op) {
    case 'meta':
      return undefined
    case 'execute':
      return (await authorizer.allows(who, ['execute'])) ? undefined : refused('Execute')
    case 'query':
      return (await authorizer.allows(who, ['query'])) ? undefined : refused('query')
    case 'request':
      return (await authorizer.allows(who, ['execute', 'query'])) ? undefined : refused('Request')
    case 'remove':
      return (await authorizer.allows(who, ['remove'])) ? undefined : refused('remove')
    case 'transfer':
      return (await authorizer.allows(who, ['leader-ops'])) ? undefined : refused('stepdown')
    case 'notify':
      return (await authorizer.allows(who, ['join'])) ? undefined : refused('notify')
    case 'join': {
      // A voter needs `join`; a read replica `join` or `join-read-only`.
      if (await authorizer.allows(who, ['join'])) return undefined
      if (!request.voter && (await authorizer.allows(who, ['join-read-only']))) return undefined
      return refused('join')
    }
  }
}

/** rqlite's `cluster` counters of requests received, by op. */
const RPC_COUNTERS: Partial<Record<RpcRequest['op'], string>> = {
  meta: 'num_get_node_api_req',
  notify: 'num_notify_req',
  join: 'num_join_req',
  remove: 'num_remove_node_req',
  transfer: 'num_stepdown_req',
  execute: 'num_execute_req',
  query: 'num_query_req',
  request: 'num_request_req',
}

/**
 * A join sent to a follower is passed on to the leader, as rqlite does, so `-join` may name any
 * member. Once only: a leader that lost its leadership meanwhile answers with a hint instead
 * (the joiner follows it), so two nodes that each think the other leads cannot bounce it.
 */
async function forwardJoin(ctx: ClusterRpcContext, request: Extract<RpcRequest, { op: 'join' }>): Promise<RpcResponse> {
  const leader = ctx.leader()
  if (request.forwarded || !leader || leader.id === ctx.id) return notLeader(ctx)
  try {
    return await ctx.peers.call(leader.addr, { ...request, forwarded: true })
  } catch (e) {
    return { ok: false, error: `forwarding join to leader ${leader.addr} failed: ${e instanceof Error ? e.message : String(e)}`, leaderRaftAddr: leader.addr }
  }
}

function notLeader(ctx: Pick<NodeContext, 'id' | 'leader'>): RpcResponse {
  const leader = ctx.leader()
  return leader && leader.id !== ctx.id ? { ok: false, error: 'not leader', notLeader: true, leaderRaftAddr: leader.addr } : { ok: false, error: 'leader not found', leaderNotFound: true }
}

function nodeMeta(ctx: Pick<NodeContext, 'id' | 'options'>): NodeMeta {
  return { id: ctx.id, apiAddr: apiUrl(advertisedApiAddr(ctx.options)), raftAddr: ctx.options.raftAdvAddr, version: `v${RAFTLITE_VERSION}` }
}

/**
 * Raft messages from peers, already checked for shape, stepped into the driver. Returns why some
 * were refused: a snapshot message counts only with its file (the snapshot stream); stepped
 * without one it would fail the install, which the driver takes for a storage failure.
 */
export function stepPeerMessages(id: string, driver: RaftDriver, messages: readonly Message[], emitError: (e: unknown) => void): string | undefined {
  let refused: string | undefined
  for (const m of messages) {
    if (m.to !== id) continue
    if (m.type === 'snapshot') {
      refused = `dropped a snapshot message from ${m.from} (term ${m.term}) that came without its file; snapshots travel on the snapshot stream`
      emitError(new Error(refused))
      continue
    }
    driver.step(m)
  }
  return refused
}
