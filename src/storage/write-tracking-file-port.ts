import type { FileHandle, FilePort, OpenOptions } from '../ports/file-port.ts'
import { DelegatingFilePort } from './delegating-file-port.ts'

/** A run of bytes of a file. */
export interface ByteRange {
  offset: number
  length: number
}

/**
 * A file port that notes which bytes of one file are written through it, so a copy of that file
 * can be brought up to date by copying only those bytes. The snapshot store keeps its copy of
 * the live database this way: in WAL mode SQLite writes the database file only when it
 * checkpoints, so the pages a snapshot's checkpoint wrote are exactly what the copy lacks.
 */
export class WriteTrackingFilePort extends DelegatingFilePort {
  /** Written ranges by offset (the longest write at each): SQLite rewrites whole pages. */
  #written = new Map<number, number>()
  /** False once something happened to the file that ranges cannot describe (replaced, deleted). */
  #known = true

  constructor(
    inner: FilePort,
    readonly trackedPath: string,
  ) {
    super(inner)
  }

  /**
   * The ranges written since the last call (merged, sorted), or `undefined` when they are not
   * known and the whole file must be copied. Starts over from nothing either way.
   */
  takeWritten(): ByteRange[] | undefined {
    const known = this.#known
    const entries = [...this.#written].sort((a, b) => a[0] - b[0])
    this.#written = new Map()
    this.#known = true
    if (!known) return undefined
    const merged: ByteRange[] = []
    for (const [offset, length] of entries) {
      const last = merged.at(-1)
      if (last && offset <= last.offset + last.length) {
        last.length = Math.max(last.length, offset + length - last.offset)
      } else {
        merged.push({ offset, length })
      }
    }
    return merged
  }

  /** Writes made through another port (the engine's worker): `null` when they are not known. */
  noteWritten(ranges: readonly ByteRange[] | null): void {
    if (!ranges) {
      this.#known = false
      return
    }
    for (const { offset, length } of ranges) {
      if (Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length > (this.#written.get(offset) ?? 0)) this.#written.set(offset, length)
    }
  }

  /** The copy equals the file again (it was copied whole). */
  markInSync(): void {
    this.#written = new Map()
    this.#known = true
  }

  /** What was written can no longer be described (a copy failed halfway): copy everything next time. */
  forget(): void {
    this.#written = new Map()
    this.#known = false
  }

  override open(path: string, options: OpenOptions): FileHandle {
    const handle = this.inner.open(path, options)
    if (path !== this.trackedPath || options.readOnly) return handle
    const written = (offset: number, length: number) => {
      if (length > (this.#written.get(offset) ?? 0)) this.#written.set(offset, length)
    }
    return {
      read: (target, position) => handle.read(target, position),
      write: (source, position) => {
        handle.write(source, position)
        written(position, source.byteLength)
      },
      truncate: (size) => handle.truncate(size), // the copy takes the file's size when it catches up
      sync: () => handle.sync(),
      ...(handle.syncAsync ? { syncAsync: () => handle.syncAsync!() } : {}),
      size: () => handle.size(),
      modifiedAt: () => handle.modifiedAt(),
      close: () => handle.close(),
    }
  }

  override delete(path: string): void {
    if (path === this.trackedPath) this.#known = false
    this.inner.delete(path)
  }

  override rename(from: string, to: string): void {
    if (from === this.trackedPath || to === this.trackedPath) this.#known = false
    this.inner.rename(from, to)
  }
}
