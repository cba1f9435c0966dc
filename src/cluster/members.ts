/**
 * Who is in the cluster and where: node id → Raft and API addresses, voter or not. Rebuilt on
 * every node from the replicated conf changes (their context carries the addresses).
 */
import type { ConfChange, NodeId } from '../raft/types.ts'

export interface Member {
  id: NodeId
  /** Raft/cluster address, host:port. */
  raftAddr: string
  /** HTTP API address, host:port. */
  apiAddr: string
  voter: boolean
}

export interface MemberAddresses {
  raftAddr: string
  apiAddr: string
}

export function encodeMemberContext(addresses: MemberAddresses): string {
  return JSON.stringify({ raftAddr: addresses.raftAddr, apiAddr: addresses.apiAddr })
}

export class Members {
  readonly #members = new Map<NodeId, Member>()

  apply(change: ConfChange): void {
    if (change.type === 'removeNode') {
      this.#members.delete(change.nodeId)
      return
    }
    const previous = this.#members.get(change.nodeId)
    const addresses = parseContext(change.context) ?? previous ?? { raftAddr: '', apiAddr: '' }
    this.#members.set(change.nodeId, {
      id: change.nodeId,
      raftAddr: addresses.raftAddr,
      apiAddr: addresses.apiAddr,
      voter: change.type === 'addVoter',
    })
  }

  get(id: NodeId): Member | undefined {
    return this.#members.get(id)
  }

  /** Sorted by id, as rqlite lists nodes. */
  list(): Member[] {
    return [...this.#members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  byRaftAddr(addr: string): Member | undefined {
    return this.list().find((m) => m.raftAddr === addr)
  }

  toJSON(): Member[] {
    return this.list()
  }

  replaceAll(members: readonly Member[]): void {
    this.#members.clear()
    for (const m of members) this.#members.set(m.id, { ...m })
  }
}

function parseContext(context: string | undefined): MemberAddresses | undefined {
  if (!context) return undefined
  try {
    const v = JSON.parse(context) as Partial<MemberAddresses>
    if (typeof v.raftAddr === 'string' && typeof v.apiAddr === 'string') return { raftAddr: v.raftAddr, apiAddr: v.apiAddr }
  } catch {
    // not ours: ignore
  }
  return undefined
}
