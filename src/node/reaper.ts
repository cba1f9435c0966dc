/**
 * Reaping (`-raft-reap-node-timeout`, `-raft-reap-read-only-node-timeout`): the leader removes a
 * voter, or a read replica, it has not heard from for that long, as rqlite does. A node counts
 * as heard from when any Raft message of its arrives; a new leader gives every node the full
 * timeout from its election, and a new member from its joining, so neither is reaped at once.
 */
import type { NodeContext } from './node-context.ts'

export type ReaperContext = Pick<NodeContext, 'id' | 'options' | 'platform' | 'members' | 'driver' | 'stopping' | 'counters' | 'logger'>

export class Reaper {
  readonly #ctx: ReaperContext
  readonly #remove: (id: string) => Promise<void>
  readonly #heard = new Map<string, number>()
  readonly #removing = new Set<string>()
  #leaderSince: number | null = null
  #cancel: (() => void) | null = null

  constructor(ctx: ReaperContext, remove: (id: string) => Promise<void>) {
    this.#ctx = ctx
    this.#remove = remove
  }

  /** Whether either timeout is set. */
  get enabled(): boolean {
    const { raftReapNodeTimeoutMs, raftReapReadOnlyNodeTimeoutMs } = this.#ctx.options
    return raftReapNodeTimeoutMs > 0 || raftReapReadOnlyNodeTimeoutMs > 0
  }

  heard(id: string): void {
    if (this.enabled) this.#heard.set(id, this.#ctx.platform.clock.monotonic())
  }

  start(): void {
    if (!this.enabled) return
    const { raftReapNodeTimeoutMs: v, raftReapReadOnlyNodeTimeoutMs: r } = this.#ctx.options
    const every = Math.max(50, Math.min(1000, ...[v, r].filter((t) => t > 0).map((t) => t / 4)))
    const tick = () => {
      this.#check()
      if (!this.#ctx.stopping()) this.#cancel = this.#ctx.platform.timers.setTimeout(tick, every)
    }
    this.#cancel = this.#ctx.platform.timers.setTimeout(tick, every)
  }

  stop(): void {
    this.#cancel?.()
    this.#cancel = null
  }

  #check(): void {
    const { id, options, platform, members, counters } = this.#ctx
    if (this.#ctx.stopping() || this.#ctx.driver().role !== 'leader') {
      this.#leaderSince = null
      return
    }
    const now = platform.clock.monotonic()
    this.#leaderSince ??= now
    for (const m of members.list()) {
      const timeout = m.voter ? options.raftReapNodeTimeoutMs : options.raftReapReadOnlyNodeTimeoutMs
      if (m.id === id || timeout <= 0 || this.#removing.has(m.id)) continue
      // A member new to us (just joined) gets the full timeout from now.
      if (!this.#heard.has(m.id)) this.#heard.set(m.id, now)
      const silentFor = now - Math.max(this.#heard.get(m.id)!, this.#leaderSince)
      if (silentFor <= timeout) continue
      this.#removing.add(m.id)
      const log = this.#ctx.logger.for('reap')
      this.#remove(m.id).then(
        () => {
          counters.add('store', 'nodes_reaped_ok')
          log.info('reaped unreachable node', { node: m.id, voter: m.voter, silentMs: Math.round(silentFor) })
        },
        (e: unknown) => {
          counters.add('store', 'nodes_reaped_failed')
          log.warn('failed to reap unreachable node', { node: m.id, error: e instanceof Error ? e.message : String(e) })
        },
      ).finally(() => {
        this.#removing.delete(m.id)
        this.#heard.delete(m.id)
      })
    }
  }
}
