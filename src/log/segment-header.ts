/**
 * Segment file header (40 bytes, little endian):
 * `"RLSG" | u16 version | u16 0 | u64 firstIndex | u64 prevTerm | u64 epoch | u32 0 | u32 crc32c(bytes 0..35)`.
 * `prevTerm` is the term of entry firstIndex - 1, so `term(firstIndex - 1)` survives deleting
 * older segments; `epoch` ties the segment to the state file (a snapshot install bumps it).
 */
import { crc32c } from './crc32c.ts'
import { getU64, setU64 } from './u64.ts'

export const SEGMENT_HEADER_BYTES = 40
const MAGIC = 0x47534c52 // "RLSG" read as a little-endian u32
export const SEGMENT_VERSION = 1

export interface SegmentHeader {
  readonly firstIndex: number
  readonly prevTerm: number
  readonly epoch: number
}

export function encodeSegmentHeader(h: SegmentHeader): Uint8Array {
  const buf = new Uint8Array(SEGMENT_HEADER_BYTES)
  const view = new DataView(buf.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint16(4, SEGMENT_VERSION, true)
  setU64(view, 8, h.firstIndex)
  setU64(view, 16, h.prevTerm)
  setU64(view, 24, h.epoch)
  view.setUint32(36, crc32c(buf, 0, 0, 36), true)
  return buf
}

/** Decodes the header at the start of `buf`; a string says what is wrong with it. */
export function decodeSegmentHeader(buf: Uint8Array): SegmentHeader | string {
  if (buf.length < SEGMENT_HEADER_BYTES) return `a ${buf.length}-byte file, shorter than the header`
  const view = new DataView(buf.buffer, buf.byteOffset, SEGMENT_HEADER_BYTES)
  if (view.getUint32(0, true) !== MAGIC) return 'not a segment header (bad magic)'
  const stored = view.getUint32(36, true)
  const computed = crc32c(buf, 0, 0, 36)
  if (stored !== computed) return `header checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`
  const version = view.getUint16(4, true)
  if (version !== SEGMENT_VERSION) return `unsupported segment format version ${version}`
  const firstIndex = getU64(view, 8)
  const prevTerm = getU64(view, 16)
  const epoch = getU64(view, 24)
  if (firstIndex < 1 || prevTerm < 0 || epoch < 1) return 'header field out of range'
  return { firstIndex, prevTerm, epoch }
}

const NAME = /^(\d{20})\.seg$/

/** Segments are named by their first index, zero-padded so names sort in log order. */
export function segmentName(firstIndex: number): string {
  return `${String(firstIndex).padStart(20, '0')}.seg`
}

export function parseSegmentName(name: string): number | undefined {
  const m = NAME.exec(name)
  return m ? Number(m[1]) : undefined
}

export function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`
}
