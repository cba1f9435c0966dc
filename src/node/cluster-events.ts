/**
 * Turns what the Raft driver and the membership report into log lines and metrics: elections,
 * leader changes and membership changes. None of these happen per request.
 */
import type { Member } from '../cluster/members.ts'
import type { SoftState } from '../raft/types.ts'
import type { NodeContext } from './node-context.ts'

export class ClusterEvents {
  readonly #ctx: Pick<NodeContext, 'id' | 'logger' | 'metrics'>
  #role = ''
  #leader = ''
  #members = new Map<string, Member>()

  constructor(ctx: Pick<NodeContext, 'id' | 'logger' | 'metrics'>, members: readonly Member[]) {
    this.#ctx = ctx
    for (const m of members) this.#members.set(m.id, { ...m })
  }

  /** The Raft core's role or known leader changed. */
  softState(state: SoftState, term: number): void {
    const raft = this.#ctx.logger.for('raft')
    const cluster = this.#ctx.logger.for('cluster')
    if (state.role !== this.#role) {
      if (state.role === 'candidate' || state.role === 'preCandidate') {
        if (state.role === 'candidate') this.#ctx.metrics.elections.inc()
        raft.info(state.role === 'candidate' ? 'election started' : 'pre-vote started', { term })
      } else {
        raft.info(`became ${state.role}`, { term, leader: state.leader || undefined })
      }
      this.#role = state.role
    }
    if (state.leader !== this.#leader) {
      this.#ctx.metrics.leaderChanges.inc()
      if (state.leader) cluster.info('leader changed', { leader: state.leader, previous: this.#leader || undefined, term, self: state.leader === this.#ctx.id })
      else cluster.warn('leader lost', { previous: this.#leader || undefined, term })
      this.#leader = state.leader
    }
  }

  /** The member list may have changed (a committed conf change, or a snapshot's members). */
  members(current: readonly Member[]): void {
    const log = this.#ctx.logger.for('cluster')
    const next = new Map(current.map((m) => [m.id, { ...m }]))
    for (const [id, m] of next) {
      const before = this.#members.get(id)
      if (!before) log.info('member added', { id, voter: m.voter, raftAddr: m.raftAddr, apiAddr: m.apiAddr })
      else if (before.voter !== m.voter) log.info(m.voter ? 'member promoted to voter' : 'member demoted to non-voter', { id })
      else if (before.raftAddr !== m.raftAddr || before.apiAddr !== m.apiAddr) log.info('member address changed', { id, raftAddr: m.raftAddr, apiAddr: m.apiAddr })
    }
    for (const id of this.#members.keys()) if (!next.has(id)) log.info('member removed', { id })
    this.#members = next
  }
}
