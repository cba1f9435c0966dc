/**
 * Safety invariants, checked incrementally after every simulation step (Raft paper §5 and the
 * openraft fuzzer's list): election safety, log matching, leader completeness, state-machine
 * safety, immutability of committed entries, single vote per term, and no regression of
 * term/vote/commit/applied (within a run and across restarts).
 */
import type { Entry, HardState, Message, NodeId, RaftNode, Ready } from '../../src/raft/mod.ts'

/** What a node's disk holds right now (synced data only). */
export interface DurableView {
  readonly hardState: HardState
  readonly lastIndex: number
}

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvariantViolation'
  }
}

interface Observed {
  term: number
  commit: number
  applied: number
}

function hashBytes(data: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193)
  return h >>> 0
}

function entryHash(e: Entry): string {
  return `${e.type}:${e.data.byteLength}:${hashBytes(e.data)}`
}

export class Invariants {
  /** term -> leader */
  private readonly leaders = new Map<number, NodeId>()
  /** "index:term" -> {prevTerm, hash}: log matching by induction over (index, term) pairs. */
  private readonly logPairs = new Map<string, { prevTerm: number; hash: string }>()
  /** index -> term+hash of the entry applied there (by anyone). */
  private readonly applied = new Map<number, { term: number; hash: string }>()
  /** index -> term of the entry known committed there. */
  private readonly committed = new Map<number, number>()
  /** For leader completeness: highest commit point learned by a node in term t. */
  private readonly commitByTerm = new Map<number, { index: number; term: number }>()
  /** "term:voter" -> candidate */
  private readonly votes = new Map<string, NodeId>()
  private readonly observed = new Map<NodeId, Observed>()
  private readonly durable = new Map<NodeId, HardState>()
  checks = 0

  fail(msg: string): never {
    throw new InvariantViolation(msg)
  }

  /** Called after every event for every running node. */
  afterStep(id: NodeId, node: RaftNode): void {
    this.checks++
    const st = node.status()
    const prev = this.observed.get(id)
    if (prev) {
      if (st.term < prev.term) this.fail(`${id}: term went back ${prev.term} -> ${st.term}`)
      if (st.commit < prev.commit) this.fail(`${id}: commit went back ${prev.commit} -> ${st.commit}`)
      if (st.applied < prev.applied) this.fail(`${id}: applied went back ${prev.applied} -> ${st.applied}`)
    }
    if (st.commit > st.lastIndex) this.fail(`${id}: commit ${st.commit} > last ${st.lastIndex}`)
    if (st.applied > st.commit) this.fail(`${id}: applied ${st.applied} > commit ${st.commit}`)
    this.observed.set(id, { term: st.term, commit: st.commit, applied: st.applied })
    if (st.role === 'leader') {
      const other = this.leaders.get(st.term)
      if (other === undefined) {
        this.leaders.set(st.term, id)
        this.checkLeaderCompleteness(id, node, st.term)
      } else if (other !== id) {
        this.fail(`election safety: ${other} and ${id} both leaders of term ${st.term}`)
      }
    }
  }

  private checkLeaderCompleteness(id: NodeId, node: RaftNode, term: number): void {
    let best: { index: number; term: number } | undefined
    for (const [t, c] of this.commitByTerm) {
      if (t < term && (!best || c.index > best.index)) best = c
    }
    if (!best || best.index === 0) return
    const first = node.status().firstIndex
    if (best.index < first - 1) return // inside its snapshot, which holds only committed data
    const have = node.termAt(best.index)
    if (have !== best.term) {
      this.fail(
        `leader completeness: ${id} leader of term ${term} has term ${have} at committed index ${best.index} (want ${best.term})`,
      )
    }
  }

  /** A Ready was taken from `id` (before persistence). */
  onReady(id: NodeId, node: RaftNode, rd: Ready): void {
    let prevTerm: number | undefined
    for (const e of rd.entries) {
      const pt = prevTerm ?? node.termAt(e.index - 1)
      prevTerm = e.term
      if (pt === undefined) continue
      const key = `${e.index}:${e.term}`
      const h = entryHash(e)
      const seen = this.logPairs.get(key)
      if (!seen) this.logPairs.set(key, { prevTerm: pt, hash: h })
      else if (seen.prevTerm !== pt || seen.hash !== h) {
        this.fail(`log matching: ${id} has a different entry/prefix at index ${e.index} term ${e.term}`)
      }
    }
    if (rd.hardState) {
      const c = rd.hardState.commit
      const t = node.termAt(c)
      if (t !== undefined && c > 0) this.noteCommitted(id, c, t, rd.hardState.term)
    }
  }

