/**
 * Deterministic cluster simulator: N RaftNodes in one process on virtual time, a seeded
 * faulty network and disk, crashes/restarts, pauses, membership changes and leadership
 * transfers, a key/value client workload, per-step invariants, a linearizability check of the
 * client history, and a liveness phase once faults stop. One seed = one exact run.
 */
import {
  createSeededRandom,
  encodeConfChange,
  type Message,
  type NodeId,
  RaftError,
  type RaftConfig,
  bootstrapState,
} from '../../src/raft/mod.ts'
import { EventQueue } from './event-queue.ts'
import { type DurableView, Invariants, InvariantViolation } from './invariants.ts'
import { encodeCommand, KvStore } from './kv.ts'
import { checkLinearizable, type HistoryOp } from './linearizability.ts'
import { SimNetwork } from './network.ts'
import { type ClientOp, SimNode } from './sim-node.ts'

/** Virtual time units per Raft tick (message delays are a few units). */
export const TICK = 10

export interface SimOptions {
  readonly seed: number
  /** Founding voters (3 or 5); default chosen by the seed. One spare node can join later. */
  readonly nodes?: number
  /** Founding learners (read replicas) beside the voters; default none. */
  readonly learners?: number
  /** The nemesis never removes or demotes a voter below this many (default 2, or 3 of 5). */
  readonly minVoters?: number
  /** The nemesis never promotes a learner beyond this many voters (default: no limit). */
  readonly maxVoters?: number
  readonly faultTicks?: number
  readonly livenessTicks?: number
  readonly clients?: number
  readonly keys?: number
  readonly raft?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'random' | 'applied'>>
  /** App bug: send a Ready's messages before its writes are synced. */
  readonly sendBeforeSync?: boolean
  /** Send a Ready's `early` messages before its writes are synced (as raftlite's driver does). */
  readonly earlySend?: boolean
  /** Ticks between fault actions, [min, max). Smaller is nastier. */
  readonly nemesisTicks?: readonly [number, number]
  /** Search steps the linearizability check may take per key (default: the checker's). */
  readonly linearizabilityBudget?: number
  /** Record a trace of events (for debugging a failing seed). */
  readonly trace?: boolean
}

export interface SimStats {
  seed: number
  nodes: number
  ops: number
  okOps: number
  unknownOps: number
  ticks: number
  events: number
  messages: number
  crashes: number
  confChanges: number
  transfers: number
  snapshotsSent: number
  leaders: number
}

export interface SimResult {
  readonly ok: boolean
  readonly failure?: string
  readonly stats: SimStats
  /** The linearizability check ran out of budget: the seed failed, as nothing was proven. */
  readonly linearizabilityExhausted: boolean
  /** The most search steps the check took on one key (0 when it did not run). */
  readonly linearizabilitySteps: number
  readonly trace?: string[]
}

type Ev =
  | { readonly k: 'tick'; readonly node: NodeId; readonly gen: number }
  | { readonly k: 'deliver'; readonly m: Message }
  | { readonly k: 'sync'; readonly node: NodeId; readonly gen: number }
  | { readonly k: 'restart'; readonly node: NodeId }
  | { readonly k: 'client'; readonly c: number }
  | { readonly k: 'timeout'; readonly op: ClientOp }
  | { readonly k: 'nemesis' }
  | { readonly k: 'flap' }
  | { readonly k: 'snapReport'; readonly node: NodeId; readonly gen: number; readonly to: NodeId; readonly ok: boolean }
  | { readonly k: 'heal' }
  | { readonly k: 'exec'; readonly op: ClientOp }

export class SimFailure extends Error {}

export function runSimulation(opts: SimOptions): SimResult {
  return new Simulation(opts).run()
}

