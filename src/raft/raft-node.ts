/**
 * The Raft state machine. Synchronous and deterministic: inputs are tick(), step(message) and
 * the propose/read/transfer calls; outputs are collected into a Ready (see ready.ts). The core
 * performs no I/O, reads no clock and draws randomness only from the injected RandomSource.
 */
import { applyConfChange, encodeConfChange, isConfStateEqual } from './conf-change.ts'
import { type RaftConfig, type ResolvedConfig, resolveConfig } from './config.ts'
import { ConfTracker } from './conf-tracker.ts'
import { RaftError } from './errors.ts'
import type {
  AppendMessage,
  AppendResponse,
  HeartbeatMessage,
  HeartbeatResponse,
  Message,
  ReadIndexMessage,
  SnapshotMessage,
  VoteMessage,
} from './messages.ts'
import { Progress } from './progress.ts'
import { committedIndex, quorumSize, voteResult } from './quorum.ts'
import { RaftLog } from './raft-log.ts'
import { ReadOnly } from './read-only.ts'
import type { Ready } from './ready.ts'
import {
  type ConfChange,
  type ConfState,
  type Entry,
  entrySize,
  type HardState,
  isHardStateEqual,
  NONE,
  type NodeId,
  payloadSize,
  type ReadState,
  type Role,
  type Snapshot,
  type SoftState,
} from './types.ts'

/** Where a proposal landed; it took effect iff the entry applied at `index` has this `term`. */
export interface ProposalResult {
  readonly index: number
  readonly term: number
}

export interface ProgressStatus {
  readonly match: number
  readonly next: number
  readonly state: Progress['state']
  readonly isLearner: boolean
}

export interface RaftStatus extends HardState, SoftState {
  readonly id: NodeId
  readonly applied: number
  readonly lastIndex: number
  readonly firstIndex: number
  readonly confState: ConfState
  readonly leadTransferee: NodeId
}

type Distribute<T> = T extends Message ? Omit<T, 'from' | 'term'> & { term?: number } : never
type Outgoing = Distribute<Message>

export class RaftNode {
  readonly id: NodeId
  private readonly cfg: ResolvedConfig
  private readonly log: RaftLog
  private readonly conf: ConfTracker

  private term = 0
  private vote: NodeId = NONE
  private lead: NodeId = NONE
  private role: Role = 'follower'

  private prs = new Map<NodeId, Progress>()
  private votes = new Map<NodeId, boolean>()
  private msgs: Message[] = []
  private readStates: ReadState[] = []

  private electionElapsed = 0
  /** Ticks since the leader last checked it heard from a quorum. */
  private quorumCheckElapsed = 0
  private heartbeatElapsed = 0
  private randomizedElectionTimeout = 0
  /** Ticks since this node started; the leader lease is measured on it. */
  private clock = 0

  private leadTransferee: NodeId = NONE
  private uncommittedSize = 0
  private readOnly = new ReadOnly()
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadIndex: ReadIndexMessage[] = []
  /** Highest `sentAt` of a heartbeat acked by each voter in this term (lease reads). */
  private leaseAcks = new Map<NodeId, number>()
  /** Once TimeoutNow is sent another node may win without waiting for our lease to expire. */
  private leaseRevoked = false
  /** After a restart we don't know which leader we last promised not to undermine. */
  private startupLease: boolean
  /** Proposals since the last Ready; appends go out in one batch when the Ready is built. */
  private appendsPending = false

