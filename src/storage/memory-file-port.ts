import { createSeededRandom } from '../raft/random.ts'
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
  /** With `tornWrites`: the writes and truncates since the last sync, in order, with their bytes. */
  pending: PendingOp[]
}

type PendingOp = { at: number; bytes: Uint8Array } | { size: number }

const SECTOR_BYTES = 512

export interface MemoryFilePortOptions {
  /**
   * Models a disk less kindly, with this seed: creates, renames and deletes are durable only
   * once `syncDirectory` ran on their directory, and `crash()` keeps each unsynced sector of a
   * file or not (by a seeded coin), the file's size following the last sector kept.
   */
  strictSeed?: number
  /**
   * With `strictSeed`: `crash()` replays each unsynced write instead of diffing the file, as a
   * disk that tears writes: `'prefix'` keeps the writes in order up to a random one, that one
   * cut at a random sector boundary, the rest lost; `'sectors'` keeps each sector of each write
   * (and each truncate) by a coin. Either way the rest keeps its old bytes, and by a coin the
   * size reaches what the writes made it, the unkept part read as zeros (as XFS leaves a file
   * whose size update was journalled before its data).
   */
  tornWrites?: 'prefix' | 'sectors'
}

/**
 * An in-memory file system for tests. `crash()` forgets everything not synced, the way a power
 * failure would. By default file creation, renames and deletion are durable at once and an
 * unsynced write is lost whole; `strictSeed` models both as a real disk may (see above).
 */
export class MemoryFilePort implements FilePort {
  readonly #files = new Map<string, MemoryFile>()
  readonly #dirs = new Set<string>()
  readonly #locks = new Set<string>()
  /** Strict mode: the names as of each directory's last sync (what a crash leaves). */
  readonly #durable = new Map<string, MemoryFile>()
  readonly #random: (() => number) | undefined
  readonly #tornWrites: 'prefix' | 'sectors' | undefined
  /** With `tornWrites`, over every crash so far: unsynced writes kept whole, in part, and lost. */
  readonly torn = { whole: 0, partial: 0, lost: 0 }
  #crashes = 0
  /** Directory syncs called so far, and for each directory the newest one done. */
  #dirSyncs = 0
  readonly #dirSynced = new Map<string, number>()

  constructor(options: MemoryFilePortOptions = {}) {
    if (options.strictSeed !== undefined) {
      const seeded = createSeededRandom(options.strictSeed) // replays a crash exactly
      this.#random = () => seeded.nextFloat()
    }
    if (options.tornWrites !== undefined && options.strictSeed === undefined) throw new Error('tornWrites needs strictSeed')
    this.#tornWrites = options.tornWrites
  }

  get strict(): boolean {
    return this.#random !== undefined
  }

