/**
 * Records of a segment file: `u32 bodyLength | u32 crc32c(length field) | u32 crc32c(body) | body`,
 * little endian. The length has its own check so a damaged length is never mistaken for a record
 * cut short by a crash (which would silently drop everything after it).
 *
 * Bodies: entry  = `u8 1 | u8 type (0 normal, 1 confChange) | u64 index | u64 term | data`
 *         commit = `u8 2 | u64 commit` (the commit index high-water mark)
 */
import type { Entry, EntryType } from '../raft/types.ts'
import { crc32c } from './crc32c.ts'
import { getU64, setU64 } from './u64.ts'

export const RECORD_HEADER_BYTES = 12
const ENTRY_FIXED_BYTES = 18
const COMMIT_BODY_BYTES = 9
const KIND_ENTRY = 1
const KIND_COMMIT = 2
/** Sanity bound on a body; anything larger is damage, not data. */
export const MAX_BODY_BYTES = 2 ** 30
/** On-disk record size minus `entrySize()` (data + 16): budgets need no disk read. */
export const RECORD_MINUS_ENTRY_SIZE = RECORD_HEADER_BYTES + ENTRY_FIXED_BYTES - 16

export type LogRecord =
  | { readonly kind: 'entry'; readonly entry: Entry }
  | { readonly kind: 'commit'; readonly commit: number }

export function entryRecordBytes(e: Entry): number {
  return RECORD_HEADER_BYTES + ENTRY_FIXED_BYTES + e.data.byteLength
}

/** Encodes `e` at `at`; returns the record's size. */
export function putEntryRecord(buf: Uint8Array, view: DataView, at: number, e: Entry): number {
  const head = putEntryHead(buf, view, at, e)
  buf.set(e.data, at + head)
  return head + e.data.byteLength
}

/**
 * Encodes `e`'s record at `at` up to its data, which belongs right after it (the checksums
 * cover it already); returns the bytes put. Lets a large entry's data be written from where it is.
 */
export function putEntryHead(buf: Uint8Array, view: DataView, at: number, e: Entry): number {
  const body = at + RECORD_HEADER_BYTES
  buf[body] = KIND_ENTRY
  buf[body + 1] = e.type === 'confChange' ? 1 : 0
  setU64(view, body + 2, e.index)
  setU64(view, body + 10, e.term)
  view.setUint32(at, ENTRY_FIXED_BYTES + e.data.byteLength, true)
  view.setUint32(at + 4, crc32c(buf, 0, at, at + 4), true)
  view.setUint32(at + 8, crc32c(e.data, crc32c(buf, 0, body, body + ENTRY_FIXED_BYTES)), true)
  return RECORD_HEADER_BYTES + ENTRY_FIXED_BYTES
}

export function commitRecord(commit: number): Uint8Array {
  const buf = new Uint8Array(RECORD_HEADER_BYTES + COMMIT_BODY_BYTES)
  const view = new DataView(buf.buffer)
  buf[RECORD_HEADER_BYTES] = KIND_COMMIT
  setU64(view, RECORD_HEADER_BYTES + 1, commit)
  seal(buf, view, 0, COMMIT_BODY_BYTES)
  return buf
}

function seal(buf: Uint8Array, view: DataView, at: number, length: number): void {
  view.setUint32(at, length, true)
  view.setUint32(at + 4, crc32c(buf, 0, at, at + 4), true)
  view.setUint32(at + 8, bodyCrc(buf, at, length), true)
}

/**
 * Where the records end (docs/log-format.md, "End marks"): written right after the last record
 * of each write to a preallocated segment (the next write goes over it), and at the cut of a
 * conflicting append. Its first word is no record's length (over `MAX_BODY_BYTES`), all four of
 * its bytes non-zero; then a zero word.
 */
export const END_MARK_BYTES = 8
export const END_MARK_WORD = 0x444e4521 // bytes "!END"

export function putEndMark(view: DataView, at: number): void {
  view.setUint32(at, END_MARK_WORD, true)
  view.setUint32(at + 4, 0, true)
}

export function isEndMark(view: DataView, at: number): boolean {
  return view.getUint32(at, true) === END_MARK_WORD && view.getUint32(at + 4, true) === 0
}

/** Whether the length field at `at` matches its check. */
export function lengthIntact(buf: Uint8Array, view: DataView, at: number): boolean {
  return view.getUint32(at + 4, true) === crc32c(buf, 0, at, at + 4)
}

/** The body checksum a record at `at` with body `length` should carry (stored at `at + 8`). */
export function bodyCrc(buf: Uint8Array, at: number, length: number): number {
  const body = at + RECORD_HEADER_BYTES
  return crc32c(buf, 0, body, body + length)
}

/** Decodes a body whose checksum matched; a string says what is wrong with it. */
export function decodeBody(buf: Uint8Array, view: DataView, at: number, length: number): LogRecord | string {
  const body = at + RECORD_HEADER_BYTES
  const kind = buf[body]
  if (kind === KIND_COMMIT) {
    if (length !== COMMIT_BODY_BYTES) return `commit record of ${length} bytes`
    const commit = getU64(view, body + 1)
    return commit < 0 ? 'commit index out of range' : { kind: 'commit', commit }
  }
  if (kind !== KIND_ENTRY) return `unknown record kind ${kind}`
  if (length < ENTRY_FIXED_BYTES) return `entry record of ${length} bytes`
  const typeByte = buf[body + 1]
  if (typeByte > 1) return `unknown entry type ${typeByte}`
  const type: EntryType = typeByte === 1 ? 'confChange' : 'normal'
  const index = getU64(view, body + 2)
  const term = getU64(view, body + 10)
  if (index < 1 || term < 0) return 'entry index or term out of range'
  const data = buf.subarray(body + ENTRY_FIXED_BYTES, body + length)
  return { kind: 'entry', entry: { index, term, type, data } }
}
