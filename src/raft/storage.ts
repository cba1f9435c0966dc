/**
 * Read side of the durable Raft log. The core only reads through this interface; the app
 * writes (after persisting) through its own implementation, e.g. MemoryStorage.
 */
import type { ConfState, Entry, HardState, Snapshot } from './types.ts'

export interface InitialState {
  readonly hardState: HardState
  /** Membership as of the storage's snapshot (entries after it may change it further). */
  readonly confState: ConfState
}

export interface RaftStorage {
  initialState(): InitialState
  /**
   * Entries in [lo, hi), stopping once `maxBytes` is exceeded but always returning at least
   * one entry. Throws CompactedError if lo <= the snapshot index, UnavailableError if hi > last + 1.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[]
  /** Term of entry `index`; valid for firstIndex() - 1 (the snapshot) through lastIndex(). */
  term(index: number): number
  firstIndex(): number
  lastIndex(): number
  /** The most recent snapshot; the leader sends it to followers behind the compacted log. */
  snapshot(): Snapshot
}
