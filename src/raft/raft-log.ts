/** The node's view of the log: durable storage followed by the unstable tail. */
import { CompactedError, UnavailableError } from './errors.ts'
import { limitSize } from './limit-size.ts'
import type { RaftStorage } from './storage.ts'
import type { Entry, Snapshot } from './types.ts'
import { Unstable } from './unstable.ts'

export class RaftLog {
  readonly storage: RaftStorage
  readonly unstable: Unstable
  /** Highest index known to be committed on a quorum. */
  committed: number
  /** Highest index handed to the app for applying. */
  applied: number

  constructor(storage: RaftStorage) {
    this.storage = storage
    const first = storage.firstIndex()
    const last = storage.lastIndex()
    this.unstable = new Unstable(last + 1)
    this.committed = first - 1
    this.applied = first - 1
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex()
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex()
  }

  /** Last index the app has made durable (entries still unstable are not). */
  persistedIndex(): number {
    if (this.unstable.entries.length > 0 || this.unstable.snapshot) return this.unstable.offset - 1
    return this.storage.lastIndex()
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0
  }

  /** Term at `i`, or undefined if compacted or beyond the end. */
  term(i: number): number | undefined {
    const dummy = this.firstIndex() - 1
    if (i < dummy || i > this.lastIndex()) return undefined
    const t = this.unstable.maybeTerm(i)
    if (t !== undefined) return t
    try {
      return this.storage.term(i)
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return undefined
      throw e
    }
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t
  }

  /** Raft §5.4.1: is a candidate's log at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm()
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex())
  }

  /** First index of `ents` whose term differs from ours (or that we lack); 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index
    }
    return 0
  }

  /**
   * Largest index <= `index` whose term is <= `term` (with that term; 0 if compacted).
   * Used on both sides of a rejection to skip whole terms instead of one entry per round trip.
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = index; i >= 0; i--) {
      const t = this.term(i)
      if (t === undefined) return [i, 0]
      if (t <= term) return [i, t]
    }
    return [0, 0]
  }

  /**
   * Follower side of AppendEntries. Returns the last index known to match the leader, or
   * undefined when (prevIndex, prevTerm) does not match. `onAppend` sees the appended suffix.
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    committed: number,
    ents: readonly Entry[],
    onAppend: (ents: readonly Entry[]) => void,
  ): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined
    const lastNew = prevIndex + ents.length
    const ci = this.findConflict(ents)
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new Error(`entry ${ci} conflicts with committed entry (committed ${this.committed})`)
      }
      const suffix = ents.slice(ci - (prevIndex + 1))
      this.append(suffix)
      onAppend(suffix)
    }
    this.commitTo(Math.min(committed, lastNew))
    return lastNew
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex()
    if (ents[0].index - 1 < this.committed) {
      throw new Error(`append at ${ents[0].index} would overwrite committed ${this.committed}`)
    }
    this.unstable.truncateAndAppend(ents)
    return this.lastIndex()
  }

  commitTo(c: number): void {
    if (c <= this.committed) return
    if (c > this.lastIndex()) {
      throw new Error(`commit ${c} is out of range [last ${this.lastIndex()}]`)
    }
    this.committed = c
  }

  /** Commit `maxIndex` only if it was created in `term` (Raft §5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex)
      return true
    }
    return false
  }

  appliedTo(i: number): void {
    if (i === 0) return
    if (i > this.committed || i < this.applied) {
      throw new Error(`applied ${i} out of range [applied ${this.applied}, committed ${this.committed}]`)
    }
    this.applied = i
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined
  }

  hasNextCommittedEntries(): boolean {
    if (this.hasPendingSnapshot()) return false
    return this.committed > Math.max(this.applied, this.firstIndex() - 1)
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return []
    const lo = Math.max(this.applied + 1, this.firstIndex())
    return this.slice(lo, this.committed + 1, maxBytes) ?? []
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice()
  }

  /** Entries from `lo` to the end, size-limited; undefined if `lo` is compacted. */
  entriesFrom(lo: number, maxBytes: number): Entry[] | undefined {
    if (lo > this.lastIndex()) return []
    return this.slice(lo, this.lastIndex() + 1, maxBytes)
  }

  /** [lo, hi) limited by size; undefined when lo is compacted. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    if (lo >= hi) return []
    if (lo < this.firstIndex()) return undefined
    if (hi > this.lastIndex() + 1) throw new Error(`slice [${lo},${hi}) beyond last ${this.lastIndex()}`)
    let ents: Entry[] = []
    const uOff = this.unstable.offset
    if (lo < uOff) {
      try {
        ents = this.storage.entries(lo, Math.min(hi, uOff), maxBytes)
      } catch (e) {
        if (e instanceof CompactedError) return undefined
        throw e
      }
      // Storage stopped early because of the size limit: don't add unstable entries.
      if (ents.length < Math.min(hi, uOff) - lo) return ents
    }
    if (hi > uOff) {
      const u = this.unstable.slice(Math.max(lo, uOff), hi)
      ents = ents.length > 0 ? ents.concat(u) : u
    }
    return limitSize(ents, maxBytes)
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot()
  }

  restore(snap: Snapshot): void {
    this.committed = snap.metadata.index
    this.unstable.restore(snap)
  }
}
