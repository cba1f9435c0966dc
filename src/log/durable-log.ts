/**
 * The durable Raft log: a RaftStorage (same semantics as MemoryStorage) backed by checksummed,
 * append-only segment files plus an atomically replaced state file. See docs/log-format.md.
 *
 * Write side, after each Ready: `applySnapshot` (if any), `append(entries)`, `setHardState(hs)`,
 * then one `sync()` for the whole batch, and only then send messages or acknowledge clients.
 * @module
 */
import { isConfStateEqual } from '../raft/conf-change.ts'
import { type FilePort, syncHandle } from '../ports/file-port.ts'
import { CompactedError, UnavailableError } from '../raft/errors.ts'
import type { InitialState, RaftStorage } from '../raft/storage.ts'
import type { ConfState, Entry, HardState, Snapshot, SnapshotMetadata } from '../raft/types.ts'
import { EntryCache } from './entry-cache.ts'
import { LogCorruptionError } from './log-corruption-error.ts'
import { commitRecord } from './record.ts'
import { type RecoveredLog, recoverLog } from './recover-log.ts'
import type { Segment } from './segment.ts'
import { type NextSegment, SegmentSet } from './segment-set.ts'
import { type LogState, writeLogState, writeLogStateAsync } from './state-file.ts'

export interface DurableLogOptions {
  /** Start a new segment file once the active one would pass this size. Default 64 MiB. */
  readonly segmentBytes?: number
  /** Recent entries kept in memory so replication rarely reads the disk. Default 2 MiB. */
  readonly cacheBytes?: number
  /** Receives recovery notes: torn tail cut, leftover files removed. */
  readonly logger?: (message: string) => void
  /**
   * Grow the active segment this many zero bytes ahead of its records, so that an fsync seldom
   * has to make a new size durable (docs/log-format.md). Default: the file port's
   * `preallocateBytes`, else 0.
   */
  readonly preallocateBytes?: number
}

const EMPTY = new Uint8Array(0)

/**
 * The cache's default budget, counted as resident memory (entry-cache.ts). 2 MiB holds about
 * 2,000 key/value writes or 400 batches of 100 inserts, seconds of replication at the rates a
 * 3-node cluster sustains here, with no entry read back from disk in `npm run bench`'s cluster
 * run. 8 MiB (counting data bytes only) held ~30 MiB and was a quarter of a leader's RSS.
 */
export const DEFAULT_CACHE_BYTES = 2 * 1024 * 1024

export class DurableLog implements RaftStorage {
  readonly #files: FilePort
  readonly #dir: string
  /** The segment files; the last one takes appends. */
  readonly #segments: SegmentSet

  // As in MemoryStorage: entry (offset + 1 + i) has term #terms[i]; offset is the compaction point.
  #offset: number
  #offsetTerm: number
  #terms: number[]
  /** Entries cache.first … lastIndex(), the recent tail. */
  readonly #cache: EntryCache

  #epoch: number
  #snapshot: Snapshot
  #hardState: HardState
  /** Term and vote as of the last state file write. */
  #durableTerm: number
  #durableVote: string
  /** Largest commit written to a segment (synced or not), and the largest known durable. */
  #writtenCommit: number
  #durableCommit: number
  /** Commit as of the last state file write. */
  #stateCommit: number
  #stateDirty = false
  /** Set by a failed write or fsync: what reached the disk is unknown, so reopen the log. */
  #failure: unknown
  #closed = false
  /** A `syncAsync` is waiting for the disk. */
  #syncing = false

