import { type FileHandle, type FilePort, FileNotFoundError, LockedError } from '../ports/file-port.ts'

/** A logical clock for modification times: strictly increasing, unlike a wall clock. */
let modifications = 0

interface MemoryFile {
  data: Uint8Array
  size: number
  modifiedAt: number
  /** Bytes as of the last sync: what survives `crash()`. */
  synced: Uint8Array
  /** Crashes so far: a sync still in flight at a crash never completes. */
  crashes: number
}

/**
 * An in-memory file system for tests. `crash()` forgets everything not synced, the way a power
 * failure would (file creation and deletion are treated as durable at once).
 */
export class MemoryFilePort implements FilePort {
  readonly #files = new Map<string, MemoryFile>()
  readonly #dirs = new Set<string>()
  readonly #locks = new Set<string>()

  open(path: string, options: { create: boolean; readOnly?: boolean }): FileHandle {
    let file = this.#files.get(path)
    if (!file) {
      if (!options.create) throw new FileNotFoundError(path)
      file = { data: new Uint8Array(0), size: 0, synced: new Uint8Array(0), modifiedAt: ++modifications, crashes: 0 }
      this.#files.set(path, file)
    }
    return new MemoryFileHandle(file, options.readOnly === true)
  }

  exists(path: string): boolean {
    return this.#files.has(path) || this.#dirs.has(path)
  }

  delete(path: string): void {
    this.#files.delete(path)
  }

  rename(from: string, to: string): void {
    const file = this.#files.get(from)
    if (!file) throw new FileNotFoundError(from)
    this.#files.delete(from)
    this.#files.set(to, file)
  }

  mkdirp(path: string): void {
    this.#dirs.add(path)
  }

  list(path: string): string[] {
    const prefix = path.endsWith('/') ? path : `${path}/`
    const names = new Set<string>()
    for (const key of [...this.#files.keys(), ...this.#dirs]) {
      if (key.startsWith(prefix)) names.add(key.slice(prefix.length).split('/')[0])
    }
    return [...names].sort()
  }

  syncDirectory(_path: string): void {}

  lock(path: string): () => void {
    if (this.#locks.has(path)) throw new LockedError(path, 'held in this process')
    this.#locks.add(path)
    return () => this.#locks.delete(path)
  }

  /** Simulates power loss: every file reverts to its last synced contents. */
  crash(): void {
    for (const file of this.#files.values()) {
      file.data = file.synced.slice()
      file.size = file.synced.length
      file.crashes++
    }
    this.#locks.clear()
  }

  /** Simulates the process dying (kill -9): its locks go, everything written stays. */
  kill(): void {
    this.#locks.clear()
  }
}

class MemoryFileHandle implements FileHandle {
  constructor(private readonly file: MemoryFile, private readonly readOnly: boolean) {}

  read(target: Uint8Array, position: number): number {
    const { data, size } = this.file
    if (position >= size) return 0
    const n = Math.min(target.length, size - position)
    target.set(data.subarray(position, position + n))
    return n
  }

  write(source: Uint8Array, position: number): void {
    if (this.readOnly) throw new Error('file opened read-only')
    const end = position + source.length
    if (end > this.file.data.length) {
      const grown = new Uint8Array(Math.max(end, this.file.data.length * 2, 4096))
      grown.set(this.file.data.subarray(0, this.file.size))
      this.file.data = grown
    }
    this.file.data.set(source, position)
    this.file.size = Math.max(this.file.size, end)
    this.file.modifiedAt = ++modifications
  }

  truncate(size: number): void {
    if (size > this.file.data.length) {
      const grown = new Uint8Array(size)
      grown.set(this.file.data.subarray(0, this.file.size))
      this.file.data = grown
    } else {
      this.file.data.fill(0, size, this.file.size)
    }
    this.file.size = size
    this.file.modifiedAt = ++modifications
  }

  sync(): void {
    this.file.synced = this.file.data.slice(0, this.file.size)
  }

  /** Durable as of the call, once a later microtask runs (a crash before then loses it). */
  async syncAsync(): Promise<void> {
    const { file } = this
    const image = file.data.slice(0, file.size)
    const crashes = file.crashes
    await Promise.resolve()
    if (file.crashes !== crashes) throw new Error('the machine crashed during fdatasync')
    file.synced = image
  }

  size(): number {
    return this.file.size
  }

  modifiedAt(): number {
    return this.file.modifiedAt
  }

  close(): void {}
}
