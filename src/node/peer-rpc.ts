/** Calls to other nodes' cluster port (`POST /cluster/rpc`, CBOR), and forwarding to the leader. */
import type { Credentials } from '../auth/credentials.ts'
import type { RpcRequest, RpcResponse } from '../cluster/rpc.ts'
import { checkRpcResponse } from '../cluster/rpc-shape.ts'
import { CBOR_TYPE, decodeWire, encodeWire } from '../cluster/wire.ts'
import type { NodeContext } from './node-context.ts'
import type { WriteOutcome } from './node-types.ts'
import { LeaderNotFoundError, NotAuthorizedError, NotLeaderError, StoreError } from './store-error.ts'

export type ForwardedRequest = Exclude<RpcRequest, { op: 'meta' | 'join' | 'removed' }>

type PeerRpcContext = Pick<NodeContext, 'id' | 'options' | 'fetch' | 'leader' | 'counters' | 'metrics'> & {
  /** This node's own credentials (-join-as), sent with requests no client made. */
  ownCredentials?(): Credentials | null
}

export class PeerRpc {
  readonly #ctx: PeerRpcContext

  constructor(ctx: PeerRpcContext) {
    this.#ctx = ctx
  }

  /**
   * One request to the node at `raftAddr`; its answer is checked for shape (peers are untrusted).
   * A request without a client's credentials carries the node's own, if it has any.
   */
  async call(raftAddr: string, request: RpcRequest): Promise<RpcResponse> {
    const own = request.credentials ? null : (this.#ctx.ownCredentials?.() ?? null)
    const sent = own ? { ...request, credentials: own } : request
    let res: Response
    try {
      res = await this.#post(raftAddr, sent)
    } catch (e) {
      // A pooled connection to a node that restarted (a former leader, say) fails at once: the
      // retry gets a new one. Only what may safely run twice: a write could have arrived.
      if (!(e instanceof TypeError) || !repeatable(request)) throw e
      this.#ctx.counters.add('cluster', 'num_client_force_new_conn')
      this.#ctx.counters.add('cluster', 'num_client_retries')
      res = await this.#post(raftAddr, sent)
    }
    const bytes = new Uint8Array(await res.arrayBuffer())
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${new TextDecoder().decode(bytes.subarray(0, 512)).trim()}`)
    try {
      return checkRpcResponse(decodeWire<unknown>(bytes))
    } catch (e) {
      throw new Error(`malformed answer from ${raftAddr}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  #post(raftAddr: string, request: RpcRequest): Promise<Response> {
    return this.#ctx.fetch(`http://${raftAddr}/cluster/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': CBOR_TYPE },
      body: encodeWire(request) as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(firstContact(request) ? this.#ctx.options.clusterConnectTimeoutMs : this.#ctx.options.clusterRpcTimeoutMs),
    })
  }

  /** Work only the leader may do, sent to it; its failures become the store errors rqlite reports. */
  async forward(request: ForwardedRequest): Promise<WriteOutcome> {
    const leader = this.#ctx.leader()
    if (!leader || leader.id === this.#ctx.id) throw new LeaderNotFoundError()
    const { metrics } = this.#ctx
    const counted = (outcome: string) => {
      if (metrics.enabled) metrics.forwarded.inc({ op: request.op, outcome })
    }
    const response = await this.call(leader.addr, request).catch((e: unknown) => {
      counted('unreachable')
      throw new StoreError(`forwarding to leader ${leader.addr} failed: ${e instanceof Error ? e.message : String(e)}`)
    })
    counted(response.ok ? 'ok' : 'error')
    if (!response.ok) {
      if (response.unauthorized) throw new NotAuthorizedError(response.error)
      throw response.leaderNotFound ? new LeaderNotFoundError() : response.notLeader ? new NotLeaderError() : new StoreError(response.error)
    }
    return { results: response.results ?? [], raftIndex: response.raftIndex ?? 0, servedBy: leader.addr }
  }
}

/** Requests that change nothing if they run twice: reads, joins (idempotent), queued writes (their id dedupes). */
function repeatable(request: RpcRequest): boolean {
  switch (request.op) {
    case 'meta':
    case 'notify':
    case 'join':
    case 'query':
      return true
    case 'execute':
      return request.queueId !== undefined
    default:
      return false
  }
}

/** Requests that open a node's dealings with another, bounded by `-cluster-connect-timeout`. */
function firstContact(request: RpcRequest): boolean {
  return request.op === 'join' || request.op === 'notify' || request.op === 'meta'
}
