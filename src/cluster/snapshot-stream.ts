/**
 * A snapshot file on the wire: frames of [length u32][crc32c u32][bytes], then a final frame of
 * length 0 whose crc is that of the whole file. Under the cluster secret each frame's header also
 * carries a 32-byte HMAC after the crc (`snapshot-mac.ts`), checked before the frame is written. The receiver writes as it reads and checks
 * every frame. A broken stream keeps what arrived (a later attempt resumes after it); a failed
 * check throws everything away. Nothing is installed before the whole file checks out.
 */
import { crc32c } from '../log/crc32c.ts'
import type { FileHandle, FilePort } from '../ports/file-port.ts'
import { FRAME_TAG_BYTES, type FrameMac, frameTag, frameTagValid } from './snapshot-mac.ts'

const HEADER = 8
export const DEFAULT_SNAPSHOT_CHUNK = 1024 * 1024

/** CRC-32C of the first `length` bytes of an open file. */
export function prefixCrc(handle: FileHandle, length: number, chunk: number): number {
  const buffer = new Uint8Array(Math.max(1, Math.min(chunk, length)))
  let crc = 0
  for (let offset = 0; offset < length; ) {
    const n = handle.read(buffer.subarray(0, Math.min(buffer.length, length - offset)), offset)
    if (n === 0) throw new SnapshotStreamError(`the file ended at ${offset} of ${length} bytes`)
    crc = crc32c(buffer.subarray(0, n), crc)
    offset += n
  }
  return crc
}

/**
 * Streams `path` (a file that must not change meanwhile) as frames, from byte `offset` on. With
 * `expectedCrc` (the checksum recorded when the file was made), the final frame carries that
 * rather than what was read: a copy damaged at rest then fails the receiver's check.
 */
export function snapshotFrames(
  files: FilePort,
  path: string,
  offset = 0,
  chunk = DEFAULT_SNAPSHOT_CHUNK,
  expectedCrc?: number,
  onCorrupt?: (detail: string) => void,
  mac?: FrameMac,
): ReadableStream<Uint8Array> {
  const header = HEADER + (mac ? FRAME_TAG_BYTES : 0)
  let handle: FileHandle | undefined
  let position = offset
  let total = 0
  let done = false
  return new ReadableStream<Uint8Array>({
    start() {
      handle = files.open(path, { create: false, readOnly: true })
      // The final checksum covers the whole file, including what the receiver already has.
      total = prefixCrc(handle, offset, chunk)
    },
    async pull(controller) {
      if (done) return
      const size = handle!.size()
      const n = Math.min(chunk, size - position)
      const frame = new Uint8Array(header + Math.max(0, n))
      const view = new DataView(frame.buffer)
      if (n <= 0) {
        const read = total >>> 0
        if (expectedCrc !== undefined && read !== expectedCrc >>> 0) {
          onCorrupt?.(`${path} reads with checksum ${read}, not the ${expectedCrc >>> 0} recorded when it was made`)
        }
        view.setUint32(0, 0)
        view.setUint32(4, expectedCrc ?? read)
        if (mac) frame.set(await frameTag(mac, position, null, expectedCrc ?? read), HEADER)
        controller.enqueue(frame)
        controller.close()
        handle!.close()
        done = true
        return
      }
      const body = frame.subarray(header)
      handle!.read(body, position)
      const crc = crc32c(body)
      if (mac) frame.set(await frameTag(mac, position, body, crc), HEADER)
      position += n
      total = crc32c(body, total)
      view.setUint32(0, n)
      view.setUint32(4, crc)
      controller.enqueue(frame)
    },
    cancel() {
      if (!done) handle?.close()
      done = true
    },
  })
}

export class SnapshotStreamError extends Error {
  constructor(detail: string, readonly resumable = false) {
    super(`snapshot stream rejected: ${detail}`)
    this.name = 'SnapshotStreamError'
  }
}

/**
 * Writes a framed stream into `path` after its first `offset` bytes (already received and
 * checked), verifying it; returns the file's size and checksum. A stream that breaks leaves the
 * bytes that arrived in intact frames (resumable); any failed check deletes the file.
 */
export async function receiveSnapshotFrames(
  stream: ReadableStream<Uint8Array>,
  files: FilePort,
  path: string,
  offset = 0,
  chunk = DEFAULT_SNAPSHOT_CHUNK,
  mac?: FrameMac,
): Promise<{ size: number; crc32c: number }> {
  const header = HEADER + (mac ? FRAME_TAG_BYTES : 0)
  if (offset === 0) files.delete(path)
  const out = files.open(path, { create: true })
  const reader = stream.getReader()
  let pending: Uint8Array = new Uint8Array(0)
  let written = offset
  let total = 0
  const reject = async (error: SnapshotStreamError): Promise<never> => {
    out.close()
    if (!error.resumable) files.delete(path)
    await reader.cancel().catch(() => {})
    throw error
  }
  if (offset > 0) {
    if (out.size() < offset) return reject(new SnapshotStreamError(`cannot resume at ${offset}: only ${out.size()} bytes are here`))
    out.truncate(offset)
    total = prefixCrc(out, offset, chunk)
  } else {
    out.truncate(0)
  }
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>
    try {
      next = await reader.read()
    } catch (e) {
      return reject(new SnapshotStreamError(`the stream broke after ${written} bytes (${e instanceof Error ? e.message : String(e)})`, true))
    }
    if (next.done) return reject(new SnapshotStreamError(`the stream ended after ${written} bytes, before its final frame`, true))
    pending = concat(pending, next.value)
    while (pending.length >= header) {
      const view = new DataView(pending.buffer, pending.byteOffset, pending.byteLength)
      const length = view.getUint32(0)
      const crc = view.getUint32(4)
      const tag = pending.subarray(HEADER, header)
      if (length === 0) {
        if (crc !== total >>> 0) return reject(new SnapshotStreamError(`file checksum mismatch after ${written} bytes`))
        if (mac && !(await frameTagValid(mac, written, null, crc, tag))) return reject(new SnapshotStreamError(`final frame fails authentication after ${written} bytes (a different cluster secret, or altered on the way)`))
        out.sync()
        out.close()
        await reader.cancel().catch(() => {})
        return { size: written, crc32c: total >>> 0 }
      }
      if (length > 64 * chunk) return reject(new SnapshotStreamError(`frame of ${length} bytes is too large`))
      if (pending.length < header + length) break
      const body = pending.subarray(header, header + length)
      if (crc32c(body) !== crc) return reject(new SnapshotStreamError(`frame checksum mismatch at byte ${written}`))
      if (mac && !(await frameTagValid(mac, written, body, crc, tag))) return reject(new SnapshotStreamError(`frame at byte ${written} fails authentication (a different cluster secret, or altered on the way)`))
      out.write(body, written)
      written += length
      total = crc32c(body, total)
      pending = pending.slice(header + length)
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
