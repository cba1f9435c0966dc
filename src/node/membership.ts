/**
 * Membership: joining a cluster at start (-join, -bootstrap-expect), rejoining after a restart,
 * adding and removing members on the leader, and the Raft addresses of peers learned before
 * the membership names them.
 */
import { encodeMemberContext, type MemberAddresses } from '../cluster/members.ts'
import type { RaftDriver } from '../cluster/raft-driver.ts'
import { advertisedApiAddr } from './api-url.ts'
import type { RpcRequest } from '../cluster/rpc.ts'
import type { Credentials } from '../auth/credentials.ts'
import { bootstrapState } from '../raft/conf-change.ts'
import type { ConfChange } from '../raft/types.ts'
import type { Conditions } from './conditions.ts'
import { breathe, type NodeContext } from './node-context.ts'
import type { PeerRpc } from './peer-rpc.ts'
import { StoreError } from './store-error.ts'

export interface MembershipContext extends Pick<NodeContext, 'id' | 'options' | 'platform' | 'log' | 'members' | 'driver' | 'stopping' | 'leader' | 'emitError' | 'counters'> {
  peers: Pick<PeerRpc, 'call' | 'forward'>
  conditions: Conditions
  /** Replaces the stopped driver with a new one over the log as it now is (after founding). */
  restartDriver(): RaftDriver
}

export class Membership {
  readonly #ctx: MembershipContext
  /** Raft addresses learned from traffic and join requests, before the membership names them. */
  readonly #addressHints = new Map<string, string>()
  /** Nodes heard from while waiting for -bootstrap-expect peers (id → addresses). */
  #bootstrapPeers: Map<string, MemberAddresses> | null = null

  constructor(ctx: MembershipContext) {
    this.#ctx = ctx
  }

  /** Where to reach `id`: its member entry, else what it told us. */
  addressOf(id: string): string | undefined {
    return this.#ctx.members.get(id)?.raftAddr || this.#addressHints.get(id)
  }

