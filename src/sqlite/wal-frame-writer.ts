import type { FileHandle } from '../ports/file-port.ts'

/** A WAL frame's header: SQLite writes it, then the page right behind it, in two calls. */
export const WAL_FRAME_HEADER = 24

/**
 * Joins each WAL frame's two writes into one system call: a frame header is held until its page
 * follows, then both leave together, the same bytes at the same offsets as two calls would
 * write (half the WAL's system calls). Whoever sees the file next must `flush()` first, so that
 * nothing ever reads or syncs the WAL without the header.
 */
export class WalFrameWriter {
  #held: FileHandle | null = null
  #heldAt = 0
  /** The held header in its first 24 bytes; the whole frame once its page follows. */
  #frame = new Uint8Array(WAL_FRAME_HEADER + 8192)

  /** Holds a frame header written to `file` at `at` (`header` is copied). */
  hold(file: FileHandle, header: Uint8Array, at: number): void {
    this.#frame.set(header)
    this.#held = file
    this.#heldAt = at
  }

  /** Writes `page` with the header held for it, if it is that header's page; false if not. */
  writePage(file: FileHandle, page: Uint8Array, at: number): boolean {
    if (this.#held !== file || this.#heldAt + WAL_FRAME_HEADER !== at) return false
    this.#held = null
    if (this.#frame.length < WAL_FRAME_HEADER + page.length) {
      const grown = new Uint8Array(WAL_FRAME_HEADER + page.length)
      grown.set(this.#frame.subarray(0, WAL_FRAME_HEADER))
      this.#frame = grown
    }
    const frame = this.#frame.subarray(0, WAL_FRAME_HEADER + page.length)
    frame.set(page, WAL_FRAME_HEADER)
    file.write(frame, this.#heldAt)
    return true
  }

  /** Writes a held header out on its own (throws what the write throws; it is then dropped). */
  flush(): void {
    const file = this.#held
    if (!file) return
    this.#held = null
    file.write(this.#frame.subarray(0, WAL_FRAME_HEADER), this.#heldAt)
  }
}