class Simulation {
  private readonly opts: SimOptions
  private readonly rand: ReturnType<typeof createSeededRandom>
  private readonly q = new EventQueue<Ev>()
  private readonly net = new SimNetwork()
  private readonly inv = new Invariants()
  private readonly nodes = new Map<NodeId, SimNode>()
  private readonly ids: NodeId[] = []
  private readonly ops: ClientOp[] = []
  private readonly clientBusy: boolean[] = []
  private readonly clientTarget: (NodeId | undefined)[] = []
  private readonly trace: string[] = []
  private now = 0
  private stamp = 0
  private opSeq = 0
  private faultEnd: number
  private end: number
  private faultsOn = true
  private flapping: [NodeId, NodeId] | undefined
  private readonly raftBase: Omit<RaftConfig, 'id' | 'storage' | 'applied' | 'random'>
  private readonly stats: SimStats
  private readonly nodeCount: number
  private readonly clientTimeout = 25 * TICK
  private readonly snapshotEvery: number
  private readonly allowPause: boolean
  private readonly diskLatency: number

  constructor(opts: SimOptions) {
    this.opts = opts
    this.rand = createSeededRandom(opts.seed)
    const r = this.rand
    this.nodeCount = opts.nodes ?? (r.nextInt(2) === 0 ? 3 : 5)
    const faultTicks = opts.faultTicks ?? 150 + r.nextInt(150)
    this.faultEnd = faultTicks * TICK
    this.end = this.faultEnd + (opts.livenessTicks ?? 200) * TICK
    this.snapshotEvery = 5 + r.nextInt(40)
    this.diskLatency = 1 + r.nextInt(r.nextInt(4) === 0 ? 30 : 8)
    this.raftBase = {
      electionTick: 10,
      heartbeatTick: 1,
      maxSizePerMsg: 256 + r.nextInt(2048),
      maxInflightMsgs: 1 + r.nextInt(8),
      maxUncommittedEntriesSize: r.nextInt(2) === 0 ? 0 : 512 + r.nextInt(4096),
      ...opts.raft,
    }
    // Process pauses stop the node's clock: that breaks the bounded-drift premise of leases.
    this.allowPause = this.raftBase.readOnlyOption !== 'lease'
    this.stats = {
      seed: opts.seed,
      nodes: this.nodeCount,
      ops: 0,
      okOps: 0,
      unknownOps: 0,
      ticks: 0,
      events: 0,
      messages: 0,
      crashes: 0,
      confChanges: 0,
      transfers: 0,
      snapshotsSent: 0,
      leaders: 0,
    }
  }

  run(): SimResult {
    let failure: string | undefined
    let exhausted = false
    let steps = 0
    try {
      this.setup()
      this.loop()
      this.checkLiveness()
      const lin = checkLinearizable(this.history(), this.opts.linearizabilityBudget)
      exhausted = lin.exhausted
      steps = lin.maxSteps
      if (lin.exhausted) {
        throw new SimFailure(`linearizability check gave up on key ${lin.key} (${lin.ops?.length} ops) after ${steps} search steps: inconclusive`)
      }
      if (!lin.ok) {
        const ops = (lin.ops ?? []).map((o) => `  ${JSON.stringify(o)}`).join('\n')
        throw new SimFailure(`history is not linearizable for key ${lin.key}:\n${ops}`)
      }
    } catch (e) {
      if (e instanceof SimFailure || e instanceof InvariantViolation) failure = e.message
      else failure = `exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`
      failure = `[t=${this.now} tick=${Math.floor(this.now / TICK)}] ${failure}`
      if (this.opts.trace) {
        for (const n of this.nodes.values()) {
          const st = n.raft.status()
          this.trace.push(`final ${n.id} up=${n.up} ${JSON.stringify({ ...st, applied: n.applied })} prs=${JSON.stringify([...n.raft.progress()])}`)
        }
      }
    }
    return {
      ok: failure === undefined,
      failure,
      stats: this.stats,
      linearizabilityExhausted: exhausted,
      linearizabilitySteps: steps,
      trace: this.opts.trace ? this.trace : undefined,
    }
  }

  // ------------------------------------------------------------------ setup & loop

  private config(id: NodeId) {
    return { ...this.raftBase, random: createSeededRandom((this.opts.seed * 7919 + this.ids.indexOf(id) * 104729 + this.stats.crashes) >>> 0) }
  }