  learnAddress(id: string, raftAddr: string): void {
    if (id !== this.#ctx.id) this.#addressHints.set(id, raftAddr)
  }

  /** A -bootstrap-expect peer says it exists; answers whether this node already has a cluster. */
  notified(request: Extract<RpcRequest, { op: 'notify' }>): boolean {
    if (request.id !== this.#ctx.id) this.#bootstrapPeers?.set(request.id, { raftAddr: request.raftAddr, apiAddr: request.apiAddr })
    return this.#ctx.log.lastIndex() > 0
  }

  /**
   * Until the node serves: joins (if asked to and its log is empty), catches up with the log as
   * committed at start, rejoins (if asked to and not new), then waits for a leader and, after
   * joining, its own membership, so that what it reports of the cluster includes itself.
   */
  async settle(): Promise<void> {
    const { log, options, driver } = this.#ctx
    const commitAtStart = log.initialState().hardState.commit
    const fresh = commitAtStart === 0 && log.lastIndex() === 0
    if (options.join.length > 0 && fresh) {
      if (options.bootstrapExpect > 0) await this.#bootstrapExpect()
      else await this.#join()
    }
    await driver().waitApplied(commitAtStart)
    if (options.join.length > 0 && !fresh) this.#rejoin()
    await this.#ctx.conditions.until(() => this.#ctx.leader() !== null && (this.#ctx.members.get(this.#ctx.id) !== undefined || options.join.length === 0))
  }

  /**
   * Told by the leader that this node was removed. Believed as a `remove` request is: a member
   * may ask for any removal anyway. Only a node set to stop when removed does anything.
   */
  removedNotice(request: Extract<RpcRequest, { op: 'removed' }>, stopRemoved: () => void): void {
    if (request.id === this.#ctx.id) stopRemoved()
  }

  /** Removes a node from the cluster (on the leader; forwarded from a follower). */
  async removeNode(id: string, credentials?: Credentials): Promise<void> {
    if (this.#ctx.stopping()) throw new StoreError('store not open')
    if (!this.#isLeader()) {
      await this.#ctx.peers.forward({ op: 'remove', id, ...(credentials ? { credentials } : {}) })
      return
    }
    await this.removeMember(id)
  }

  async addMember(request: Extract<RpcRequest, { op: 'join' }>): Promise<void> {
    if (!this.#isLeader()) throw new StoreError('not leader')
    const existing = this.#ctx.members.get(request.id)
    const { counters } = this.#ctx
    if (existing && existing.raftAddr === request.raftAddr && existing.apiAddr === request.apiAddr && existing.voter === request.voter) {
      counters.add('store', 'num_ignored_joins')
      return // idempotent
    }
    const sameAddr = this.#ctx.members.byRaftAddr(request.raftAddr)
    const context = encodeMemberContext({ raftAddr: request.raftAddr, apiAddr: request.apiAddr })
    const stale = [sameAddr && sameAddr.id !== request.id ? sameAddr.id : null, existing && existing.raftAddr !== request.raftAddr ? request.id : null]
    for (const id of stale) {
      if (id === null) continue
      await this.removeMember(id)
      counters.add('store', 'num_removed_before_joins')
    }
    this.#addressHints.set(request.id, request.raftAddr)
    await this.#proposeConfChange({ type: request.voter ? 'addVoter' : 'addLearner', nodeId: request.id, context })
    counters.add('store', 'num_joins')
  }

  async removeMember(id: string): Promise<void> {
    if (!this.#isLeader()) throw new StoreError('not leader')
    const member = this.#ctx.members.get(id)
    if (!member) throw new StoreError(`node ${id} is not a member of the cluster`)
    await this.#proposeConfChange({ type: 'removeNode', nodeId: id })
    // The leader stops sending to a removed node at once, so it may never apply the entry that
    // removed it: tell it (best effort; it stops if -raft-remove-shutdown asks it to).
    if (id !== this.#ctx.id) void this.#ctx.peers.call(member.raftAddr, { op: 'removed', id }).catch(() => {})
  }

  #isLeader(): boolean {
    return !this.#ctx.stopping() && this.#ctx.driver().role === 'leader'
  }

  /** One membership change at a time: concurrent joins wait their turn instead of failing. */
  async #proposeConfChange(change: ConfChange): Promise<void> {
    const { clock } = this.#ctx.platform
    const timeoutMs = this.#ctx.options.raftApplyTimeoutMs
    const deadline = clock.monotonic() + timeoutMs
    for (;;) {
      try {
        await this.#ctx.driver().proposeConfChange(change, timeoutMs)
        return
      } catch (e) {
        const busy = e instanceof StoreError && /membership change is still uncommitted/.test(e.message)
        if (!busy || clock.monotonic() > deadline) throw e
        await breathe(this.#ctx.platform, 50)
      }
    }
  }

  #joinTargets(): string[] {
    const { options } = this.#ctx
    return options.join.filter((a) => a !== options.raftAdvAddr && a !== options.raftAddr)
  }

  /**
   * -bootstrap-expect N: nodes tell each other (through -join) that they exist. Once a node
   * knows N and has the smallest id, it alone founds the cluster with all N as voters; the
   * others (their logs empty, but able to vote) receive the log from it. A latecomer told that
   * a cluster already exists joins it instead.
   */
  async #bootstrapExpect(): Promise<void> {
    const { id, options, platform, log } = this.#ctx
    const self: MemberAddresses = { raftAddr: options.raftAdvAddr, apiAddr: advertisedApiAddr(options) }
    const peers = new Map<string, MemberAddresses>([[id, self]])
    this.#bootstrapPeers = peers
    const deadline = platform.clock.monotonic() + options.bootstrapExpectTimeoutMs
    const request: RpcRequest = { op: 'notify', id, ...self }
    const targets = this.#joinTargets()
    try {
      for (;;) {
        if (log.lastIndex() > 0) return // the founder reached us: we are in
        let clusterExists = false
        await Promise.all(
          targets.map(async (target) => {
            try {
              const response = await this.#ctx.peers.call(target, request)
              if (response.ok && response.bootstrapped) clusterExists = true
            } catch {
              // not up yet
            }
          }),
        )
        if (log.lastIndex() > 0) return
        if (clusterExists) return await this.#join()
        const ids = [...peers.keys()].sort()
        if (ids.length >= options.bootstrapExpect && ids[0] === id) {
          // #found writes the log under the driver: no Ready may be waiting for its fsync.
          await this.#ctx.driver().idle()
          if (log.lastIndex() > 0) return
          this.#found(ids.slice(0, Math.max(options.bootstrapExpect, ids.length)), peers)
          return
        }
        if (this.#ctx.stopping()) throw new StoreError('store not open')
        if (platform.clock.monotonic() > deadline) {
          throw new Error(
            `bootstrap-expect: found ${peers.size} of ${options.bootstrapExpect} nodes (${ids.join(', ')}) ` +
              `within ${options.bootstrapExpectTimeoutMs} ms; check -join on every node`,
          )
        }
        await breathe(platform, Math.min(options.joinIntervalMs, 500))
      }
    } finally {
      this.#bootstrapPeers = null
    }
  }

  /** Founds the cluster: writes the membership as the first entries and starts Raft on it. */
  #found(voters: string[], addresses: Map<string, MemberAddresses>): void {
    const { log } = this.#ctx
    const contexts = Object.fromEntries(voters.map((id) => [id, encodeMemberContext(addresses.get(id)!)]))
    for (const [id, a] of addresses) this.#addressHints.set(id, a.raftAddr)
    const { entries, hardState } = bootstrapState(voters, contexts)
    this.#ctx.driver().stop()
    log.append(entries)
    log.setHardState(hardState)
    log.sync()
    const driver = this.#ctx.restartDriver()
    driver.start()
    driver.campaign()
  }

  /**
   * A restarted member given -join asks again: a no-op if nothing changed, and the way a node
   * whose address changed gets its entry replaced. Best effort: the rest of the cluster may be
   * restarting too. A node that is a single-node cluster with data must not join another one.
   */
  #rejoin(): void {
    const members = this.#ctx.members.list()
    const targets = this.#joinTargets()
    const alone = members.length === 1 && members[0].id === this.#ctx.id
    if (alone && targets.length > 0) {
      throw new Error(
        `this node is a single-node cluster with data and cannot join the cluster at ${targets.join(',')}; ` +
          'start it with an empty data directory to join, or without -join to keep its data',
      )
    }
    void this.#join().catch((e: unknown) => this.#ctx.emitError(e))
  }

  async #join(): Promise<void> {
    const { id, options } = this.#ctx
    const request: RpcRequest = { op: 'join', id, raftAddr: options.raftAdvAddr, apiAddr: advertisedApiAddr(options), voter: !options.raftNonVoter }
    const errors: string[] = []
    for (let attempt = 0; attempt < options.joinAttempts; attempt++) {
      const targets = [...options.join]
      for (let i = 0; i < targets.length && i < 16; i++) {
        const target = targets[i]
        if (target === options.raftAdvAddr || target === options.raftAddr) continue
        try {
          const response = await this.#ctx.peers.call(target, request)
          if (response.ok) return
          if (response.leaderRaftAddr && !targets.includes(response.leaderRaftAddr)) targets.push(response.leaderRaftAddr)
          errors.push(`${target}: ${response.error}`)
        } catch (e) {
          errors.push(`${target}: ${e instanceof Error ? e.message : String(e)}`)
        }
      }
      if (this.#ctx.stopping()) throw new StoreError('store not open')
      await breathe(this.#ctx.platform, options.joinIntervalMs)
    }
    throw new Error(`failed to join cluster at ${options.join.join(',')} after ${options.joinAttempts} attempts: ${errors.slice(-3).join('; ')}`)
  }
}