  private constructor(files: FilePort, dir: string, options: DurableLogOptions, recovered: RecoveredLog) {
    this.#files = files
    this.#dir = dir
    const { state, segments, terms, commit } = recovered
    this.#segments = new SegmentSet(files, dir, options.segmentBytes ?? 64 * 1024 * 1024, segments, options.preallocateBytes ?? files.preallocateBytes ?? 0)
    this.#offset = state.base.index
    this.#offsetTerm = state.base.term
    this.#terms = terms
    this.#cache = new EntryCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES, this.lastIndex() + 1)
    this.#epoch = state.epoch
    this.#snapshot = { metadata: state.snapshot, data: EMPTY }
    this.#hardState = { term: state.term, vote: state.vote, commit }
    this.#durableTerm = state.term
    this.#durableVote = state.vote
    this.#writtenCommit = commit
    this.#durableCommit = commit
    this.#stateCommit = state.commit
  }

  /**
   * Opens (creating if needed) the log kept in `dir`, recovering it: a torn tail is cut off and
   * reported through `logger`; any other damage throws LogCorruptionError. The caller holds the
   * data directory's lock: two processes must never open one log.
   */
  static open(files: FilePort, dir: string, options: DurableLogOptions = {}): DurableLog {
    const log = options.logger ?? (() => {})
    return new DurableLog(files, dir, options, recoverLog(files, dir, log))
  }

  // --- RaftStorage (read side) ---

  initialState(): InitialState {
    return { hardState: this.#hardState, confState: this.#snapshot.metadata.confState }
  }

  firstIndex(): number {
    return this.#offset + 1
  }

  lastIndex(): number {
    return this.#offset + this.#terms.length
  }

  term(index: number): number {
    if (index === this.#offset) return this.#offsetTerm
    if (index < this.#offset) throw new CompactedError(index)
    if (index > this.lastIndex()) throw new UnavailableError(index)
    return this.#terms[index - this.#offset - 1]
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo <= this.#offset) throw new CompactedError(lo)
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1)
    if (lo >= hi) return []
    return this.#read(lo, lo + this.#segments.countWithin(lo, hi, maxBytes))
  }

  /**
   * The latest snapshot's metadata. `data` is empty: the app keeps the SQLite snapshot in its own
   * file, unless it attached bytes with `setSnapshotData` (kept in memory only, never persisted).
   */
  snapshot(): Snapshot {
    return this.#snapshot
  }

  // --- write side ---

  /** The hard state as last set (durable once `sync` returns). */
  hardState(): HardState {
    return this.#hardState
  }

  /**
   * Appends entries, first truncating any conflicting suffix (entries[0] may overwrite the tail),
   * exactly like MemoryStorage.append. Written but not durable until `sync`.
   */
  append(entries: readonly Entry[]): void {
    this.#checkWritable()
    if (entries.length === 0) return
    let ents = entries
    const first = this.firstIndex()
    if (ents[ents.length - 1].index < first) return
    if (ents[0].index < first) ents = ents.slice(first - ents[0].index)
    const at = ents[0].index
    if (at > this.lastIndex() + 1) {
      throw new Error(`missing log entries: last ${this.lastIndex()}, appending at ${at}`)
    }
    // The format (and recovery's checks) rely on Raft's own invariants; refuse a batch that breaks them.
    let prevTerm = this.term(at - 1)
    ents.forEach((e, i) => {
      if (e.index !== at + i) throw new Error(`non-consecutive entries: ${e.index} after ${at + i - 1}`)
      if (e.term < prevTerm) throw new Error(`entry ${e.index} has term ${e.term}, below the previous ${prevTerm}`)
      prevTerm = e.term
    })
    this.#guard(() => {
      if (at <= this.lastIndex()) this.#truncateFrom(at)
      this.#write(ents)
    })
  }

