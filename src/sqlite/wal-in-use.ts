/**
 * How much of a WAL file holds its current frames, read from the file: the 32-byte header, then
 * each frame whose salts match the header's. A checkpoint that restarts the WAL leaves the file
 * its length and SQLite writes over it from the start, so frames past the current ones are left
 * from before; recovery stops at the first whose salts differ. (Recovery also checks each frame's
 * checksum, so a torn last frame can make this a frame longer than what SQLite keeps.)
 */
import type { FileHandle } from '../ports/file-port.ts'

const WAL_HEADER = 32
const FRAME_HEADER = 24

export function walBytesInUse(handle: FileHandle): number {
  const size = handle.size()
  if (size < WAL_HEADER) return 0
  const header = new Uint8Array(WAL_HEADER)
  if (handle.read(header, 0) < WAL_HEADER) return 0
  const view = new DataView(header.buffer)
  const magic = view.getUint32(0)
  const pageSize = view.getUint32(8)
  const valid = (magic === 0x377f0682 || magic === 0x377f0683) && pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0
  if (!valid) return 0
  const salt1 = view.getUint32(16)
  const salt2 = view.getUint32(20)
  const frame = new Uint8Array(FRAME_HEADER)
  const frameView = new DataView(frame.buffer)
  let end = WAL_HEADER
  while (end + FRAME_HEADER + pageSize <= size) {
    if (handle.read(frame, end) < FRAME_HEADER) break
    if (frameView.getUint32(8) !== salt1 || frameView.getUint32(12) !== salt2) break
    end += FRAME_HEADER + pageSize
  }
  return end
}

/**
 * Where each open WAL's current frames end, by path: read from the file when first needed (a
 * reader's never is), then followed through writes (a write at offset 0 is a new header: the
 * WAL started over) and truncations. Forget a path when its last handle closes.
 */
export class WalEnds {
  readonly #ends = new Map<string, number>()

  end(path: string, handle: FileHandle): number {
    let end = this.#ends.get(path)
    if (end === undefined) {
      end = walBytesInUse(handle)
      this.#ends.set(path, end)
    }
    return end
  }

  wrote(path: string, handle: FileHandle, at: number, n: number): void {
    this.#ends.set(path, at === 0 ? n : Math.max(this.end(path, handle), at + n))
  }

  truncated(path: string, handle: FileHandle, size: number): void {
    this.#ends.set(path, Math.min(this.end(path, handle), size))
  }

  forget(path: string): void {
    this.#ends.delete(path)
  }
}
