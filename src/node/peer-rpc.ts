/** Calls to other nodes' cluster port (`POST /cluster/rpc`, CBOR), and forwarding to the leader. */
import type { Credentials } from '../auth/credentials.ts'
import type { RpcRequest, RpcResponse } from '../cluster/rpc.ts'
import { checkRpcResponse } from '../cluster/rpc-shape.ts'
import { CBOR_TYPE, decodeWire, encodeWire } from '../cluster/wire.ts'
import type { NodeContext } from './node-context.ts'
import type { WriteOutcome } from './node-types.ts'
import { LeaderNotFoundError, NotAuthorizedError, StoreError } from './store-error.ts'

export type ForwardedRequest = Exclude<RpcRequest, { op: 'meta' | 'join' }>

type PeerRpcContext = Pick<NodeContext, 'id' | 'options' | 'fetch' | 'leader' | 'metrics'> & {
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
    const res = await this.#ctx.fetch(`http://${raftAddr}/cluster/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': CBOR_TYPE },
      body: encodeWire(own ? { ...request, credentials: own } : request) as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(this.#ctx.options.clusterRpcTimeoutMs),
    })
    const bytes = new Uint8Array(await res.arrayBuffer())
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${new TextDecoder().decode(bytes.subarray(0, 512)).trim()}`)
    try {
      return checkRpcResponse(decodeWire<unknown>(bytes))
    } catch (e) {
      throw new Error(`malformed answer from ${raftAddr}: ${e instanceof Error ? e.message : String(e)}`)
    }
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
      throw response.leaderNotFound ? new LeaderNotFoundError() : new StoreError(response.error)
    }
    return { results: response.results ?? [], raftIndex: response.raftIndex ?? 0, servedBy: leader.addr }
  }
}
