/**
 * The state file holds what must survive but changes rarely: term, vote, the snapshot metadata
 * and the compaction point. It is replaced atomically (write temp, fsync, rename, fsync the
 * directory), so a bad checksum here is never a torn write: it is always corruption.
 *
 * Layout: `"RLST" | u16 version | u16 0 | u32 bodyLength | body (UTF-8 JSON) | u32 crc32c(all before)`.
 */
import { type FileHandle, type FilePort, joinPath, syncDirectoryAsync, syncHandle } from '../ports/file-port.ts'
import type { NodeId, SnapshotMetadata } from '../raft/types.ts'
import { crc32c } from './crc32c.ts'
import { LogCorruptionError } from './log-corruption-error.ts'
import { hex } from './segment-header.ts'

export const STATE_FILE = 'state'
export const STATE_TEMP_FILE = 'state.tmp'
const MAGIC = 0x54534c52 // "RLST" read as a little-endian u32
const VERSION = 1
const HEAD_BYTES = 12

export interface LogState {
  readonly term: number
  readonly vote: NodeId
  /** Commit as of this write; segments carry newer commit records. */
  readonly commit: number
  /** Bumped by each snapshot install; segments of an older epoch are leftovers. */
  readonly epoch: number
  /** Compaction point: entries up to `index` are gone and `term` is their last term. */
  readonly base: { readonly index: number; readonly term: number }
  readonly snapshot: SnapshotMetadata
}

export function initialLogState(): LogState {
  return {
    term: 0,
    vote: '',
    commit: 0,
    epoch: 1,
    base: { index: 0, term: 0 },
    snapshot: { index: 0, term: 0, confState: { voters: [], learners: [] } },
  }
}

export function encodeLogState(state: LogState): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(state))
  const buf = new Uint8Array(HEAD_BYTES + body.length + 4)
  const view = new DataView(buf.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint16(4, VERSION, true)
  view.setUint32(8, body.length, true)
  buf.set(body, HEAD_BYTES)
  view.setUint32(HEAD_BYTES + body.length, crc32c(buf, 0, 0, HEAD_BYTES + body.length), true)
  return buf
}

/** Decodes a state file; throws LogCorruptionError naming `path` on any damage. */
export function decodeLogState(buf: Uint8Array, path: string): LogState {
  const bad = (offset: number, found: string) => new LogCorruptionError(path, offset, found)
  if (buf.length < HEAD_BYTES + 4) throw bad(0, `a ${buf.length}-byte state file, shorter than its header`)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw bad(0, 'not a state file (bad magic)')
  const length = view.getUint32(8, true)
  if (HEAD_BYTES + length + 4 !== buf.length) {
    throw bad(8, `body length ${length} does not match the file size ${buf.length}`)
  }
  const stored = view.getUint32(HEAD_BYTES + length, true)
  const computed = crc32c(buf, 0, 0, HEAD_BYTES + length)
  if (stored !== computed) throw bad(0, `checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`)
  const version = view.getUint16(4, true)
  if (version !== VERSION) throw new Error(`${path}: unsupported state file version ${version}; upgrade raftlite`)
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(HEAD_BYTES, HEAD_BYTES + length)))
  } catch {
    throw bad(HEAD_BYTES, 'a body that is not valid JSON')
  }
  if (!isLogState(parsed)) throw bad(HEAD_BYTES, 'a body without the expected fields')
  return parsed
}

export function readLogState(files: FilePort, path: string): LogState {
  const handle = files.open(path, { create: false, readOnly: true })
  try {
    const buf = new Uint8Array(handle.size())
    handle.read(buf, 0)
    return decodeLogState(buf, path)
  } finally {
    handle.close()
  }
}

/** Replaces the state file atomically and durably. */
export function writeLogState(files: FilePort, dir: string, state: LogState): void {
  const handle = writeTemp(files, dir, state)
  try {
    handle.sync()
  } finally {
    handle.close()
  }
  files.rename(joinPath(dir, STATE_TEMP_FILE), joinPath(dir, STATE_FILE))
  files.syncDirectory(dir)
}

/** As `writeLogState`, with both fsyncs off the thread where the port offers them. */
export async function writeLogStateAsync(files: FilePort, dir: string, state: LogState): Promise<void> {
  const handle = writeTemp(files, dir, state)
  try {
    await syncHandle(handle)
  } finally {
    handle.close()
  }
  files.rename(joinPath(dir, STATE_TEMP_FILE), joinPath(dir, STATE_FILE))
  await syncDirectoryAsync(files, dir)
}

/** The state written to its temporary file, not yet synced; the caller closes the handle. */
function writeTemp(files: FilePort, dir: string, state: LogState): FileHandle {
  const handle = files.open(joinPath(dir, STATE_TEMP_FILE), { create: true })
  try {
    handle.truncate(0)
    handle.write(encodeLogState(state), 0)
  } catch (e) {
    handle.close()
    throw e
  }
  return handle
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string')
}

function isLogState(v: unknown): v is LogState {
  const s = v as Record<string, unknown> | null
  if (typeof s !== 'object' || s === null) return false
  const base = s.base as Record<string, unknown> | null
  const snap = s.snapshot as Record<string, unknown> | null
  const conf = (snap?.confState ?? null) as Record<string, unknown> | null
  return (
    isIndex(s.term) && typeof s.vote === 'string' && isIndex(s.commit) && isIndex(s.epoch) && s.epoch >= 1 &&
    typeof base === 'object' && base !== null && isIndex(base.index) && isIndex(base.term) &&
    typeof snap === 'object' && snap !== null && isIndex(snap.index) && isIndex(snap.term) &&
    typeof conf === 'object' && conf !== null && isStrings(conf.voters) && isStrings(conf.learners)
  )
}
