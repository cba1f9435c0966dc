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
import { LogCorruptionError } from './log-corruption-error.ts'
import {
  commitRecord,
  decodeBody,
  entryRecordBytes,
  putEntryRecord,
  bodyCrc,
  lengthIntact,
  RECORD_HEADER_BYTES,
  RECORD_MINUS_ENTRY_SIZE,
} from './record.ts'
import { type RecoveredLog, recoverLog } from './recover-log.ts'
import { Segment } from './segment.ts'
import { type LogState, writeLogState } from './state-file.ts'

export interface DurableLogOptions {
  /** Start a new segment file once the active one would pass this size. Default 64 MiB. */
  readonly segmentBytes?: number
  /** Recent entries kept in memory so replication rarely reads the disk. Default 8 MiB. */
  readonly cacheBytes?: number
  /** Receives recovery notes: torn tail cut, leftover files removed. */
  readonly logger?: (message: string) => void
}

const EMPTY = new Uint8Array(0)

export class DurableLog implements RaftStorage {
  readonly #files: FilePort
  readonly #dir: string
  readonly #segmentBytes: number
  readonly #cacheBytes: number

  /** Current-epoch segments in index order; the last one takes appends. Never empty. */
  #segments: Segment[]
  /** Compacted segments, deleted by the sync that makes the new compaction point durable. */
  #condemned: Segment[] = []
  #dirty = new Set<Segment>()

