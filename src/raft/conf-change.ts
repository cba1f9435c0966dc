/** Membership helpers. Conf-change entries carry a tiny JSON body the core must understand. */
import type { ConfChange, ConfState, Entry, HardState, NodeId } from './types.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const body: Record<string, string> = { type: cc.type, nodeId: cc.nodeId }
  if (cc.context !== undefined) body.context = cc.context
  return encoder.encode(JSON.stringify(body))
}

export function decodeConfChange(data: Uint8Array): ConfChange | undefined {
  try {
    const v = JSON.parse(decoder.decode(data)) as { type?: unknown; nodeId?: unknown; context?: unknown }
    const ok = v.type === 'addVoter' || v.type === 'addLearner' || v.type === 'removeNode'
    if (!ok || typeof v.nodeId !== 'string' || v.nodeId === '') return undefined
    const cc: ConfChange = { type: v.type as ConfChange['type'], nodeId: v.nodeId }
    return typeof v.context === 'string' ? { ...cc, context: v.context } : cc
  } catch {
    return undefined
  }
}

/** Pure: the membership after one single-server change. */
export function applyConfChange(cs: ConfState, cc: ConfChange): ConfState {
  const voters = cs.voters.filter((id) => id !== cc.nodeId)
  const learners = cs.learners.filter((id) => id !== cc.nodeId)
  if (cc.type === 'addVoter') voters.push(cc.nodeId)
  if (cc.type === 'addLearner') learners.push(cc.nodeId)
  return { voters, learners }
}

export function isConfStateEqual(a: ConfState, b: ConfState): boolean {
  const same = (x: readonly NodeId[], y: readonly NodeId[]) =>
    x.length === y.length && x.every((id) => y.includes(id))
  return same(a.voters, b.voters) && same(a.learners, b.learners)
}

/**
 * Initial durable state for a brand-new cluster: one addVoter entry per voter at term 1,
 * committed by fiat. Putting the membership *in the log* (not only in a snapshot) lets a node
 * that joins later learn the full history by plain replication. Every founding node must
 * persist exactly the same entries.
 */
export function bootstrapState(
  voters: readonly NodeId[],
  contexts: Readonly<Record<NodeId, string>> = {},
): { entries: Entry[]; hardState: HardState } {
  const entries: Entry[] = voters.map((nodeId, i) => ({
    index: i + 1,
    term: 1,
    type: 'confChange',
    data: encodeConfChange({ type: 'addVoter', nodeId, context: contexts[nodeId] }),
  }))
  return { entries, hardState: { term: 1, vote: '', commit: entries.length } }
}