  private setup(): void {
    const founders: NodeId[] = []
    const learners = this.opts.learners ?? 0
    for (let i = 0; i <= this.nodeCount + learners; i++) this.ids.push(`n${i + 1}`)
    for (let i = 0; i < this.nodeCount + learners; i++) founders.push(this.ids[i])
    const boot = bootstrapState(founders.slice(0, this.nodeCount))
    // Founding learners join by committed entries after the voters, as a bootstrapped cluster
    // that added read replicas would have them.
    for (const nodeId of founders.slice(this.nodeCount)) {
      const index = boot.entries.length + 1
      boot.entries.push({ index, term: 1, type: 'confChange', data: encodeConfChange({ type: 'addLearner', nodeId }) })
    }
    const hardState = { ...boot.hardState, commit: boot.entries.length }
    for (const id of this.ids) {
      const n = new SimNode(id)
      if (founders.includes(id)) {
        n.disk.durable.entries = boot.entries.slice()
        n.disk.durable.hardState = hardState
      }
      n.start(this.config(id))
      this.nodes.set(id, n)
      this.q.push(1 + this.rand.nextInt(TICK), { k: 'tick', node: id, gen: n.gen })
    }
    const clients = this.opts.clients ?? 4
    for (let c = 0; c < clients; c++) {
      this.clientBusy.push(false)
      this.clientTarget.push(undefined)
      this.q.push(this.rand.nextInt(5 * TICK), { k: 'client', c })
    }
    this.q.push(10 * TICK + this.rand.nextInt(20 * TICK), { k: 'nemesis' })
    this.q.push(this.faultEnd, { k: 'heal' })
  }

  private loop(): void {
    for (;;) {
      const t = this.q.pop()
      if (!t || t.at > this.end) break
      this.now = t.at
      this.stats.events++
      this.handle(t.ev)
      for (const [id, n] of this.nodes) if (n.up) this.inv.afterStep(id, n.raft)
    }
    this.stats.ticks = Math.floor(this.end / TICK)
  }

  private log(s: string): void {
    if (this.opts.trace) this.trace.push(`${this.now} ${s}`)
  }

  private handle(ev: Ev): void {
    switch (ev.k) {
      case 'tick': {
        const n = this.nodes.get(ev.node) as SimNode
        if (!n.up || n.gen !== ev.gen) return
        this.q.push(this.now + TICK, ev)
        if (n.pausedUntil > this.now) return
        n.raft.tick()
        this.pump(n)
        return
      }
      case 'deliver':
        this.deliver(ev.m)
        return
      case 'sync': {
        const n = this.nodes.get(ev.node) as SimNode
        if (!n.up || n.gen !== ev.gen) return
        if (n.pausedUntil > this.now) {
          this.q.push(n.pausedUntil + 1, ev)
          return
        }
        this.onSync(n)
        return
      }
      case 'restart': {
        const n = this.nodes.get(ev.node) as SimNode
        if (n.up) return
        this.restart(n)
        return
      }
      case 'client':
        this.clientStep(ev.c)
        return
      case 'timeout':
        if (ev.op.status === 'pending') this.finishUnknown(ev.op)
        return
      case 'nemesis':
        if (!this.faultsOn) return
        this.nemesis()
        const [lo, hi] = this.opts.nemesisTicks ?? [5, 40]
        this.q.push(this.now + (lo + this.rand.nextInt(hi - lo)) * TICK, ev)
        return
      case 'flap': {
        if (!this.flapping) return
        const [a, b] = this.flapping
        if (this.net.isCut(a, b)) {
          this.net.restoreLink(a, b)
          this.net.restoreLink(b, a)
        } else {
          this.net.cutLink(a, b)
          this.net.cutLink(b, a)
        }
        this.q.push(this.now + (1 + this.rand.nextInt(6)) * TICK, ev)
        return
      }
      case 'snapReport': {
        const n = this.nodes.get(ev.node) as SimNode
        if (n.up && n.gen === ev.gen) {
          n.raft.reportSnapshot(ev.to, ev.ok)
          this.pump(n)
        }
        return
      }
      case 'heal':
        this.healAll()
        return
      case 'exec':
        if (ev.op.status === 'pending') this.execute(ev.op)
        return
    }
  }

  // ------------------------------------------------------------------ node plumbing

