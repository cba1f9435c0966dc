/**
 * Handing leadership over: on request (rqlite's POST /leader) and, when the node stops, either
 * to leave the cluster (-raft-cluster-remove-shutdown) or so that the others need not wait an
 * election timeout (-raft-shutdown-stepdown).
 */
import { breathe, type NodeContext } from './node-context.ts'
import type { PeerRpc } from './peer-rpc.ts'
import type { Credentials } from '../auth/credentials.ts'
import { StoreError } from './store-error.ts'

export interface LeadershipContext extends Pick<NodeContext, 'id' | 'options' | 'platform' | 'members' | 'driver' | 'stopping'> {
  peers: Pick<PeerRpc, 'call' | 'forward'>
}

export class Leadership {
  readonly #ctx: LeadershipContext

  constructor(ctx: LeadershipContext) {
    this.#ctx = ctx
  }

  /**
   * Hands leadership to `to` (or to the most up-to-date other voter). With `wait`, resolves
   * once another node leads; otherwise once the transfer has started.
   */
  async transfer(to: string, options: { wait?: boolean; credentials?: Credentials }): Promise<void> {
    const { id, platform } = this.#ctx
    if (this.#ctx.stopping()) throw new StoreError('store not open')
    if (this.#ctx.driver().role !== 'leader') {
      const credentials = options.credentials ? { credentials: options.credentials } : {}
      await this.#ctx.peers.forward({ op: 'transfer', id: to, wait: options.wait === true, ...credentials })
      return
    }
    if (to === id) throw new StoreError('stepdown: cannot step down to the current Leader')
    const voters = this.#otherVoters()
    if (to && !voters.includes(to)) throw new StoreError(`stepdown: node ${to} is not a voter in the cluster`)
    const target = to || this.#mostUpToDate(voters)
    if (!target) throw new StoreError('stepdown: no other voter in the cluster to transfer leadership to')
    this.#ctx.driver().transferLeadership(target)
    if (!options.wait) return
    const deadline = platform.clock.monotonic() + 4 * this.#ctx.options.raftElectionTimeoutMs
    for (;;) {
      const leader = this.#ctx.driver().leader
      if (leader !== id && leader) return
      if (platform.clock.monotonic() > deadline) throw new StoreError('stepdown: leadership transfer timed out')
      await breathe(platform, 20)
    }
  }

  /**
   * Before stopping: leave the cluster if asked to, or hand leadership over. Best effort and
   * bounded: a node that cannot do either still stops.
   */
  async leaveGracefully(): Promise<void> {
    // (The node already answers as a stopped one: ask the driver.)
    const { options, platform } = this.#ctx
    if (this.#otherVoters().length === 0 || !this.#ctx.driver().leader) return
    // Both the deadline and the polling end with this call: nothing may outlive stop().
    const gaveUp = { done: false }
    let cancelDeadline = () => {}
    const bound = <T>(p: Promise<T>) =>
      Promise.race([
        p.catch(() => undefined),
        new Promise<undefined>((r) => (cancelDeadline = platform.timers.setTimeout(() => r(undefined), 4 * options.raftElectionTimeoutMs))),
      ])
    try {
      if (options.raftClusterRemoveShutdown) {
        await bound(this.#leaveAsking(gaveUp))
      } else if (options.raftShutdownStepdown && this.#ctx.driver().role === 'leader') {
        await bound(this.#transferForShutdown(gaveUp))
      }
    } finally {
      gaveUp.done = true
      cancelDeadline()
    }
  }

  async #leaveAsking(gaveUp: { done: boolean }): Promise<void> {
    if (this.#ctx.driver().role === 'leader') await this.#transferForShutdown(gaveUp)
    if (gaveUp.done) return
    const leader = this.#ctx.members.get(this.#ctx.driver().leader)
    if (!leader || leader.id === this.#ctx.id) return
    const response = await this.#ctx.peers.call(leader.raftAddr, { op: 'remove', id: this.#ctx.id })
    if (!response.ok) throw new Error(`could not leave the cluster: ${response.error}`)
  }

  async #transferForShutdown(gaveUp: { done: boolean }): Promise<void> {
    const target = this.#mostUpToDate(this.#otherVoters())
    if (!target) return
    this.#ctx.driver().transferLeadership(target)
    while (this.#ctx.driver().leader === this.#ctx.id && !gaveUp.done) await breathe(this.#ctx.platform, 20)
  }

  #otherVoters(): string[] {
    return this.#ctx.members
      .list()
      .filter((m) => m.voter && m.id !== this.#ctx.id)
      .map((m) => m.id)
  }

  /** The voter whose log matches the leader's furthest (ties: by id, as the list is sorted). */
  #mostUpToDate(voters: string[]): string {
    const progress = this.#ctx.driver().raft.progress()
    return [...voters].sort((a, b) => (progress.get(b)?.match ?? 0) - (progress.get(a)?.match ?? 0))[0] ?? ''
  }
}
