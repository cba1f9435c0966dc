/**
 * Recovery scan of one segment's bytes. Only the last segment may end in a torn tail (a crash
 * mid-append): earlier segments were fsynced before their successor was created, so any damage
 * in them, or before the tail of the last one, is corruption and throws.
 */
import { LogCorruptionError } from './log-corruption-error.ts'
import { bodyCrc, decodeBody, END_MARK_BYTES, END_MARK_WORD, isEndMark, lengthIntact, MAX_BODY_BYTES, RECORD_HEADER_BYTES } from './record.ts'
import { hex, SEGMENT_HEADER_BYTES, type SegmentHeader } from './segment-header.ts'

/** Smallest unit a disk writes atomically; a torn write leaves whole sectors zero. */
export const SECTOR_BYTES = 512
/** A header's length field and its check: never all zero in a record that was written. */
const LENGTH_FIELD_BYTES = 8

export interface SegmentScan {
  readonly offsets: number[]
  readonly sizes: number[]
  readonly terms: number[]
  /** Largest commit record, 0 when none. */
  readonly commit: number
  /** Where the valid records end. */
  readonly end: number
  /** Set when bytes from `end` on are a torn tail to cut off: what was found there. */
  readonly torn?: string
}

export function scanSegment(buf: Uint8Array, path: string, header: SegmentHeader, isLast: boolean): SegmentScan {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const offsets: number[] = []
  const sizes: number[] = []
  const terms: number[] = []
  let commit = 0
  let next = header.firstIndex
  let prevTerm = header.prevTerm
  let p = SEGMENT_HEADER_BYTES

  const tail = (found: string): SegmentScan => {
    if (!isLast) throw new LogCorruptionError(path, p, `${found} in a segment that is not the last one`)
    return { offsets, sizes, terms, commit, end: p, torn: found }
  }

  while (p < buf.length) {
    const remaining = buf.length - p
    if (remaining >= END_MARK_BYTES && isEndMark(view, p)) {
      // The end of the records (docs/log-format.md, "End marks"): zeros follow, or bytes a later
      // write left without a sync (a synced write goes over the mark), or the records a
      // conflicting append was cutting off.
      if (!isLast) throw new LogCorruptionError(path, p, 'an end mark in a segment that is not the last one')
      if (isZero(buf, p + END_MARK_BYTES, buf.length)) return { offsets, sizes, terms, commit, end: p }
      return tail('bytes after the end mark')
    }
    if (remaining < RECORD_HEADER_BYTES) return tail(`a partial record header (${remaining} bytes)`)
    const length = view.getUint32(p, true)
    if (!lengthIntact(buf, view, p) || length === 0 || length > MAX_BODY_BYTES) {
      // Zeros where a header should be: a write the crash interrupted. A written header never
      // has a zero length and check, and bit rot cannot zero 8 bytes; one zero byte proves nothing.
      const unwritten = isZero(buf, p, buf.length) || isZero(buf, p, p + LENGTH_FIELD_BYTES) ||
        hasZeroSector(buf, p, p + RECORD_HEADER_BYTES, p)
      if (isLast && unwritten) {
        return tail(`an unwritten record header (${remaining} bytes to the end)`)
      }
      throw new LogCorruptionError(path, p, `a damaged record header (length field ${length})`)
    }
    const end = p + RECORD_HEADER_BYTES + length
    if (end > buf.length) return tail(`a partial record (${end - buf.length} of ${end - p} bytes missing)`)
    const stored = view.getUint32(p + 8, true)
    const computed = bodyCrc(buf, p, length)
    if (stored !== computed) {
      const found = `a record checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`
      // A zeroed sector inside (etcd's torn-write test): a write the crash interrupted, never
      // synced, so never acknowledged. Anything else, the last record included, is damage to
      // data that was synced: cutting it off could lose an entry this node acknowledged.
      if (isLast && hasZeroSector(buf, p, end, p)) return tail(found)
      throw new LogCorruptionError(path, p, found)
    }
    const record = decodeBody(buf, view, p, length)
    if (typeof record === 'string') throw new LogCorruptionError(path, p, record)
    if (record.kind === 'commit') {
      commit = Math.max(commit, record.commit)
    } else {
      const { index, term } = record.entry
      if (index !== next) throw new LogCorruptionError(path, p, `entry ${index} where entry ${next} belongs`)
      if (term < prevTerm) throw new LogCorruptionError(path, p, `entry ${index} of term ${term} after term ${prevTerm}`)
      offsets.push(p)
      sizes.push(end - p)
      terms.push(term)
      next++
      prevTerm = term
    }
    p = end
  }
  return { offsets, sizes, terms, commit, end: p }
}

export function isZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false
  return true
}

/**
 * Whether a whole sector (512 aligned bytes, all inside the file) that overlaps `buf[start, end)`
 * is all zero: what a write lost by a crash leaves. Partial pieces at the ends do not count: a
 * record's data may end in zeros (every write command does), and a one-byte zero piece is no
 * evidence. The sector may run past the record into what follows it: a lost sector holding the
 * end of one small record and the next ones is zero across them all.
 *
 * A write goes over the end mark the last one left at `markAt` (its first record's start): a
 * sector of it that was lost holds what it held before, which, where the mark's first word
 * straddled the sector's start, is the rest of that word and then zeros. That counts as zero.
 */
function hasZeroSector(buf: Uint8Array, start: number, end: number, markAt: number): boolean {
  const first = Math.floor(start / SECTOR_BYTES) * SECTOR_BYTES
  for (let from = first; from < end && from + SECTOR_BYTES <= buf.length; from += SECTOR_BYTES) {
    if (isZero(buf, from, from + SECTOR_BYTES)) return true
    if (from > markAt && from < markAt + 4 && isMarkWordTail(buf, from, markAt) && isZero(buf, markAt + 4, from + SECTOR_BYTES)) return true
  }
  return false
}

/** Whether `buf[from, markAt + 4)` is the end of an end mark's first word that began at `markAt`. */
function isMarkWordTail(buf: Uint8Array, from: number, markAt: number): boolean {
  for (let i = from; i < markAt + 4; i++) if (buf[i] !== ((END_MARK_WORD >>> (8 * (i - markAt))) & 0xff)) return false
  return true
}
