/** Calls to other nodes' cluster port (`POST /cluster/rpc`, CBOR), and forwarding to the leader. */
import type { RpcRequest, RpcResponse } from '../cluster/rpc.ts'
import { checkRpcResponse } from '../cluster/rpc-shape.ts'
import { CBOR_TYPE, decodeWire, encodeWire } from '../cluster/wire.ts'
import type { NodeContext } from './node-context.ts'
import type { WriteOutcome } from './node-types.ts'
import { LeaderNotFoundError, NotLeaderError, StoreError } from './store-error.ts'

export type ForwardedRequest = Exclude<RpcRequest, { op: 'meta' | 'join' }>

export class PeerRpc {
  readonly #ctx: Pick<NodeContext, 'id' | 'options' | 'fetch' | 'leader'>

  constructor(ctx: Pick<NodeContext, 'id' | 'options' | 'fetch' | 'leader'>) {
    this.#ctx = ctx
  }

  /** One request to the node at `raftAddr`; its answer is checked for shape (peers are untrusted). */
  async call(raftAddr: string, request: RpcRequest): Promise<RpcResponse> {
    const res = await this.#ctx.fetch(`http://${raftAddr}/cluster/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': CBOR_TYPE },
      body: encodeWire(request) as Uint8Array<ArrayBuffer>,
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
    const response = await this.call(leader.addr, request).catch((e: unknown) => {
      throw new StoreError(`forwarding to leader ${leader.addr} failed: ${e instanceof Error ? e.message : String(e)}`)
    })
    if (!response.ok) throw response.leaderNotFound ? new LeaderNotFoundError() : response.notLeader ? new NotLeaderError() : new StoreError(response.error)
    return { results: response.results ?? [], raftIndex: response.raftIndex ?? 0, servedBy: leader.addr }
  }
}
