/**
 * A snapshot file on the wire: frames of [length u32][crc32c u32][bytes], then a final frame of
 * length 0 whose crc is that of the whole file. The receiver writes as it reads, checks every
 * frame, and keeps nothing if the stream breaks or any check fails.
 */
import { crc32c } from '../log/crc32c.ts'
import type { FileHandle, FilePort } from '../ports/file-port.ts'

const CHUNK = 1024 * 1024
const HEADER = 8

/** Streams `path` (a file that must not change meanwhile) as frames. */
export function snapshotFrames(files: FilePort, path: string): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined
  let offset = 0
  let total = 0
  let done = false
  return new ReadableStream<Uint8Array>({
    start() {
      handle = files.open(path, { create: false, readOnly: true })
    },
    pull(controller) {
      if (done) return
      const size = handle!.size()
      const n = Math.min(CHUNK, size - offset)
      const frame = new Uint8Array(HEADER + Math.max(0, n))
      const view = new DataView(frame.buffer)
      if (n <= 0) {
        view.setUint32(0, 0)
        view.setUint32(4, total >>> 0)
        controller.enqueue(frame)
        controller.close()
        handle!.close()
        done = true
        return
      }
      const body = frame.subarray(HEADER)
      handle!.read(body, offset)
      offset += n
      total = crc32c(body, total)
      view.setUint32(0, n)
      view.setUint32(4, crc32c(body))
      controller.enqueue(frame)
    },
    cancel() {
      if (!done) handle?.close()
      done = true
    },
  })
}

export class SnapshotStreamError extends Error {
  constructor(detail: string) {
    super(`snapshot stream rejected: ${detail}`)
    this.name = 'SnapshotStreamError'
  }
}

/** Writes a framed stream to `path`, verifying it; on any failure deletes `path` and throws. */
export async function receiveSnapshotFrames(stream: ReadableStream<Uint8Array>, files: FilePort, path: string): Promise<number> {
  files.delete(path)
  const out = files.open(path, { create: true })
  const reader = stream.getReader()
  let pending: Uint8Array = new Uint8Array(0)
  let written = 0
  let total = 0
  let finished = false
  try {
    while (!finished) {
      const { done, value } = await reader.read()
      if (done) throw new SnapshotStreamError(`the stream ended after ${written} bytes, before its final frame`)
      pending = concat(pending, value)
      while (pending.length >= HEADER) {
        const view = new DataView(pending.buffer, pending.byteOffset, pending.byteLength)
        const length = view.getUint32(0)
        const crc = view.getUint32(4)
        if (length === 0) {
          if (crc !== total >>> 0) throw new SnapshotStreamError(`file checksum mismatch after ${written} bytes`)
          finished = true
          break
        }
        if (length > 64 * CHUNK) throw new SnapshotStreamError(`frame of ${length} bytes is too large`)
        if (pending.length < HEADER + length) break
        const body = pending.subarray(HEADER, HEADER + length)
        if (crc32c(body) !== crc) throw new SnapshotStreamError(`frame checksum mismatch at byte ${written}`)
        out.write(body, written)
        written += length
        total = crc32c(body, total)
        pending = pending.slice(HEADER + length)
      }
    }
    out.sync()
    out.close()
    return written
  } catch (e) {
    out.close()
    files.delete(path)
    await reader.cancel().catch(() => {})
    throw e
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