  open(path: string, options: { create: boolean; readOnly?: boolean }): FileHandle {
    let file = this.#files.get(path)
    if (!file) {
      if (!options.create) throw new FileNotFoundError(path)
      file = { data: new Uint8Array(0), size: 0, synced: new Uint8Array(0), modifiedAt: ++modifications, crashes: 0, pending: [] }
      this.#files.set(path, file)
    }
    return new MemoryFileHandle(file, options.readOnly === true, this.#tornWrites !== undefined)
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

  syncDirectory(path: string): void {
    this.#keepEntries(path, this.#entriesOf(path), ++this.#dirSyncs)
  }

  /**
   * Durable as of the call, once a later microtask runs (a crash before then loses it). A sync
   * of the same directory called later and done first stands: this one changes nothing then.
   */
  async syncDirectoryAsync(path: string): Promise<void> {
    const entries = this.#entriesOf(path)
    const call = ++this.#dirSyncs
    const crashes = this.#crashes
    await Promise.resolve()
    if (this.#crashes !== crashes) throw new Error('the machine crashed during the fsync of a directory')
    this.#keepEntries(path, entries, call)
  }

  #entriesOf(dir: string): Map<string, MemoryFile> {
    const entries = new Map<string, MemoryFile>()
    for (const [p, file] of this.#files) if (parentOf(p) === dir) entries.set(p, file)
    return entries
  }

  /** Strict mode: what a crash leaves in `dir` is `entries`, unless a sync called after `call` was done. */
  #keepEntries(dir: string, entries: Map<string, MemoryFile>, call: number): void {
    if ((this.#dirSynced.get(dir) ?? 0) > call) return
    this.#dirSynced.set(dir, call)
    for (const p of [...this.#durable.keys()]) if (parentOf(p) === dir && !entries.has(p)) this.#durable.delete(p)
    for (const [p, file] of entries) this.#durable.set(p, file)
  }

  lock(path: string): () => void {
    if (this.#locks.has(path)) throw new LockedError(path, 'held in this process')
    this.#locks.add(path)
    return () => this.#locks.delete(path)
  }

  /** Simulates power loss: every file reverts to its last synced contents. */
  crash(): void {
    this.#crashes++
    const random = this.#random
    if (random) {
      this.#files.clear()
      for (const [p, file] of this.#durable) this.#files.set(p, file)
    }
    for (const file of this.#files.values()) {
      const torn = this.#tornWrites
      const kept = random ? (torn ? replayTorn(file, torn, random, this.torn) : tornImage(file, random)) : file.synced.slice()
      file.pending = []
      file.data = kept
      file.size = kept.length
      file.synced = kept.slice()
      file.crashes++
    }
    this.#locks.clear()
  }

  /** Simulates the process dying (kill -9): its locks go, everything written stays. */
  kill(): void {
    this.#locks.clear()
  }
}

/** What an unsynced file may hold after power loss: each changed sector new or old, by coin. */
function tornImage(file: MemoryFile, random: () => number): Uint8Array {
  const current = file.data.subarray(0, file.size)
  const synced = file.synced
  const length = Math.max(current.length, synced.length)
  const out = new Uint8Array(length)
  out.set(synced)
  let keptEnd = synced.length
  for (let at = 0; at < length; at += SECTOR_BYTES) {
    const end = Math.min(length, at + SECTOR_BYTES)
    if (sameBytes(current, synced, at, end) || random() < 0.5) continue
    for (let i = at; i < end; i++) out[i] = i < current.length ? current[i] : 0
    if (end > synced.length) keptEnd = Math.max(keptEnd, Math.min(end, current.length))
  }
  // A file grown since its sync ends with its last sector kept; one shrunk may or may not have.
  const size = current.length >= synced.length ? keptEnd : random() < 0.5 ? current.length : synced.length
  return out.slice(0, size)
}

/** What an unsynced file may hold after power loss, write by write (see `tornWrites`). */
function replayTorn(file: MemoryFile, mode: 'prefix' | 'sectors', random: () => number, count: MemoryFilePort['torn']): Uint8Array {
  const ops = file.pending
  let capacity = file.synced.length
  for (const op of ops) if ('at' in op) capacity = Math.max(capacity, op.at + op.bytes.length)
  const out = new Uint8Array(capacity)
  out.set(file.synced)
  let size = file.synced.length
  let logical = size // the size had every write's metadata reached the disk
  const cut = mode === 'prefix' ? Math.floor(random() * (ops.length + 1)) : ops.length
  for (const [i, op] of ops.entries()) {
    if (!('at' in op)) {
      logical = op.size
      if (i < cut && (mode === 'prefix' || random() < 0.5)) {
        out.fill(0, op.size, size)
        size = op.size
      }
      continue
    }
    const end = op.at + op.bytes.length
    logical = Math.max(logical, end)
    if (i > cut) {
      count.lost++
      continue
    }
    const pieces = sectorPieces(op.at, end)
    const prefix = i < cut ? pieces.length : Math.floor(random() * pieces.length)
    let keptPieces = 0
    for (const [j, [from, to]] of pieces.entries()) {
      const kept = mode === 'prefix' ? j < prefix : random() < 0.5
      if (!kept) continue
      keptPieces++
      out.set(op.bytes.subarray(from - op.at, to - op.at), from)
      size = Math.max(size, to)
    }
    if (keptPieces === pieces.length) count.whole++
    else if (keptPieces === 0) count.lost++
    else count.partial++
  }
  if (random() < 0.5) size = logical
  const image = new Uint8Array(size)
  image.set(out.subarray(0, Math.min(size, out.length)))
  return image
}

/** `[start, end)` split at absolute sector boundaries. */
function sectorPieces(start: number, end: number): Array<[number, number]> {
  const pieces: Array<[number, number]> = []
  for (let from = start; from < end; ) {
    const to = Math.min(end, (Math.floor(from / SECTOR_BYTES) + 1) * SECTOR_BYTES)
    pieces.push([from, to])
    from = to
  }
  return pieces
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((a[i] ?? 0) !== (b[i] ?? 0) || (i < a.length) !== (i < b.length)) return false
  return true
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}


class MemoryFileHandle implements FileHandle {
  constructor(private readonly file: MemoryFile, private readonly readOnly: boolean, private readonly journal: boolean) {}

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
    if (this.journal) this.file.pending.push({ at: position, bytes: source.slice() })
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
    if (this.journal) this.file.pending.push({ size })
    this.file.modifiedAt = ++modifications
  }

  sync(): void {
    this.file.synced = this.file.data.slice(0, this.file.size)
    this.file.pending = []
  }

  /** Durable as of the call, once a later microtask runs (a crash before then loses it). */
  async syncAsync(): Promise<void> {
    const { file } = this
    const image = file.data.slice(0, file.size)
    const crashes = file.crashes
    const ops = file.pending.length
    await Promise.resolve()
    if (file.crashes !== crashes) throw new Error('the machine crashed during fdatasync')
    file.synced = image
    file.pending = file.pending.slice(ops)
  }

  size(): number {
    return this.file.size
  }

  modifiedAt(): number {
    return this.file.modifiedAt
  }

  close(): void {}
}
