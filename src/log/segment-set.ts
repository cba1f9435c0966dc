/**
 * The log's segment files: writing records into the active one, rolling to a new one, the cut
 * of a conflicting suffix, the compacted segments waiting for deletion, and reading entries
 * back (every checksum re-verified). Which files are dirty, i.e. need an fsync, is kept here.
 */
import { type FilePort, syncDirectoryAsync } from '../ports/file-port.ts'
import type { Entry } from '../raft/types.ts'
import { LogCorruptionError } from './log-corruption-error.ts'
import {
  bodyCrc,
  commitRecord,
  decodeBody,
  entryRecordBytes,
  lengthIntact,
  putEntryHead,
  putEndMark,
  putEntryRecord,
  END_MARK_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_MINUS_ENTRY_SIZE,
} from './record.ts'
import { SECTOR_BYTES } from './scan-segment.ts'
import { Segment } from './segment.ts'

/** Entries with at least this much data are written without a copy (see `write`). */
const IN_PLACE_BYTES = 64 * 1024

/** Preallocation ends on a page boundary, and writes its zeros from this buffer. */
const ZERO_PAGE = 4096
const ZEROS = new Uint8Array(64 * 1024)

/** The header of the next segment, and the commit mark it carries forward (0: none). */
export interface NextSegment {
  firstIndex: number
  prevTerm: number
  epoch: number
  commit: number
}

export class SegmentSet {
  /** Current-epoch segments in index order; the last one takes appends. Never empty once open. */
  #segments: Segment[]
  /** Compacted segments, deleted by the sync that makes the new compaction point durable. */
  #condemned: Segment[] = []
  readonly #dirty = new Set<Segment>()

  constructor(
    private readonly files: FilePort,
    private readonly dir: string,
    /** Start a new segment once the active one would pass this size. */
    private readonly segmentBytes: number,
    segments: Segment[],
    /** Grow the active segment this many zero bytes ahead of its records (0: never ahead). */
    private readonly preallocateBytes = 0,
  ) {
    this.#segments = segments
  }

  get active(): Segment {
    return this.#segments[this.#segments.length - 1]
  }

  get hasCondemned(): boolean {
    return this.#condemned.length > 0
  }

  /** Appends records to a segment (not synced); an end mark follows them where it preallocates. */
  writeTo(seg: Segment, bytes: Uint8Array): void {
    const room = this.#markBytes
    if (room === 0) return this.#append(seg, bytes, 0)
    const marked = new Uint8Array(bytes.length + room)
    marked.set(bytes)
    this.#append(seg, marked, room)
  }