  // As in MemoryStorage: entry (offset + 1 + i) has term #terms[i]; offset is the compaction point.
  #offset: number
  #offsetTerm: number
  #terms: number[]
  /** Entries #cacheFirst … lastIndex(), the recent tail. */
  #cache: Entry[] = []
  #cacheFirst: number
  #cacheSize = 0

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
    this.#segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024
    this.#cacheBytes = options.cacheBytes ?? 8 * 1024 * 1024
    const { state, segments, terms, commit } = recovered
    this.#segments = segments
    this.#offset = state.base.index
    this.#offsetTerm = state.base.term
    this.#terms = terms
    this.#cacheFirst = this.lastIndex() + 1
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
    return this.#read(lo, lo + this.#countWithin(lo, hi, maxBytes))
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
      if (this.#condemned.length > 0) {
        this.#deleteSegments(this.#condemned) // oldest first: a crash midway leaves a contiguous log
        this.#condemned = []
        this.#files.syncDirectory(this.#dir)
      }
    })
  }

  /**
   * As `sync`, but the thread stays free while the segments are fsynced, where the file port
   * offers `syncAsync`: the leader reads acknowledgements and takes requests meanwhile. Until it
   * settles every write to the log throws (reads are fine), so the caller must wait for it.
   * The rare syncs that also rewrite the state file or delete segments are done by `sync`.
   */
  async syncAsync(): Promise<void> {
    this.#checkWritable()
    if (this.#stateDirty || this.#condemned.length > 0) return this.sync()
    let segments: Segment[] = []
    this.#guard(() => {
      segments = this.#takeDirty()
    })
    this.#syncing = true
    try {
      await Promise.all(segments.map((seg) => syncHandle(seg.handle)))
    } catch (e) {
      this.#failure = e
      throw e
    } finally {
      this.#syncing = false
    }
    this.#durableCommit = this.#writtenCommit
  }

  /** Writes the commit mark if it moved; returns the segments to fsync (oldest first), now clean. */
  #takeDirty(): Segment[] {
    if (this.#hardState.commit > this.#writtenCommit) {
      this.#writeTo(this.#active(), commitRecord(this.#hardState.commit))
      this.#writtenCommit = this.#hardState.commit
    }
    const dirty = [...this.#dirty].sort((a, b) => a.firstIndex - b.firstIndex)
    this.#dirty.clear()
    return dirty
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
      this.#cache = []
      this.#cacheFirst = metadata.index + 1
      this.#cacheSize = 0
      this.#writeState(this.#epoch + 1)
      this.#epoch++
      this.#writtenCommit = this.#durableCommit
      this.#deleteSegments([...this.#segments, ...this.#condemned])
      this.#files.syncDirectory(this.#dir)
      this.#segments = []
      this.#condemned = []
      this.#dirty.clear()
      this.#startSegment()
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
    if (this.#cacheFirst <= index) this.#dropCacheBefore(index + 1)
    while (this.#segments.length > 1 && this.#segments[1].firstIndex <= index + 1) {
      this.#condemned.push(this.#segments.shift()!)
    }
    this.#stateDirty = true
  }

  /** Closes the files. Does not sync: call `sync` first for anything that must survive. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const seg of [...this.#segments, ...this.#condemned]) seg.handle.close()
  }

  // --- internals ---

  #active(): Segment {
    return this.#segments[this.#segments.length - 1]
  }

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

  #writeTo(seg: Segment, bytes: Uint8Array): void {
    seg.handle.write(bytes, seg.size)
    seg.size += bytes.length
    this.#dirty.add(seg)
  }

  #writeState(epoch: number): void {
    const { term, vote, commit } = this.#hardState
    const state: LogState = {
      term,
      vote,
      commit: Math.max(commit, this.#durableCommit),
      epoch,
      base: { index: this.#offset, term: this.#offsetTerm },
      snapshot: this.#snapshot.metadata,
    }
    writeLogState(this.#files, this.#dir, state)
    this.#durableTerm = term
    this.#durableVote = vote
    this.#durableCommit = state.commit
    this.#stateCommit = state.commit
    this.#stateDirty = false
  }

  /** Writes entries (already validated, starting at lastIndex() + 1), rolling segments as needed. */
  #write(ents: readonly Entry[]): void {
    let i = 0
    while (i < ents.length) {
      let seg = this.#active()
      let bytes = 0
      let j = i
      for (; j < ents.length; j++) {
        const size = entryRecordBytes(ents[j])
        // An oversized entry still goes into a segment of its own.
        if (seg.size + bytes + size > this.#segmentBytes && (j > i || seg.offsets.length > 0)) break
        bytes += size
      }
      if (j === i) {
        this.#roll()
        continue
      }
      const buf = new Uint8Array(bytes)
      const view = new DataView(buf.buffer)
      const offsets: number[] = []
      const sizes: number[] = []
      for (let at = 0, k = i; k < j; k++) {
        offsets.push(seg.size + at)
        const size = putEntryRecord(buf, view, at, ents[k])
        sizes.push(size)
        at += size
      }
      this.#writeTo(seg, buf)
      seg.offsets.push(...offsets)
      seg.sizes.push(...sizes)
      for (let k = i; k < j; k++) {
        this.#terms.push(ents[k].term)
        this.#cachePush(ents[k])
      }
      i = j
    }
  }

  /** Seals the active segment (fsynced, so only the last segment can ever have a torn tail). */
  #roll(): void {
    const old = this.#active()
    if (this.#dirty.has(old)) {
      old.handle.sync()
      this.#dirty.delete(old)
    }
    this.#startSegment()
  }

  #startSegment(): void {
    const last = this.lastIndex()
    const seg = Segment.create(this.#files, this.#dir, {
      firstIndex: last + 1,
      prevTerm: this.term(last),
      epoch: this.#epoch,
    })
    this.#segments.push(seg)
    this.#dirty.add(seg)
    // Carry the commit mark forward: older segments, and their commit records, may be deleted.
    if (this.#writtenCommit > 0) this.#writeTo(seg, commitRecord(this.#writtenCommit))
    this.#files.syncDirectory(this.#dir)
  }

  /**
   * Cuts the log before entry `at`. Done durably on the spot (rare: only after a leader change)
   * so a crash can never leave new records behind stale ones that a lost truncation kept.
   */
  #truncateFrom(at: number): void {
    // The cut may drop the commit records holding the durable commit mark: the state file takes
    // it over first (after the segments it may point past are synced).
    if (this.#durableCommit > this.#stateCommit) {
      for (const seg of this.#dirty) seg.handle.sync()
      this.#dirty.clear()
      this.#writeState(this.#epoch)
    }
    const k = this.#segmentOf(at)
    const later = this.#segments.splice(k + 1)
    if (later.length > 0) {
      for (const seg of later) this.#dirty.delete(seg)
      this.#deleteSegments(later.reverse()) // newest first: a crash midway leaves a contiguous log
      this.#files.syncDirectory(this.#dir)
    }
    const seg = this.#segments[k]
    const keep = at - seg.firstIndex
    seg.size = seg.offsets[keep]
    seg.offsets.length = keep
    seg.sizes.length = keep
    seg.handle.truncate(seg.size)
    seg.handle.sync()
    this.#dirty.delete(seg)
    this.#writtenCommit = this.#durableCommit
    this.#terms.length = at - this.#offset - 1
    if (at <= this.#cacheFirst) {
      this.#cache = []
      this.#cacheFirst = at
      this.#cacheSize = 0
    } else {
      for (const e of this.#cache.splice(at - this.#cacheFirst)) this.#cacheSize -= e.data.byteLength + 16
    }
  }

  /** Closes and deletes segments in the order given. */
  #deleteSegments(segments: Segment[]): void {
    for (const seg of segments) {
      seg.handle.close()
      this.#files.delete(seg.path)
    }
  }

  /** Index in #segments of the segment holding entry `index` (which must exist). */
  #segmentOf(index: number): number {
    let lo = 0
    let hi = this.#segments.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.#segments[mid].firstIndex <= index) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /** How many entries from `lo` fit in `maxBytes` (at least one), as limitSize counts them. */
  #countWithin(lo: number, hi: number, maxBytes: number): number {
    let k = this.#segmentOf(lo)
    let size = 0
    let n = 0
    for (let i = lo; i < hi; i++, n++) {
      let seg = this.#segments[k]
      if (i > seg.lastIndex) seg = this.#segments[++k]
      size += seg.sizes[i - seg.firstIndex] - RECORD_MINUS_ENTRY_SIZE
      if (n > 0 && size > maxBytes) break
    }
    return n
  }

  #read(lo: number, hi: number): Entry[] {
    const out: Entry[] = []
    let i = lo
    while (i < hi && i < this.#cacheFirst) {
      const seg = this.#segments[this.#segmentOf(i)]
      const end = Math.min(hi, this.#cacheFirst, seg.lastIndex + 1)
      this.#readFromDisk(seg, i, end, out)
      i = end
    }
    for (; i < hi; i++) out.push(this.#cache[i - this.#cacheFirst])
    return out
  }

  /** Reads entries [lo, hi) of one segment in a single read, re-verifying every checksum. */
  #readFromDisk(seg: Segment, lo: number, hi: number, out: Entry[]): void {
    const a = lo - seg.firstIndex
    const b = hi - 1 - seg.firstIndex
    const start = seg.offsets[a]
    const buf = new Uint8Array(seg.offsets[b] + seg.sizes[b] - start)
    const n = seg.handle.read(buf, start)
    const view = new DataView(buf.buffer)
    for (let i = a; i <= b; i++) {
      const at = seg.offsets[i] - start
      const bad = (found: string) => new LogCorruptionError(seg.path, seg.offsets[i], found)
      const length = seg.sizes[i] - RECORD_HEADER_BYTES
      if (at + seg.sizes[i] > n) throw bad('a record cut short by the file end')
      if (view.getUint32(at, true) !== length || !lengthIntact(buf, view, at)) throw bad('a damaged record header')
      if (view.getUint32(at + 8, true) !== bodyCrc(buf, at, length)) throw bad('a record checksum mismatch')
      const record = decodeBody(buf, view, at, length)
      const index = seg.firstIndex + i
      if (typeof record === 'string') throw bad(record)
      if (record.kind !== 'entry' || record.entry.index !== index || record.entry.term !== this.term(index)) {
        throw bad(`a record that is not entry ${index}`)
      }
      out.push(record.entry)
    }
  }

  #cachePush(e: Entry): void {
    this.#cache.push(e)
    this.#cacheSize += e.data.byteLength + 16
    if (this.#cacheSize <= this.#cacheBytes) return
    // Trim to 3/4 of the budget so the splice runs once per many appends, not on each.
    let drop = 0
    while (drop < this.#cache.length && this.#cacheSize > this.#cacheBytes * 0.75) {
      this.#cacheSize -= this.#cache[drop].data.byteLength + 16
      drop++
    }
    this.#cache.splice(0, drop)
    this.#cacheFirst += drop
  }

  #dropCacheBefore(index: number): void {
    const drop = Math.min(index - this.#cacheFirst, this.#cache.length)
    for (const e of this.#cache.splice(0, drop)) this.#cacheSize -= e.data.byteLength + 16
    this.#cacheFirst += drop
  }
}