  private deliver(m: Message): void {
    const n = this.nodes.get(m.to)
    const dropped = !n || !n.up || this.net.isCut(m.from, m.to)
    if (m.type === 'snapshot') {
      const from = this.nodes.get(m.from) as SimNode
      this.q.push(this.now + 1, { k: 'snapReport', node: m.from, gen: from.gen, to: m.to, ok: !dropped })
    }
    if (dropped || !n) return
    if (n.pausedUntil > this.now) {
      this.q.push(n.pausedUntil + 1 + this.rand.nextInt(3), { k: 'deliver', m })
      return
    }
    n.raft.step(m)
    this.pump(n)
  }

  private send(msgs: readonly Message[]): void {
    this.inv.onSend(msgs, (id) => this.durableView(id))
    for (const m of msgs) {
      this.stats.messages++
      if (m.type === 'snapshot') this.stats.snapshotsSent++
      const plan = this.net.plan(this.rand)
      if (plan.length === 0 && m.type === 'snapshot') {
        const from = this.nodes.get(m.from) as SimNode
        this.q.push(this.now + 2, { k: 'snapReport', node: m.from, gen: from.gen, to: m.to, ok: false })
      }
      for (const d of plan) this.q.push(this.now + d, { k: 'deliver', m })
    }
  }

  private durableView(id: NodeId): DurableView {
    const d = (this.nodes.get(id) as SimNode).disk.durable
    const last = d.entries.length > 0 ? d.entries[d.entries.length - 1].index : 0
    return { hardState: d.hardState, lastIndex: Math.max(last, d.snapshot?.metadata.index ?? 0) }
  }

  /** Take the next Ready (if the previous one is done) and write it to the disk. */
  private pump(n: SimNode): void {
    if (!n.up || n.inflight || n.pausedUntil > this.now) return
    if (!n.raft.hasReady()) return
    const rd = n.raft.ready()
    this.inv.onReady(n.id, n.raft, rd)
    if (rd.softState?.role === 'leader') {
      this.stats.leaders++
      this.log(`${n.id} leader term ${n.raft.status().term}`)
    }
    n.inflight = rd
    if (rd.snapshot) n.disk.writeSnapshot(rd.snapshot)
    n.disk.writeEntries(rd.entries)
    if (rd.hardState) n.disk.writeHardState(rd.hardState)
    if (this.opts.sendBeforeSync) this.send(rd.messages)
    else if (this.opts.earlySend) this.send(rd.early)
    this.q.push(this.now + 1 + this.rand.nextInt(this.diskLatency), { k: 'sync', node: n.id, gen: n.gen })
  }

  private onSync(n: SimNode): void {
    const rd = n.inflight
    if (!rd) return
    if (n.crashBeforeSync) {
      this.crash(n)
      return
    }
    n.disk.sync()
    this.inv.onDurable(n.id, n.disk.durable.hardState)
    if (n.raft.status().role === 'leader') this.inv.checkLeaderDurableLog(n.id, n.raft, n.disk.durable)
    if (rd.snapshot) {
      n.storage.applySnapshot(rd.snapshot)
      n.kv = KvStore.restore(rd.snapshot.data)
      n.applied = rd.snapshot.metadata.index
      n.lastSnapIndex = n.applied
      // Proposals swallowed by the snapshot: we can't tell whether they made it.
      for (const [i, w] of n.writes) {
        if (i <= n.applied) {
          n.writes.delete(i)
          if (w.op.status === 'pending') this.finishUnknown(w.op)
        }
      }
    }
    n.storage.append(rd.entries)
    if (rd.hardState) n.storage.setHardState(rd.hardState)
    if (!this.opts.sendBeforeSync) this.send(this.opts.earlySend ? rd.messages.filter((m) => !rd.early.includes(m)) : rd.messages)
    for (const e of rd.committedEntries) {
      this.inv.onApply(n.id, e)
      n.applyEntry(e)
      const w = n.writes.get(e.index)
      if (w) {
        n.writes.delete(e.index)
        if (w.op.status === 'pending') {
          if (w.term === e.term) this.finishOk(w.op, null)
          else this.finishFail(w.op)
        }
      }
    }
    for (const rs of rd.readStates) {
      const op = n.reads.get(rs.context)
      if (!op) continue
      n.reads.delete(rs.context)
      n.readWaits.push({ index: rs.index, op })
    }
    if (n.readWaits.length > 0) {
      const waiting: typeof n.readWaits = []
      for (const w of n.readWaits) {
        if (w.index <= n.applied) {
          if (w.op.status === 'pending') this.finishOk(w.op, n.kv.get(w.op.key))
        } else waiting.push(w)
      }
      n.readWaits = waiting
    }
    this.maybeSnapshot(n)
    n.raft.advance()
    n.inflight = undefined
    this.pump(n)
  }