  /** The bytes needed after a write's records: room for the end mark where it preallocates. */
  get #markBytes(): number {
    return this.preallocateBytes > 0 ? END_MARK_BYTES : 0
  }

  /**
   * Writes `bytes` at the segment's end: records, then `room` bytes to hold the end mark (no
   * record: the next write goes over it). Marks the segment dirty. `growAhead` false: more of
   * the same record follows at once (a large entry's head), so zeros would only be written over.
   */
  #append(seg: Segment, bytes: Uint8Array, room: number, growAhead = true): void {
    if (room > 0) putEndMark(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.length - room)
    seg.handle.write(bytes, seg.size)
    seg.size += bytes.length - room
    if (growAhead && seg.size + room > seg.allocated) this.#growAhead(seg, seg.size + room)
    this.#dirty.add(seg)
  }

  /**
   * Zero-fills the file past its records (docs/log-format.md, "Preallocation"): a later fsync of
   * records written over these blocks leaves the file's size and blocks alone, so the file
   * system commits no metadata for it (ext4: 121 → 83 µs per fdatasync here). Recovery reads
   * the zeros as the end of the log; a sealed segment is cut back to its records.
   */
  #growAhead(seg: Segment, from: number): void {
    if (this.preallocateBytes <= 0) {
      seg.allocated = from
      return
    }
    const end = Math.ceil((from + this.preallocateBytes) / ZERO_PAGE) * ZERO_PAGE
    for (let at = from; at < end; at += ZEROS.length) seg.handle.write(ZEROS.subarray(0, Math.min(ZEROS.length, end - at)), at)
    seg.allocated = end
  }

  /**
   * Cuts a segment's file back to its records (end mark and zeros), durably: a cut that a crash
   * undid would leave zeros after the records of a segment that is no longer the last. The
   * records are synced first: a cut made durable before them could keep the new size over a
   * last sector the crash lost.
   */
  #trimAhead(seg: Segment): void {
    if (seg.allocated === seg.size) return
    if (this.#dirty.has(seg)) seg.handle.sync()
    seg.handle.truncate(seg.size)
    seg.allocated = seg.size
    seg.handle.sync()
    this.#dirty.delete(seg)
  }

  /**
   * Writes entries (already validated, starting after the last one), rolling segments as
   * needed: `next` describes a new segment at the moment it is needed, `written` hears of each
   * entry once its record is written.
   */
  write(ents: readonly Entry[], next: () => NextSegment, written: (e: Entry) => void): void {
    let i = 0
    while (i < ents.length) {
      const seg = this.active
      let bytes = 0
      let j = i
      for (; j < ents.length; j++) {
        const size = entryRecordBytes(ents[j])
        // An oversized entry still goes into a segment of its own.
        if (seg.size + bytes + size > this.segmentBytes && (j > i || seg.offsets.length > 0)) break
        bytes += size
      }
      if (j === i) {
        this.#roll(next())
        continue
      }
      // A large entry's data is written from where it is, not copied into the batch's buffer:
      // a load's 1 MiB chunks would each leave a 1 MiB garbage buffer behind (docs/backup.md).
      let inPlace = 0
      for (let k = i; k < j; k++) if (ents[k].data.byteLength >= IN_PLACE_BYTES) inPlace += ents[k].data.byteLength
      const room = this.#markBytes
      const buf = new Uint8Array(bytes - inPlace + room)
      const view = new DataView(buf.buffer)
      const offsets: number[] = []
      const sizes: number[] = []
      let flushed = 0 // bytes of buf written
      for (let at = 0, pos = seg.size, k = i; k < j; k++) {
        const e = ents[k]
        const size = entryRecordBytes(e)
        offsets.push(pos)
        sizes.push(size)
        pos += size
        if (e.data.byteLength >= IN_PLACE_BYTES) {
          at += putEntryHead(buf, view, at, e)
          // Preallocated, the write of the rest (or of the lone end mark) grows the file after.
          this.#append(seg, buf.subarray(flushed, at), 0, false)
          this.#append(seg, e.data, 0, room === 0)
          flushed = at
        } else {
          at += putEntryRecord(buf, view, at, e)
        }
      }
      // The rest, and the end mark in the room left after it (alone after a large entry's data).
      if (flushed < buf.length) this.#append(seg, buf.subarray(flushed), room)
      seg.offsets.push(...offsets)
      seg.sizes.push(...sizes)
      for (let k = i; k < j; k++) written(ents[k])
      i = j
    }
  }

  /**
   * Seals the active segment: cut back to its records and fsynced, so only the last segment can
   * ever have a torn tail (or zeros after its records).
   */
  #roll(next: NextSegment): void {
    const old = this.active
    this.#trimAhead(old)
    if (this.#dirty.has(old)) {
      old.handle.sync()
      this.#dirty.delete(old)
    }
    this.start(next)
  }

  /** Creates the segment that takes appends from now on. */
  start(next: NextSegment): void {
    const { firstIndex, prevTerm, epoch, commit } = next
    const seg = Segment.create(this.files, this.dir, { firstIndex, prevTerm, epoch })
    this.#segments.push(seg)
    this.#dirty.add(seg)
    // Carry the commit mark forward: older segments, and their commit records, may be deleted.
    if (commit > 0) this.writeTo(seg, commitRecord(commit))
    this.files.syncDirectory(this.dir)
  }

  /** Bytes of the segments up to their last record (compacted ones awaiting deletion included). */
  bytesInUse(): number {
    let bytes = 0
    for (const seg of this.#segments) bytes += seg.size
    for (const seg of this.#condemned) bytes += seg.size
    return bytes
  }

  /** The segments written since the last call (oldest first), now counted clean. */
  takeDirty(): Segment[] {
    const dirty = [...this.#dirty].sort((a, b) => a.firstIndex - b.firstIndex)
    this.#dirty.clear()
    return dirty
  }

  /** Fsyncs every dirty segment on the spot. */
  syncDirty(): void {
    for (const seg of this.#dirty) seg.handle.sync()
    this.#dirty.clear()
  }

  /** Sets aside the segments wholly at or below `index` (the active one always stays). */
  condemnThrough(index: number): void {
    while (this.#segments.length > 1 && this.#segments[1].firstIndex <= index + 1) {
      this.#condemned.push(this.#segments.shift()!)
    }
  }

  /** Deletes the condemned segments, oldest first: a crash midway leaves a contiguous log. */
  deleteCondemned(): void {
    this.#deleteSegments(this.#condemned)
    this.#condemned = []
    this.files.syncDirectory(this.dir)
  }

  /** As `deleteCondemned`, with the directory's fsync off the thread where the port offers it. */
  deleteCondemnedAsync(): Promise<void> {
    this.#deleteSegments(this.#condemned)
    this.#condemned = []
    return syncDirectoryAsync(this.files, this.dir)
  }

  /** Deletes every segment (a snapshot replaces the log); `start` must follow. */
  deleteAll(): void {
    this.#deleteSegments([...this.#segments, ...this.#condemned])
    this.files.syncDirectory(this.dir)
    this.#segments = []
    this.#condemned = []
    this.#dirty.clear()
  }

  /** Cuts the segments before entry `at`, durably on the spot. */
  truncateFrom(at: number): void {
    const k = this.#segmentOf(at)
    const later = this.#segments.splice(k + 1)
    if (later.length > 0) {
      for (const seg of later) this.#dirty.delete(seg)
      this.#deleteSegments(later.reverse()) // newest first: a crash midway leaves a contiguous log
      this.files.syncDirectory(this.dir)
    }
    const seg = this.#segments[k]
    const keep = at - seg.firstIndex
    seg.size = seg.offsets[keep]
    seg.offsets.length = keep
    seg.sizes.length = keep
    // An end mark at the cut first, fsynced with the records before it: a crash can keep a
    // truncate's new size without the bytes before it, or zero a sector past the new end and keep
    // the old size; with the mark, recovery ends the log at the cut either way. Only where the mark
    // fits in the cut's sector: a mark torn across two would leave a damaged header. There (7
    // cuts in 512) the cut's own zeros stand in for it, as before marks existed.
    if (seg.size % SECTOR_BYTES <= SECTOR_BYTES - END_MARK_BYTES) {
      const mark = new Uint8Array(END_MARK_BYTES)
      putEndMark(new DataView(mark.buffer), 0)
      seg.handle.write(mark, seg.size)
      seg.handle.sync()
    } else if (this.#dirty.has(seg)) {
      seg.handle.sync()
    }
    seg.handle.truncate(seg.size)
    seg.allocated = seg.size
    seg.handle.sync()
    this.#dirty.delete(seg)
  }

  /** How many entries from `lo` fit in `maxBytes` (at least one), as limitSize counts them. */
  countWithin(lo: number, hi: number, maxBytes: number): number {
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

  /** Reads entries [lo, hi) from the files into `out`; `termOf` gives each one's expected term. */
  read(lo: number, hi: number, out: Entry[], termOf: (index: number) => number): void {
    for (let i = lo; i < hi; ) {
      const seg = this.#segments[this.#segmentOf(i)]
      const end = Math.min(hi, seg.lastIndex + 1)
      readFromSegment(seg, i, end, out, termOf)
      i = end
    }
  }

  /**
   * Closes the files. `trim`: first cut the active segment back to its records (and fsync it),
   * so that the next open finds no zeros to remove; nothing else is synced.
   */
  close(trim = false): void {
    if (trim && this.#segments.length > 0) {
      try {
        this.#trimAhead(this.active)
      } catch {
        // Recovery cuts the zeros instead.
      }
    }
    for (const seg of [...this.#segments, ...this.#condemned]) seg.handle.close()
  }

  /** Closes and deletes segments in the order given. */
  #deleteSegments(segments: Segment[]): void {
    for (const seg of segments) {
      seg.handle.close()
      this.files.delete(seg.path)
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
}

/** Reads entries [lo, hi) of one segment in a single read, re-verifying every checksum. */
function readFromSegment(seg: Segment, lo: number, hi: number, out: Entry[], termOf: (index: number) => number): void {
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
    if (record.kind !== 'entry' || record.entry.index !== index || record.entry.term !== termOf(index)) {
      throw bad(`a record that is not entry ${index}`)
    }
    out.push(record.entry)
  }
}
