import type { FileHandle } from '../ports/file-port.ts'

/** A WAL frame's header: SQLite writes it, then the page right behind it, in two calls. */
export const WAL_FRAME_HEADER = 24

/** Held frames leave once they reach this many bytes, commit or not (a long transaction's). */
export const MAX_HELD_BYTES = 512 * 1024

/**
 * Joins the frames of a WAL commit into one system call. SQLite writes a commit's frames one
 * after another (a header, then its page, at the next offset); they are held until the page of
 * the commit frame (its header names the database size after the commit, other frames carry 0),
 * or until `MAX_HELD_BYTES`, and then leave together: the same bytes at the same offsets as the
 * separate calls would write. Whoever sees the file next must `flush()` first, so that nothing
 * ever reads or syncs the WAL without the frames SQLite believes it wrote.
 */
export class WalFrameWriter {
  #file: FileHandle | null = null
  /** Where the held bytes go in `#file`. */
  #at = 0
  #length = 0
  #buffer = new Uint8Array(4 * (WAL_FRAME_HEADER + 8192))
  /** The last bytes held are a header whose page has not come yet. */
  #awaitingPage = false
  /** That header is a commit frame's. */
  #commits = false

  /** Holds a frame header written to `file` at `at` (`header` is copied); held bytes it does not follow are written first. */
  hold(file: FileHandle, header: Uint8Array, at: number): void {
    if (this.#file !== null && (this.#file !== file || this.#awaitingPage || at !== this.#at + this.#length)) this.flush()
    if (this.#file === null) {
      this.#file = file
      this.#at = at
    }
    this.#append(header)
    this.#awaitingPage = true
    this.#commits = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(4) !== 0
  }

  /**
   * Holds `page` if it is the page of the header held last; false if not. The frames held leave
   * once it completes a commit (or they are `MAX_HELD_BYTES`).
   */
  writePage(file: FileHandle, page: Uint8Array, at: number): boolean {
    if (!this.#awaitingPage || this.#file !== file || at !== this.#at + this.#length) return false
    this.#append(page)
    this.#awaitingPage = false
    if (this.#commits || this.#length >= MAX_HELD_BYTES) this.flush()
    return true
  }

  /** Writes what is held (throws what the write throws; it is then dropped). */
  flush(): void {
    const file = this.#file
    if (!file) return
    const held = this.#buffer.subarray(0, this.#length)
    this.#file = null
    this.#length = 0
    this.#awaitingPage = false
    file.write(held, this.#at)
  }

  #append(bytes: Uint8Array): void {
    const needed = this.#length + bytes.length
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2))
      grown.set(this.#buffer.subarray(0, this.#length))
      this.#buffer = grown
    }
    this.#buffer.set(bytes, this.#length)
    this.#length = needed
  }
}
