/**
 * In-memory RaftStorage. The app appends here only *after* the same data is durable on its
 * disk, so this always mirrors what would survive a crash (plus the app rebuilds it on restart).
 */
import { CompactedError, UnavailableError } from './errors.ts'
import { limitSize } from './limit-size.ts'
import type { InitialState, RaftStorage } from './storage.ts'
import { type ConfState, EMPTY_HARD_STATE, type Entry, type HardState, type Snapshot } from './types.ts'

const EMPTY_CONF: ConfState = { voters: [], learners: [] }

export class MemoryStorage implements RaftStorage {
  private hardState: HardState = EMPTY_HARD_STATE
  private snap: Snapshot = {
    metadata: { index: 0, term: 0, confState: EMPTY_CONF },
    data: new Uint8Array(),
  }
  // The log is ents[i] = entry (offset + 1 + i); offset/offsetTerm describe the compaction point.
  private offset = 0
  private offsetTerm = 0
  private ents: Entry[] = []

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.metadata.confState }
  }

  hardStateValue(): HardState {
    return this.hardState
  }

  setHardState(hs: HardState): void {
    this.hardState = hs
  }

  firstIndex(): number {
    return this.offset + 1
  }

  lastIndex(): number {
    return this.offset + this.ents.length
  }

  term(index: number): number {
    if (index === this.offset) return this.offsetTerm
    if (index < this.offset) throw new CompactedError(index)
    if (index > this.lastIndex()) throw new UnavailableError(index)
    return this.ents[index - this.offset - 1].term
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo <= this.offset) throw new CompactedError(lo)
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1)
    return limitSize(this.ents.slice(lo - this.offset - 1, hi - this.offset - 1), maxBytes)
  }

  snapshot(): Snapshot {
    return this.snap
  }

  /** Replace everything with a snapshot received from the leader (after it is durable). */
  applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.snap.metadata.index) return
    this.snap = snap
    this.offset = snap.metadata.index
    this.offsetTerm = snap.metadata.term
    this.ents = []
  }

  /** Record a snapshot of the app's state machine at `index` (<= applied). Does not compact. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new CompactedError(index)
    const snap = { metadata: { index, term: this.term(index), confState }, data }
    this.snap = snap
    return snap
  }

  /**
   * Drop entries up to and including `index`. Only up to the snapshot index: compacting past it
   * would leave a lagging follower with nothing the leader can send it.
   */
  compact(index: number): void {
    if (index <= this.offset) return
    if (index > this.snap.metadata.index) {
      throw new UnavailableError(index)
    }
    const term = this.term(index)
    this.ents = this.ents.slice(index - this.offset)
    this.offset = index
    this.offsetTerm = term
  }

  /** Append entries, truncating any conflicting suffix (entries[0] may overwrite the tail). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return
    let ents = entries
    const first = this.firstIndex()
    if (ents[ents.length - 1].index < first) return
    if (ents[0].index < first) ents = ents.slice(first - ents[0].index)
    const at = ents[0].index - first
    if (at > this.ents.length) {
      throw new Error(`missing log entries: last ${this.lastIndex()}, appending at ${ents[0].index}`)
    }
    this.ents = this.ents.slice(0, at).concat(ents)
  }
}