  private maybeSnapshot(n: SimNode): void {
    if (n.applied - n.lastSnapIndex < this.snapshotEvery) return
    const idx = n.applied
    const snap = n.storage.createSnapshot(idx, n.raft.confStateAt(idx), n.kv.serialize())
    const keep = this.rand.nextInt(6)
    const compactTo = Math.max(idx - keep, n.storage.firstIndex() - 1)
    n.disk.saveSnapshotDurably(snap, compactTo)
    n.storage.compact(compactTo)
    n.lastSnapIndex = idx
  }

  private crash(n: SimNode): void {
    if (!n.up) return
    this.log(`crash ${n.id}`)
    this.stats.crashes++
    n.up = false
    n.gen++
    n.disk.crash(this.rand)
    n.inflight = undefined
    n.pausedUntil = 0
    n.crashBeforeSync = false
    for (const w of n.writes.values()) if (w.op.status === 'pending') this.finishUnknown(w.op)
    for (const op of n.reads.values()) if (op.status === 'pending') this.finishUnknown(op)
    for (const w of n.readWaits) if (w.op.status === 'pending') this.finishUnknown(w.op)
    n.writes.clear()
    n.reads.clear()
    n.readWaits = []
    this.q.push(this.now + (3 + this.rand.nextInt(40)) * TICK, { k: 'restart', node: n.id })
  }

  private restart(n: SimNode): void {
    this.log(`restart ${n.id}`)
    n.start(this.config(n.id))
    this.inv.onRestart(n.id, n.disk.durable.hardState)
    this.q.push(this.now + 1 + this.rand.nextInt(TICK), { k: 'tick', node: n.id, gen: n.gen })
  }

  private healAll(): void {
    this.faultsOn = false
    this.flapping = undefined
    this.net.heal()
    this.net.dropRate = 0
    this.net.dupRate = 0
    this.net.maxDelay = 10
    for (const n of this.nodes.values()) {
      n.pausedUntil = 0
      n.crashBeforeSync = false
      if (!n.up) this.restart(n)
    }
    this.log('heal')
  }

  // ------------------------------------------------------------------ faults

