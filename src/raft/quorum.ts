/** Majority arithmetic over a voter set. */
import type { NodeId } from './types.ts'

export function quorumSize(voters: number): number {
  return Math.floor(voters / 2) + 1
}

/** Largest index present on a majority of `voters` (by each voter's acked index). */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  if (voters.length === 0) return 0
  const idx = voters.map(acked).sort((a, b) => b - a)
  return idx[quorumSize(voters.length) - 1]
}

export type VoteResult = 'won' | 'lost' | 'pending'

export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const q = quorumSize(voters.length)
  let granted = 0
  let rejected = 0
  for (const id of voters) {
    const v = votes.get(id)
    if (v === true) granted++
    else if (v === false) rejected++
  }
  if (granted >= q) return 'won'
  if (voters.length - rejected < q) return 'lost'
  return 'pending'
}