  private prevHardState: HardState
  private prevSoftState: SoftState
  private readyInFlight: Ready | undefined

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config)
    this.id = this.cfg.id
    const storage = this.cfg.storage
    this.log = new RaftLog(storage)
    const { hardState, confState } = storage.initialState()
    this.conf = new ConfTracker(storage.firstIndex() - 1, confState)
    const first = storage.firstIndex()
    const last = storage.lastIndex()
    if (last >= first) this.conf.onAppend(storage.entries(first, last + 1, Number.POSITIVE_INFINITY))

    if (hardState.commit > this.log.lastIndex()) {
      throw new Error(`raft: stored commit ${hardState.commit} is beyond the last index ${this.log.lastIndex()}`)
    }
    // A snapshot only ever holds committed entries, even if the hard state write was lost.
    this.log.committed = Math.max(hardState.commit, this.log.committed)
    this.term = hardState.term
    this.vote = hardState.vote
    if (this.cfg.applied !== undefined && this.cfg.applied > this.log.applied) {
      this.log.appliedTo(this.cfg.applied)
    }
    this.startupLease = this.cfg.readOnlyOption === 'lease'
    this.becomeFollower(this.term, NONE)
    this.prevHardState = hardState
    this.prevSoftState = { leader: NONE, role: 'follower' }
  }

  // ---------------------------------------------------------------- inputs

  /** Advance logical time by one tick. */
  tick(): void {
    this.clock++
    if (this.role === 'leader') this.tickHeartbeat()
    else this.tickElection()
  }

  /** Feed a message received from a peer. Messages for another node are ignored. */
  step(m: Message): void {
    if (m.to !== this.id) return
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        // A node that heard from a live leader recently ignores disruptive candidates
        // (e.g. a removed or partitioned node); a transfer was asked for by that leader.
        if (!m.transfer && this.inLease()) return
      }
      if (m.type === 'preVote') {
        // Pre-vote never changes our term.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // Granted pre-votes carry the future term; the real campaign bumps the term.
      } else {
        const isLeaderMsg = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot'
        this.becomeFollower(m.term, isLeaderMsg ? m.from : NONE)
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
        // Tell a stale leader about our term, otherwise (with pre-vote or check-quorum) a node
        // partitioned while leader could keep the rest of the cluster from electing anyone.
        this.send({ type: 'appendResp', to: m.from, index: 0, reject: false, rejectHint: 0, logTerm: 0 })
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', to: m.from, reject: true })
      }
      return
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m)
      return
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m)
        break
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m)
        break
      case 'follower':
        this.stepFollower(m)
        break
    }
  }

  /** Append a normal entry (leader only). Throws RaftError if the proposal is refused. */
  propose(data: Uint8Array): ProposalResult {
    this.checkCanPropose()
    const e: Entry = { index: 0, term: 0, type: 'normal', data }
    if (!this.increaseUncommittedSize([e])) {
      throw new RaftError('uncommitted-limit', 'too many uncommitted bytes; is a quorum reachable?')
    }
    return this.appendEntries([e])
  }

  /**
   * Propose a single-server membership change (leader only). Refused until this leader has
   * committed an entry of its own term, and while another change is still uncommitted.
   */
  proposeConfChange(cc: ConfChange): ProposalResult {
    this.checkCanPropose()
    if (this.log.term(this.log.committed) !== this.term) {
      throw new RaftError('term-not-committed', 'leader has not committed an entry in its term yet')
    }
    if (this.conf.latestIndex() > this.log.committed) {
      throw new RaftError('conf-change-pending', 'a membership change is still uncommitted')
    }
    const cur = this.conf.current()
    const next = applyConfChange(cur, cc)
    if (isConfStateEqual(cur, next)) throw new RaftError('invalid-conf-change', 'change is a no-op')
    if (next.voters.length === 0) throw new RaftError('invalid-conf-change', 'cannot remove the last voter')
    const e: Entry = { index: 0, term: 0, type: 'confChange', data: encodeConfChange(cc) }
    return this.appendEntries([e])
  }

  /**
   * Ask for a linearizable read point. The answer arrives as a ReadState with the same
   * context in a later Ready; serve the read once applied >= its index. Unanswered requests
   * (lost messages, leader change) simply never complete: callers need a timeout.
   */
  readIndex(context: string): void {
    const m: ReadIndexMessage = { type: 'readIndex', from: this.id, to: this.id, term: this.term, context }
    if (this.role === 'leader') {
      this.checkReadContext(m) // a local request is never a network duplicate: this throws
      this.leaderReadIndex(m)
    } else if (this.lead !== NONE) {
      this.send({ type: 'readIndex', to: this.lead, context })
    } else {
      throw new RaftError('no-leader')
    }
  }

  /** Hand leadership to `to` once it has caught up (leader only). */
  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader') throw new RaftError('not-leader')
    if (to === this.id) return
    const pr = this.prs.get(to)
    if (!pr || pr.isLearner) throw new RaftError('invalid-transfer', `${to} is not a voter`)
    if (this.leadTransferee === to) return
    this.leadTransferee = to
    // The transfer must finish within an election timeout, or it is abandoned.
    this.electionElapsed = 0
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to)
    else this.sendAppend(to)
  }

  /** Start an election now (as if the election timer fired). */
  campaign(): void {
    this.hup(false)
  }

  /** The app could not deliver the snapshot to `id` (ok=false) or did so (ok=true). */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.prs.get(id)
    if (this.role !== 'leader' || !pr || pr.state !== 'snapshot') return
    if (!ok) pr.pendingSnapshot = 0
    // Wait for the follower's answer (or the next heartbeat) before sending more.
    pr.becomeProbe()
    pr.probeSent = true
  }

  /** The transport failed to reach `id`: stop streaming optimistically to it. */
  reportUnreachable(id: NodeId): void {
    const pr = this.prs.get(id)
    if (this.role === 'leader' && pr && pr.state === 'replicate') pr.becomeProbe()
  }

  // ---------------------------------------------------------------- Ready / advance

  hasReady(): boolean {
    this.flushAppends()
    if (this.readyInFlight) return false
    const soft = this.softState()
    return (
      soft.leader !== this.prevSoftState.leader ||
      soft.role !== this.prevSoftState.role ||
      !isHardStateEqual(this.hardState(), this.prevHardState) ||
      this.log.unstable.entries.length > 0 ||
      this.log.hasPendingSnapshot() ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.hasNextCommittedEntries()
    )
  }

  /** Take the next batch of work. Call advance() once it has been handled. */
  ready(): Ready {
    if (this.readyInFlight) throw new RaftError('ready-not-advanced')
    this.flushAppends()
    const soft = this.softState()
    const hard = this.hardState()
    const entries = this.log.unstableEntries()
    const softChanged = soft.leader !== this.prevSoftState.leader || soft.role !== this.prevSoftState.role
    const hardChanged = !isHardStateEqual(hard, this.prevHardState)
    const promises = hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote
    const rd: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      entries,
      snapshot: this.log.unstable.snapshot,
      committedEntries: this.log.nextCommittedEntries(this.cfg.maxCommittedSizePerReady),
      messages: this.msgs,
      early: promises ? [] : this.msgs.filter((m) => m.type === 'append' || m.type === 'heartbeat'),
      readStates: this.readStates,
      mustSync:
        entries.length > 0 || hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote,
    }
    this.msgs = []
    this.readStates = []
    if (softChanged) this.prevSoftState = soft
    if (hardChanged) this.prevHardState = hard
    this.readyInFlight = rd
    return rd
  }

  /** The last Ready was persisted, sent and applied. */
  advance(): void {
    const rd = this.readyInFlight
    if (!rd) return
    this.readyInFlight = undefined
    if (rd.snapshot) {
      this.log.unstable.stableSnapTo(rd.snapshot.metadata.index)
      if (rd.snapshot.metadata.index > this.log.applied) this.log.appliedTo(rd.snapshot.metadata.index)
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]
      this.log.unstable.stableTo(last.index, last.term)
      // Now durable here: the leader's own vote in the commit quorum (see appendEntries).
      if (this.role === 'leader' && this.prs.get(this.id)?.maybeUpdate(this.log.persistedIndex()) && this.maybeCommit()) {
        this.appendsPending = true
      }
    }
    if (rd.committedEntries.length > 0) {
      this.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index)
      if (this.role === 'leader') this.reduceUncommittedSize(rd.committedEntries)
    }
  }

  // ---------------------------------------------------------------- inspection

  /** Leader's view of each peer's replication (meaningful on the leader only). */
  progress(): Map<NodeId, ProgressStatus> {
    const progress = new Map<NodeId, ProgressStatus>()
    for (const [id, pr] of this.prs) {
      progress.set(id, { match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner })
    }
    return progress
  }

  status(): RaftStatus {
    return {
      id: this.id,
      ...this.hardState(),
      ...this.softState(),
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      firstIndex: this.log.firstIndex(),
      confState: this.conf.current(),
      leadTransferee: this.leadTransferee,
    }
  }

  /** Term of the entry at `index` in this node's log (undefined if compacted or absent). */
  termAt(index: number): number | undefined {
    return this.log.term(index)
  }

  /** Membership in force at `index` (for snapshot metadata); valid for index >= first - 1. */
  confStateAt(index: number): ConfState {
    return this.conf.at(index)
  }

  // ---------------------------------------------------------------- role changes

  private softState(): SoftState {
    return { leader: this.lead, role: this.role }
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed }
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term
      this.vote = NONE
    }
    this.lead = NONE
    this.electionElapsed = 0
    this.quorumCheckElapsed = 0
    this.heartbeatElapsed = 0
    this.randomizedElectionTimeout = this.cfg.electionTick + this.cfg.random.nextInt(this.cfg.electionTick)
    this.leadTransferee = NONE
    this.votes = new Map()
    this.uncommittedSize = 0
    this.readOnly = new ReadOnly()
    this.pendingReadIndex = []
    this.leaseAcks = new Map()
    this.leaseRevoked = false
    this.appendsPending = false
    this.resetProgress()
  }

  private resetProgress(): void {
    const cs = this.conf.current()
    const last = this.log.lastIndex()
    this.prs = new Map()
    for (const id of [...cs.voters, ...cs.learners]) {
      const pr = this.newProgress(last + 1, cs.learners.includes(id))
      if (id === this.id) pr.match = this.log.persistedIndex()
      this.prs.set(id, pr)
    }
  }

  private newProgress(next: number, isLearner: boolean): Progress {
    return new Progress(next, isLearner, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes)
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term)
    this.lead = lead
    this.role = 'follower'
  }

  private becomePreCandidate(): void {
    // Term and vote stay put: a pre-candidate has not started a real election.
    this.votes = new Map()
    this.lead = NONE
    this.role = 'preCandidate'
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1)
    this.vote = this.id
    this.role = 'candidate'
  }

  private becomeLeader(): void {
    this.reset(this.term)
    this.lead = this.id
    this.role = 'leader'
    for (const pr of this.prs.values()) pr.recentActive = true
    const self = this.prs.get(this.id)
    if (self) self.becomeReplicate()
    // A no-op of our own term lets us commit (and learn the commit index of) earlier entries.
    this.appendEntries([{ index: 0, term: 0, type: 'normal', data: new Uint8Array() }])
    this.bcastAppend()
  }

  /**
   * A voter may campaign; so may a node whose removal is in its log but not yet committed. Its
   * votes are still counted in the new configuration, so this is safe, and without it a leader
   * that removed itself and then lost its quorum could leave the cluster with no candidate: the
   * remaining voter may lack the removal and need this node's vote, which its log refuses.
   */
  private promotable(): boolean {
    if (this.log.hasPendingSnapshot()) return false
    return this.conf.current().voters.includes(this.id) || this.conf.at(this.log.committed).voters.includes(this.id)
  }

  private inLease(): boolean {
    if (!this.cfg.checkQuorum) return false
    const recent = this.electionElapsed < this.cfg.electionTick
    return recent && (this.lead !== NONE || this.startupLease)
  }

  // ---------------------------------------------------------------- elections

  private tickElection(): void {
    this.electionElapsed++
    if (this.startupLease && this.electionElapsed >= this.cfg.electionTick) this.startupLease = false
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      this.hup(false)
    }
  }

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return
    if (this.cfg.preVote && !transfer) this.runElection(true, false)
    else this.runElection(false, transfer)
  }

  private runElection(pre: boolean, transfer: boolean): void {
    let term: number
    if (pre) {
      this.becomePreCandidate()
      term = this.term + 1
    } else {
      this.becomeCandidate()
      term = this.term
    }
    if (this.poll(this.id, true) === 'won') {
      if (pre) this.runElection(false, transfer)
      else this.becomeLeader()
      return
    }
    const index = this.log.lastIndex()
    const logTerm = this.log.lastTerm()
    for (const id of this.conf.current().voters) {
      if (id === this.id) continue
      this.send({ type: pre ? 'preVote' : 'vote', to: id, term, index, logTerm, transfer })
    }
  }

  private poll(id: NodeId, granted: boolean): ReturnType<typeof voteResult> {
    if (!this.votes.has(id)) this.votes.set(id, granted)
    return voteResult(this.conf.current().voters, this.votes)
  }

  private handleVoteRequest(m: VoteMessage): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === 'preVote' && m.term > this.term)
    const upToDate = this.cfg.testingFaults.skipUpToDateCheck || this.log.isUpToDate(m.index, m.logTerm)
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp'
    if (canVote && upToDate) {
      // Answer with the candidate's term so a pre-candidate can count it.
      this.send({ type: respType, to: m.from, term: m.term, reject: false })
      if (m.type === 'vote') {
        this.electionElapsed = 0
        this.vote = m.from
      }
    } else {
      this.send({ type: respType, to: m.from, reject: true })
    }
  }

  // ---------------------------------------------------------------- per-role handling

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
        this.becomeFollower(m.term, m.from)
        this.handleAppend(m)
        break
      case 'heartbeat':
        this.becomeFollower(m.term, m.from)
        this.handleHeartbeat(m)
        break
      case 'snapshot':
        this.becomeFollower(m.term, m.from)
        this.handleSnapshot(m)
        break
      case 'voteResp':
      case 'preVoteResp': {
        const mine = this.role === 'preCandidate' ? 'preVoteResp' : 'voteResp'
        if (m.type !== mine) break
        const res = this.poll(m.from, !m.reject)
        if (res === 'won') {
          if (this.role === 'preCandidate') this.runElection(false, false)
          else {
            this.becomeLeader()
          }
        } else if (res === 'lost') {
          this.becomeFollower(this.term, NONE)
        }
        break
      }
      default:
        break
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleAppend(m)
        break
      case 'heartbeat':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleHeartbeat(m)
        break
      case 'snapshot':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleSnapshot(m)
        break
      case 'timeoutNow':
        // Our leader asked us to take over: campaign now, skipping pre-vote.
        this.hup(true)
        break
      case 'readIndexResp':
        this.readStates.push({ index: m.index, context: m.context })
        break
      default:
        break
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'appendResp':
        this.handleAppendResponse(m)
        break
      case 'heartbeatResp':
        this.handleHeartbeatResponse(m)
        break
      case 'readIndex':
        if (this.checkReadContext(m)) this.leaderReadIndex(m)
        break
      default:
        break
    }
  }

  /**
   * A context names one read, cluster-wide (the driver makes them unique: node id, a nonce per
   * process, a counter). A second request with a pending context is refused loudly, before
   * anything changes: taking it would match acks meant for the other one.
   */
  private checkReadContext(m: ReadIndexMessage): boolean {
    if (m.context === '') throw new RaftError('invalid-read-context', 'a read context must not be empty')
    const pending = this.readOnly.get(m.context) ?? this.pendingReadIndex.find((p) => p.context === m.context)
    if (!pending) return true
    // The network delivered the same request twice: it is already being answered.
    if (pending.from === m.from && m.from !== this.id) return false
    throw new RaftError('duplicate-read-context', `read context ${m.context} from ${m.from} is already pending (from ${pending.from})`)
  }

  // ---------------------------------------------------------------- follower side

  private handleAppend(m: AppendMessage): void {
    if (m.index < this.log.committed) {
      this.send({ type: 'appendResp', to: m.from, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 })
      return
    }
    const last = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries, (ents) => this.onLogAppend(ents))
    if (last !== undefined) {
      this.send({ type: 'appendResp', to: m.from, index: last, reject: false, rejectHint: 0, logTerm: 0 })
      return
    }
    // Reject with a hint: the last index (at or before the probe) whose term is <= the
    // leader's prev term; everything after it in that term range must be wrong.
    const [hintIndex, hintTerm] = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm)
    this.send({ type: 'appendResp', to: m.from, index: m.index, reject: true, rejectHint: hintIndex, logTerm: hintTerm })
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    // The leader sends min(match, commit), so we are known to hold that prefix. A commit past
    // our log is not from an honest leader: ignore it rather than fail (peers are untrusted).
    if (m.commit <= this.log.lastIndex()) this.log.commitTo(m.commit)
    this.send({ type: 'heartbeatResp', to: m.from, context: m.context, sentAt: m.sentAt })
  }

  private handleSnapshot(m: SnapshotMessage): void {
    if (this.restore(m.snapshot)) {
      this.send({ type: 'appendResp', to: m.from, index: this.log.lastIndex(), reject: false, rejectHint: 0, logTerm: 0 })
    } else {
      this.send({ type: 'appendResp', to: m.from, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 })
    }
  }

  private restore(snap: Snapshot): boolean {
    const { index, term, confState } = snap.metadata
    if (index <= this.log.committed) return false
    if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's last entry: just learn that it is committed.
      this.log.commitTo(index)
      return false
    }
    this.log.restore(snap)
    this.conf.reset(index, confState)
    this.resetProgress()
    return true
  }

  // ---------------------------------------------------------------- leader side

  private checkCanPropose(): void {
    if (this.role !== 'leader') throw new RaftError('not-leader')
    if (this.leadTransferee !== NONE) throw new RaftError('transferring', 'leadership transfer in progress')
    if (!this.prs.has(this.id)) throw new RaftError('removed', 'this leader is being removed')
  }

  private appendEntries(es: Entry[]): ProposalResult {
    let li = this.log.lastIndex()
    const ents = es.map((e) => ({ ...e, index: ++li, term: this.term }))
    this.log.append(ents)
    this.onLogAppend(ents)
    // The leader's own copy counts towards the quorum only once it is durable (advance()), as
    // with etcd's asynchronous storage writes: otherwise a lone voter would commit, and its
    // early appends announce, entries that a power loss can still take back.
    this.appendsPending = true
    return { index: li, term: this.term }
  }

  /** Every write to the log passes here so the membership follows the log. */
  private onLogAppend(ents: readonly Entry[]): void {
    if (!this.conf.onAppend(ents)) return
    this.applyMembership()
  }

  private applyMembership(): void {
    const cs = this.conf.current()
    const ids = [...cs.voters, ...cs.learners]
    for (const id of [...this.prs.keys()]) {
      if (!ids.includes(id)) this.prs.delete(id)
    }
    const last = this.log.lastIndex()
    for (const id of ids) {
      const isLearner = cs.learners.includes(id)
      const pr = this.prs.get(id)
      if (pr) pr.isLearner = isLearner
      else {
        const np = this.newProgress(last + 1, isLearner)
        if (id === this.id) np.match = this.log.persistedIndex()
        this.prs.set(id, np)
      }
    }
    if (this.role !== 'leader') return
    if (this.leadTransferee !== NONE && !cs.voters.includes(this.leadTransferee)) this.leadTransferee = NONE
    // A smaller quorum may already cover more entries.
    if (this.maybeCommit()) this.appendsPending = true
  }

  private flushAppends(): void {
    if (!this.appendsPending) return
    this.appendsPending = false
    if (this.role === 'leader') this.bcastAppend()
  }

  private maybeCommit(): boolean {
    const voters = this.conf.current().voters
    const mci = committedIndex(voters, (id) => this.prs.get(id)?.match ?? 0)
    let changed: boolean
    if (this.cfg.testingFaults.commitPreviousTermByCounting) {
      changed = mci > this.log.committed
      if (changed) this.log.commitTo(mci)
    } else {
      changed = this.log.maybeCommit(mci, this.term)
    }
    if (changed) this.onCommitAdvanced()
    return changed
  }

  private onCommitAdvanced(): void {
    if (this.role !== 'leader') return
    if (this.pendingReadIndex.length > 0 && this.log.term(this.log.committed) === this.term) {
      const pending = this.pendingReadIndex
      this.pendingReadIndex = []
      for (const m of pending) this.leaderReadIndex(m)
    }
    // A leader that removed (or demoted) itself steps down once the change is committed.
    if (!this.conf.current().voters.includes(this.id) && this.log.committed >= this.conf.latestIndex()) {
      this.bcastAppend()
      this.becomeFollower(this.term, NONE)
    }
  }

  private bcastAppend(): void {
    for (const id of this.prs.keys()) {
      if (id === this.id) continue
      this.sendAppend(id)
    }
  }

  /** Send as many appends as the follower's flow control allows (at least try one). */
  private sendAppend(to: NodeId): void {
    if (!this.maybeSendAppend(to, true)) return
    while (this.maybeSendAppend(to, false)) {
      // keep filling the inflight window
    }
  }

  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to)
    if (!pr || pr.isPaused()) return false
    const prevIndex = pr.next - 1
    const prevTerm = this.log.term(prevIndex)
    const ents = prevTerm === undefined ? undefined : this.log.entriesFrom(pr.next, this.cfg.maxSizePerMsg)
    if (prevTerm === undefined || ents === undefined) return this.maybeSendSnapshot(to, pr)
    if (ents.length === 0 && !sendIfEmpty) return false
    this.send({ type: 'append', to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed })
    const bytes = ents.reduce((n, e) => n + entrySize(e), 0)
    pr.sentEntries(ents.length, ents.length > 0 ? ents[ents.length - 1].index : prevIndex, bytes)
    return true
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    // Don't ship a (possibly large) snapshot to a node we haven't heard from lately.
    if (!pr.recentActive) return false
    const snapshot = this.log.snapshot()
    this.send({ type: 'snapshot', to, snapshot })
    pr.becomeSnapshot(snapshot.metadata.index)
    return true
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.prs.get(m.from)
    if (!pr) return
    pr.recentActive = true
    if (m.reject) {
      let hint = m.rejectHint
      if (m.logTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.logTerm)[0]
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe()
        this.sendAppend(m.from)
      }
      return
    }
    const wasPaused = pr.isPaused()
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === 'probe') pr.becomeReplicate()
      else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe()
        pr.becomeReplicate()
      } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index)
      if (this.maybeCommit()) {
        if (this.role !== 'leader') return
        this.bcastAppend()
      } else if (wasPaused) {
        // Resume a follower that was waiting for this ack (even with nothing new to send).
        this.maybeSendAppend(m.from, true)
      }
      while (this.maybeSendAppend(m.from, false)) {
        // stream whatever else the window allows
      }
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from)
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.prs.get(m.from)
    if (!pr) return
    pr.recentActive = true
    pr.probeSent = false
    // Appends may have been lost: free a slot so a full window can't stall replication forever.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne()
    if (!pr.isLearner) this.leaseAcks.set(m.from, Math.max(this.leaseAcks.get(m.from) ?? -Infinity, m.sentAt))
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from)
    if (m.context === '') return
    const acks = this.readOnly.recvAck(m.from, m.context)
    if (!acks) return
    const voters = this.conf.current().voters
    const n = voters.filter((id) => acks.has(id)).length
    if (n < quorumSize(voters.length)) return
    for (const rs of this.readOnly.advance(m.context)) this.answerReadIndex(rs.request, rs.index)
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    this.quorumCheckElapsed++
    if (this.cfg.checkQuorum && this.quorumCheckElapsed >= this.cfg.checkQuorumTick) {
      this.quorumCheckElapsed = 0
      if (!this.quorumActive()) {
        this.becomeFollower(this.term, NONE)
        return
      }
      for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false
    }
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0
      this.bcastHeartbeat(this.readOnly.lastPendingContext())
    }
  }

  private quorumActive(): boolean {
    const voters = this.conf.current().voters
    const active = voters.filter((id) => id === this.id || this.prs.get(id)?.recentActive).length
    return active >= quorumSize(voters.length)
  }

  private bcastHeartbeat(context: string): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue
      const commit = Math.min(pr.match, this.log.committed)
      this.send({ type: 'heartbeat', to: id, commit, context, sentAt: this.clock })
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.leaseRevoked = true
    this.send({ type: 'timeoutNow', to })
  }

  // ---------------------------------------------------------------- reads

  private leaderReadIndex(m: ReadIndexMessage): void {
    const voters = this.conf.current().voters
    if (voters.length === 1 && voters[0] === this.id) {
      this.answerReadIndex(m, this.log.committed)
      return
    }
    // Until an entry of our term is committed we don't know the true commit index.
    if (this.log.term(this.log.committed) !== this.term) {
      this.pendingReadIndex.push(m)
      return
    }
    if (this.cfg.testingFaults.readWithoutQuorum || (this.cfg.readOnlyOption === 'lease' && this.leaseValid())) {
      this.answerReadIndex(m, this.log.committed)
      return
    }
    this.readOnly.add(this.log.committed, m)
    const acks = this.readOnly.recvAck(this.id, m.context)
    if (acks && voters.includes(this.id) && quorumSize(voters.length) <= 1) {
      for (const rs of this.readOnly.advance(m.context)) this.answerReadIndex(rs.request, rs.index)
      return
    }
    this.bcastHeartbeat(m.context)
  }

  /**
   * A voter that acked a heartbeat sent at tick s won't vote for anyone else until it has
   * counted a full election timeout of its own ticks from receipt (>= s). Allowing one tick of
   * phase skew at each end plus the configured drift, the lease lasts electionTick - 2 - drift.
   */
  private leaseValid(): boolean {
    if (this.leaseRevoked || this.leadTransferee !== NONE) return false
    const voters = this.conf.current().voters
    const sent = voters
      .map((id) => (id === this.id ? this.clock : (this.leaseAcks.get(id) ?? -Infinity)))
      .sort((a, b) => b - a)
    const s = sent[quorumSize(voters.length) - 1]
    return this.clock - s <= this.cfg.electionTick - 2 - this.cfg.leaseDriftTicks
  }

  private answerReadIndex(m: ReadIndexMessage, index: number): void {
    if (m.from === this.id) this.readStates.push({ index, context: m.context })
    else this.send({ type: 'readIndexResp', to: m.from, context: m.context, index })
  }

  // ---------------------------------------------------------------- uncommitted budget

  private increaseUncommittedSize(ents: Entry[]): boolean {
    const max = this.cfg.maxUncommittedEntriesSize
    const s = ents.reduce((n, e) => n + payloadSize(e), 0)
    // Always admit something when nothing is outstanding, so one large entry can't wedge us.
    if (max > 0 && this.uncommittedSize > 0 && s > 0 && this.uncommittedSize + s > max) return false
    this.uncommittedSize += s
    return true
  }

  private reduceUncommittedSize(ents: readonly Entry[]): void {
    const s = ents.reduce((n, e) => n + payloadSize(e), 0)
    this.uncommittedSize = Math.max(0, this.uncommittedSize - s)
  }

  private send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as Message)
  }
}