  /**
   * Messages actually leave a node (a vote only counts once it is out). Every promise in them
   * must already be durable on the sender: a vote, and an ack of log entries.
   */
  onSend(msgs: readonly Message[], durable: (id: NodeId) => DurableView): void {
    for (const m of msgs) {
      if (m.type === 'appendResp' && !m.reject && m.index > 0) {
        const d = durable(m.from)
        if (d.lastIndex < m.index) {
          this.fail(`${m.from} acked index ${m.index} to ${m.to} but only ${d.lastIndex} is durable`)
        }
      }
      if ((m.type === 'voteResp' && !m.reject) || m.type === 'vote') {
        const d = durable(m.from)
        const votedFor = m.type === 'vote' ? m.from : m.to
        // A durable later term also keeps the promise: the node never acts in m.term again (a
        // Ready after a long pause can hold a vote in one term and then a move to the next).
        if (d.hardState.term < m.term || (d.hardState.term === m.term && d.hardState.vote !== votedFor)) {
          this.fail(`${m.from} sent ${m.type} in term ${m.term} before its vote was durable (durable: term ${d.hardState.term}, vote ${d.hardState.vote || 'none'})`)
        }
      }
      if (m.type !== 'voteResp' || m.reject) continue
      const key = `${m.term}:${m.from}`
      const prev = this.votes.get(key)
      if (prev !== undefined && prev !== m.to) {
        this.fail(`${m.from} voted for both ${prev} and ${m.to} in term ${m.term}`)
      }
      this.votes.set(key, m.to)
    }
  }

  private noteCommitted(id: NodeId, index: number, term: number, nodeTerm: number): void {
    const known = this.committed.get(index)
    if (known !== undefined && known !== term) {
      this.fail(`committed entry changed: ${id} commits term ${term} at ${index}, earlier term ${known}`)
    }
    this.committed.set(index, term)
    const c = this.commitByTerm.get(nodeTerm)
    if (!c || index > c.index) this.commitByTerm.set(nodeTerm, { index, term })
  }

  /** `id` applied entry `e` to its state machine. */
  onApply(id: NodeId, e: Entry): void {
    const h = entryHash(e)
    const seen = this.applied.get(e.index)
    if (!seen) this.applied.set(e.index, { term: e.term, hash: h })
    else if (seen.term !== e.term || seen.hash !== h) {
      this.fail(`state machine safety: ${id} applied term ${e.term} at ${e.index}, another node term ${seen.term}`)
    }
    const c = this.committed.get(e.index)
    if (c !== undefined && c !== e.term) this.fail(`${id} applied term ${e.term} at ${e.index}, committed ${c}`)
  }

  /**
   * Every entry any node applied must be in the leader's durable log, unchanged, as far as that
   * leader has committed (a deposed leader may still hold entries of its term beyond): an entry
   * that a replica applied and the leader then lost or replaced was never durably committed.
   * Checked whenever a leader syncs, and for absence once the run ends (`final`).
   */
  checkLeaderDurableLog(id: NodeId, node: RaftNode, durable: { entries: readonly Entry[]; snapshot?: { metadata: { index: number } } }, final = false): void {
    const commit = node.status().commit
    for (const e of durable.entries) {
      if (e.index > commit) break
      const seen = this.applied.get(e.index)
      if (seen && (e.term !== seen.term || entryHash(e) !== seen.hash)) {
        this.fail(`an entry applied at ${e.index} (term ${seen.term}) differs in leader ${id}'s durable log (term ${e.term})`)
      }
    }
    if (!final) return
    const snapIndex = durable.snapshot?.metadata.index ?? 0
    const last = durable.entries.length > 0 ? durable.entries[durable.entries.length - 1].index : snapIndex
    for (const [index, seen] of this.applied) {
      if (index > Math.max(snapIndex, last)) {
        this.fail(`applied entry ${index} (term ${seen.term}) is absent from leader ${id}'s durable log`)
      }
    }
  }

  /** `id` fsynced; `hs` is now its durable hard state. */
  onDurable(id: NodeId, hs: HardState): void {
    this.checkDurable(id, hs, 'sync')
    this.durable.set(id, hs)
  }

  /** `id` restarted from disk with hard state `hs`. */
  onRestart(id: NodeId, hs: HardState): void {
    this.checkDurable(id, hs, 'restart')
    this.observed.delete(id)
  }

  private checkDurable(id: NodeId, hs: HardState, when: string): void {
    const prev = this.durable.get(id)
    if (!prev) return
    if (hs.term < prev.term) this.fail(`${id} (${when}): durable term went back ${prev.term} -> ${hs.term}`)
    if (hs.commit < prev.commit) this.fail(`${id} (${when}): durable commit went back ${prev.commit} -> ${hs.commit}`)
    if (hs.term === prev.term && prev.vote !== '' && hs.vote !== prev.vote) {
      this.fail(`${id} (${when}): durable vote changed in term ${hs.term}: ${prev.vote} -> ${hs.vote}`)
    }
  }
}