  /** Records term, vote and commit; durable once `sync` returns. Commit is kept as a high-water mark. */
  setHardState(hs: HardState): void {
    this.#checkWritable()
    this.#hardState = hs
    if (hs.term !== this.#durableTerm || hs.vote !== this.#durableVote) this.#stateDirty = true
  }

  /**
   * Group commit: makes everything written since the last sync durable, with one fsync per touched
   * file (usually just the active segment; plus the state file and its directory when term, vote,
   * snapshot or compaction point changed). Returns only once all of it is on disk.
   */
  sync(): void {
    this.#checkWritable()
    this.#guard(() => {
      for (const seg of this.#takeDirty()) seg.handle.sync()
      this.#durableCommit = this.#writtenCommit
      if (this.#stateDirty) this.#writeState(this.#epoch)
      // Only now that the state file has the new compaction point may the old files go.
      if (this.#segments.hasCondemned) this.#segments.deleteCondemned()
    })
  }

  /**
   * As `sync`, in the same order, but the thread stays free while the disk works, where the file
   * port offers `syncAsync` and `syncDirectoryAsync`: the leader reads acknowledgements and takes
   * requests meanwhile, and a follower's snapshot does not stop its loop. Until it settles every
   * write to the log throws (reads are fine), so the caller must wait for it.
   */
  async syncAsync(): Promise<void> {
    this.#checkWritable()
    let segments: Segment[] = []
    this.#guard(() => {
      segments = this.#takeDirty()
    })
    this.#syncing = true
    try {
      await Promise.all(segments.map((seg) => syncHandle(seg.handle)))
      this.#durableCommit = this.#writtenCommit
      if (this.#stateDirty) {
        const state = this.#stateFor(this.#epoch)
        await writeLogStateAsync(this.#files, this.#dir, state)
        this.#stateWritten(state)
      }
      if (this.#segments.hasCondemned) await this.#segments.deleteCondemnedAsync()
    } catch (e) {
      this.#failure = e
      throw e
    } finally {
      this.#syncing = false
    }
  }

  /** Writes the commit mark if it moved; returns the segments to fsync (oldest first), now clean. */
  #takeDirty(): Segment[] {
    if (this.#hardState.commit > this.#writtenCommit) {
      this.#segments.writeTo(this.#segments.active, commitRecord(this.#hardState.commit))
      this.#writtenCommit = this.#hardState.commit
    }
    return this.#segments.takeDirty()
  }

  /**
   * Records a snapshot of the state machine at `index` (<= applied); does not compact. Like
   * MemoryStorage.createSnapshot; `data`, if given, is kept in memory only. Durable at `sync`.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array = EMPTY): Snapshot {
    this.#checkWritable()
    if (index <= this.#snapshot.metadata.index) throw new CompactedError(index)
    this.#snapshot = { metadata: { index, term: this.term(index), confState }, data }
    this.#stateDirty = true
    return this.#snapshot
  }

  /** Attaches bytes to the current snapshot for `snapshot()` to return (memory only). */
  setSnapshotData(data: Uint8Array): void {
    this.#snapshot = { metadata: this.#snapshot.metadata, data }
  }

  /**
   * Installs a snapshot received from the leader: the log restarts after it (every entry is
   * discarded, as in MemoryStorage.applySnapshot). Older snapshots are ignored. Durable when it
   * returns: the state file (with a new epoch that outdates every existing segment) is replaced
   * first, so a crash at any point leaves either the old log or the new one.
   */
  applySnapshot(metadata: SnapshotMetadata): void {
    this.#checkWritable()
    // An older snapshot changes nothing. One at the same index is taken only when it changes
    // the membership (a peers.json recovery forces one; Raft itself never sends such a thing).
    const current = this.#snapshot.metadata
    if (metadata.index < current.index) return
    if (metadata.index === current.index && isConfStateEqual(metadata.confState, current.confState)) return
    this.#guard(() => {
      this.#snapshot = { metadata, data: EMPTY }
      this.#offset = metadata.index
      this.#offsetTerm = metadata.term
      this.#terms = []
      this.#cache.reset(metadata.index + 1)
      this.#writeState(this.#epoch + 1)
      this.#epoch++
      this.#writtenCommit = this.#durableCommit
      this.#segments.deleteAll()
      this.#segments.start(this.#nextSegment())
    })
  }

  /**
   * Drops entries up to and including `index` (at most the snapshot index, as in MemoryStorage).
   * Segment files wholly below it are deleted by the next `sync`, after the new compaction point
   * is durable. The active segment always stays.
   */
  compact(index: number): void {
    this.#checkWritable()
    if (index <= this.#offset) return
    if (index > this.#snapshot.metadata.index) throw new UnavailableError(index)
    const term = this.term(index)
    this.#terms = this.#terms.slice(index - this.#offset)
    this.#offset = index
    this.#offsetTerm = term
    if (this.#cache.first <= index) this.#cache.dropBefore(index + 1)
    this.#segments.condemnThrough(index)
    this.#stateDirty = true
  }

  /** Bytes of the segment files up to their last record (headers included, preallocated zeros not). */
  bytesInUse(): number {
    return this.#segments.bytesInUse()
  }

  /** Closes the files. Does not sync: call `sync` first for anything that must survive. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    // Not while an fsync is in flight or after a failure: the file is then left as it is.
    this.#segments.close(this.#failure === undefined && !this.#syncing)
  }

  // --- internals ---

  #checkWritable(): void {
    if (this.#closed) throw new Error('the durable log is closed')
    if (this.#syncing) throw new Error('the durable log is being synced; wait for syncAsync() to settle')
    if (this.#failure !== undefined) {
      throw new Error('an earlier write or fsync of the durable log failed; reopen it to recover', {
        cause: this.#failure,
      })
    }
  }

  /** Runs disk work; a failure leaves the disk in an unknown state, so later writes are refused. */
  #guard(work: () => void): void {
    try {
      work()
    } catch (e) {
      if (!(e instanceof LogCorruptionError)) this.#failure = e
      throw e
    }
  }

  #writeState(epoch: number): void {
    const state = this.#stateFor(epoch)
    writeLogState(this.#files, this.#dir, state)
    this.#stateWritten(state)
  }

  #stateFor(epoch: number): LogState {
    const { term, vote, commit } = this.#hardState
    return {
      term,
      vote,
      commit: Math.max(commit, this.#durableCommit),
      epoch,
      base: { index: this.#offset, term: this.#offsetTerm },
      snapshot: this.#snapshot.metadata,
    }
  }

  /** `state` is durable now. */
  #stateWritten(state: LogState): void {
    this.#durableTerm = state.term
    this.#durableVote = state.vote
    this.#durableCommit = state.commit
    this.#stateCommit = state.commit
    this.#stateDirty = false
  }

  /** Writes entries (already validated, starting at lastIndex() + 1), rolling segments as needed. */
  #write(ents: readonly Entry[]): void {
    this.#segments.write(ents, () => this.#nextSegment(), (e) => {
      this.#terms.push(e.term)
      this.#cache.push(e)
    })
  }

  /** The segment after the last entry, carrying the commit mark written so far. */
  #nextSegment(): NextSegment {
    const last = this.lastIndex()
    return { firstIndex: last + 1, prevTerm: this.term(last), epoch: this.#epoch, commit: this.#writtenCommit }
  }

  /**
   * Cuts the log before entry `at`. Done durably on the spot (rare: only after a leader change)
   * so a crash can never leave new records behind stale ones that a lost truncation kept.
   */
  #truncateFrom(at: number): void {
    // The cut may drop the commit records holding the durable commit mark: the state file takes
    // it over first (after the segments it may point past are synced).
    if (this.#durableCommit > this.#stateCommit) {
      this.#segments.syncDirty()
      this.#writeState(this.#epoch)
    }
    this.#segments.truncateFrom(at)
    this.#writtenCommit = this.#durableCommit
    this.#terms.length = at - this.#offset - 1
    this.#cache.truncateFrom(at)
  }

  #read(lo: number, hi: number): Entry[] {
    const out: Entry[] = []
    const cached = Math.max(lo, Math.min(hi, this.#cache.first))
    if (lo < cached) this.#segments.read(lo, cached, out, (index) => this.term(index))
    for (let i = cached; i < hi; i++) out.push(this.#cache.get(i))
    return out
  }
}