  private leader(): SimNode | undefined {
    let best: SimNode | undefined
    for (const n of this.nodes.values()) {
      if (!n.up || n.pausedUntil > this.now) continue
      const st = n.raft.status()
      if (st.role === 'leader' && (!best || st.term > best.raft.status().term)) best = n
    }
    return best
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.rand.nextInt(xs.length)]
  }

  private nemesis(): void {
    const r = this.rand.nextInt(100)
    const members = this.ids
    if (r < 12) {
      // Symmetric split into two random groups.
      const a: NodeId[] = []
      const b: NodeId[] = []
      for (const id of members) (this.rand.nextInt(2) === 0 ? a : b).push(id)
      this.net.heal()
      this.net.partition([a, b])
      this.log(`partition ${a} | ${b}`)
    } else if (r < 20) {
      const l = this.leader()
      if (l) {
        this.net.heal()
        this.net.partition([[l.id], members.filter((x) => x !== l.id)])
        this.log(`isolate leader ${l.id}`)
      }
    } else if (r < 28) {
      // Asymmetric: a few one-way link cuts.
      const k = 1 + this.rand.nextInt(4)
      for (let i = 0; i < k; i++) {
        const a = this.pick(members)
        const b = this.pick(members)
        if (a !== b) this.net.cutLink(a, b)
      }
      this.log('asymmetric cuts')
    } else if (r < 33) {
      const a = this.pick(members)
      const b = this.pick(members)
      if (a !== b && !this.flapping) {
        this.flapping = [a, b]
        this.q.push(this.now + TICK, { k: 'flap' })
        this.log(`flap ${a}<->${b}`)
      }
    } else if (r < 41) {
      this.net.heal()
      this.flapping = undefined
      this.log('heal network')
    } else if (r < 45) {
      // Power loss everywhere at once: only synced data survives on every node.
      this.log('power loss')
      for (const n of this.nodes.values()) this.crash(n)
    } else if (r < 57) {
      const l = this.leader()
      const victim = l && this.rand.nextInt(2) === 0 ? l : this.pick([...this.nodes.values()])
      // Half the time die right away, half the time in the middle of the next disk write.
      if (this.rand.nextInt(2) === 0) this.crash(victim)
      else {
        victim.crashBeforeSync = true
        this.log(`arm crash-before-sync ${victim.id}`)
      }
    } else if (r < 62 && this.allowPause) {
      const n = this.pick([...this.nodes.values()].filter((x) => x.up))
      if (n) {
        n.pausedUntil = this.now + (5 + this.rand.nextInt(40)) * TICK
        this.log(`pause ${n.id} until ${n.pausedUntil}`)
      }
    } else if (r < 76) {
      this.confChange()
    } else if (r < 86) {
      const l = this.leader()
      if (l) {
        const voters = l.raft.status().confState.voters.filter((v) => v !== l.id)
        if (voters.length > 0) {
          const to = this.pick(voters)
          try {
            l.raft.transferLeadership(to)
            this.stats.transfers++
            this.log(`transfer ${l.id} -> ${to}`)
          } catch (e) {
            if (!(e instanceof RaftError)) throw e
          }
          this.pump(l)
        }
      }
    } else {
      this.net.dropRate = this.pick([0, 0, 0.02, 0.05, 0.1, 0.2])
      this.net.dupRate = this.pick([0, 0, 0.02, 0.1])
      this.net.maxDelay = this.pick([5, 10, 20, 40])
      this.log(`net drop=${this.net.dropRate} dup=${this.net.dupRate} delay<=${this.net.maxDelay}`)
    }
  }

  private confChange(): void {
    const l = this.leader()
    if (!l) return
    const cs = l.raft.status().confState
    const nonMembers = this.ids.filter((id) => !cs.voters.includes(id) && !cs.learners.includes(id))
    const minVoters = this.opts.minVoters ?? (this.nodeCount >= 5 ? 3 : 2)
    const maxVoters = this.opts.maxVoters ?? Number.POSITIVE_INFINITY
    const choices: (() => void)[] = []
    const propose = (type: 'addVoter' | 'addLearner' | 'removeNode', nodeId: NodeId) => () => {
      try {
        l.raft.proposeConfChange({ type, nodeId })
        this.stats.confChanges++
        this.log(`conf ${type} ${nodeId} via ${l.id}`)
      } catch (e) {
        if (!(e instanceof RaftError)) throw e
      }
    }
    for (const id of nonMembers) choices.push(propose('addLearner', id))
    for (const id of cs.learners) {
      if (cs.voters.length < maxVoters) choices.push(propose('addVoter', id))
      choices.push(propose('removeNode', id))
    }
    if (cs.voters.length > minVoters) {
      for (const id of cs.voters) choices.push(propose('removeNode', id), propose('addLearner', id))
    }
    if (choices.length === 0) return
    this.pick(choices)()
    this.pump(l)
  }

  // ------------------------------------------------------------------ clients

  private clientStep(c: number): void {
    if (this.clientBusy[c]) return
    if (this.now > this.end - 40 * TICK) return // quiesce before the end
    const id = this.opSeq++
    const r = this.rand.nextInt(10)
    const kind = r < 4 ? 'put' : r < 7 ? 'append' : 'get'
    const key = `k${this.rand.nextInt(this.opts.keys ?? 3)}`
    const value = kind === 'put' ? `v${id}` : kind === 'append' ? `.${id}` : ''
    const sticky = this.rand.nextInt(4) !== 0
    const target = (sticky ? this.clientTarget[c] : undefined) ?? this.pick(this.ids)
    const op: ClientOp = {
      id,
      client: c,
      key,
      kind,
      value,
      output: null,
      call: this.stamp++,
      ret: Number.POSITIVE_INFINITY,
      status: 'pending',
      node: target,
      invokedAt: this.now,
      accepted: false,
    }
    this.ops.push(op)
    this.stats.ops++
    this.clientBusy[c] = true
    this.q.push(this.now + this.clientTimeout, { k: 'timeout', op })
    this.execute(op)
  }

  /** The request reaches the node: a paused process handles it only when it resumes. */
  private execute(op: ClientOp): void {
    const n = this.nodes.get(op.node) as SimNode
    if (!n.up) {
      this.finishFail(op)
      return
    }
    if (n.pausedUntil > this.now) {
      this.q.push(n.pausedUntil + this.rand.nextInt(3), { k: 'exec', op })
      return
    }
    const { kind, key, value, id } = op
    try {
      if (kind === 'get') {
        n.raft.readIndex(`r${id}`)
        n.reads.set(`r${id}`, op)
      } else {
        const res = n.raft.propose(encodeCommand({ op: kind, key, value, id }))
        const prev = n.writes.get(res.index)
        if (prev && prev.op.status === 'pending') this.finishUnknown(prev.op)
        n.writes.set(res.index, { term: res.term, op })
      }
      op.accepted = true
    } catch (e) {
      if (!(e instanceof RaftError)) throw e
      this.finishFail(op)
      return
    }
    this.pump(n)
  }

  private nextClientStep(op: ClientOp): void {
    this.clientBusy[op.client] = false
    this.q.push(this.now + this.rand.nextInt(3 * TICK), { k: 'client', c: op.client })
  }

  private finishOk(op: ClientOp, output: string | null): void {
    op.status = 'ok'
    op.output = output
    op.ret = this.stamp++
    this.stats.okOps++
    this.clientTarget[op.client] = op.node
    this.nextClientStep(op)
  }

  private finishFail(op: ClientOp): void {
    op.status = 'fail'
    const n = this.nodes.get(op.node)
    const lead = n?.up ? n.raft.status().leader : ''
    this.clientTarget[op.client] = lead !== '' && lead !== op.node ? lead : undefined
    this.nextClientStep(op)
  }

  private finishUnknown(op: ClientOp): void {
    op.status = 'unknown'
    this.stats.unknownOps++
    this.clientTarget[op.client] = undefined
    this.nextClientStep(op)
  }

  private history(): HistoryOp[] {
    const h: HistoryOp[] = []
    for (const op of this.ops) {
      if (op.status === 'fail') continue
      if (op.kind === 'get' && op.status !== 'ok') continue
      h.push({
        id: op.id,
        key: op.key,
        kind: op.kind,
        value: op.value,
        output: op.output,
        call: op.call,
        ret: op.status === 'ok' ? op.ret : Number.POSITIVE_INFINITY,
      })
    }
    return h
  }

  // ------------------------------------------------------------------ liveness

  private checkLiveness(): void {
    const grace = this.faultEnd + 60 * TICK
    const leader = this.leader()
    if (!leader) throw new SimFailure('liveness: no leader after faults stopped')
    const late = this.ops.filter((o) => o.invokedAt >= grace && o.accepted && o.kind !== 'get')
    const stuck = late.filter((o) => o.status !== 'ok')
    if (stuck.length > 0) {
      throw new SimFailure(`liveness: ${stuck.length} writes accepted after healing did not commit (op ${stuck[0].id} ${stuck[0].status})`)
    }
    const okAfter = this.ops.some((o) => o.kind !== 'get' && o.status === 'ok' && o.invokedAt >= this.faultEnd)
    if (!okAfter) throw new SimFailure('liveness: no write completed after faults stopped')
    const st = leader.raft.status()
    this.inv.checkLeaderDurableLog(leader.id, leader.raft, leader.disk.durable, true)
    for (const id of [...st.confState.voters, ...st.confState.learners]) {
      const n = this.nodes.get(id) as SimNode
      if (n.applied !== st.commit) {
        throw new SimFailure(`liveness: ${id} applied ${n.applied}, leader ${leader.id} committed ${st.commit}`)
      }
    }
  }
}
