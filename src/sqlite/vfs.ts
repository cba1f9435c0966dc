/**
 * A SQLite VFS on the synchronous file port, so databases live on disk (not in the 2 GiB WASM
 * heap) on every runtime. It also owns the two sources of non-determinism SQLite has — the
 * clock and randomness — so a write batch can pin both (see `pinTimeAndRandomness`).
 *
 * It opens only the files it owns: each database registered with `own()`, and that database's
 * WAL and rollback journal. Any other name (an ATTACH, a VACUUM INTO, whatever SQL got past the
 * statement policy) is refused with SQLITE_CANTOPEN and never reaches the file port. SQLite's
 * temporary files are nameless and live in memory.
 *
 * Locking is tracked in process (one process owns a data directory; the node takes a lock
 * file for that). The WAL index ("shm") lives in the WASM heap, shared by this thread's
 * connections (local-wal-index.ts), or with another thread's through a SharedArrayBuffer
 * (shared-wal-index.ts); either is rebuilt from the WAL after a restart as SQLite expects.
 */
import { type FileHandle, type FilePort, FileNotFoundError } from '../ports/file-port.ts'
import { type Clock, systemClock } from '../ports/clock.ts'
import { type RandomSource, cryptoRandom } from '../ports/random.ts'
import { MemoryFilePort } from '../storage/memory-file-port.ts'
import { SeededRandom } from './seeded-random.ts'
import { WAL_FRAME_HEADER, WalFrameWriter } from './wal-frame-writer.ts'
import { SharedWalIndexSide } from './shared-wal-index.ts'
import { WalEnds } from './wal-in-use.ts'
import { LocalWalIndex, type WalIndex } from './local-wal-index.ts'
import { type Ptr, type Sqlite3, structs } from './sqlite-api.ts'

const LOCK_NONE = 0
const LOCK_SHARED = 1
const LOCK_RESERVED = 2
const LOCK_PENDING = 3
const LOCK_EXCLUSIVE = 4
const SQLITE_IOERR_SHMMAP = 5386 // SQLITE_IOERR | (21 << 8)
/** The WAL index lock slot a writer holds for its whole transaction (wal.c). */
const WAL_WRITE_LOCK = 0
const SQLITE_SHM_UNLOCK = 1
/** Julian day number of the Unix epoch, in milliseconds (what xCurrentTimeInt64 adds). */
const UNIX_EPOCH_JULIAN_MS = 210866760000000
/** The files SQLite keeps beside a database (the WAL index lives in memory, see above). */
const COMPANION_SUFFIXES = ['-wal', '-journal']

/**
 * What SQLite sees as "now" and its randomness, pinned while a write batch is applied. Shared by
 * every raftlite VFS in the process: SQLite reseeds its PRNG from the default VFS, and JavaScript
 * applies one batch at a time, so one slot is enough.
 */
const pinned: { time: number | null; random: SeededRandom | null } = { time: null, random: null }

interface OpenFile {
  id: number
  /** A write-ahead log: its frame headers are held until their page follows (see `xWrite`). */
  wal: boolean
  path: string
  handle: FileHandle
  flags: number
  lock: number
  deleteOnClose: boolean
  port: FilePort
}

export interface VfsOptions {
  files: FilePort
  clock?: Clock
  random?: RandomSource
  /**
   * The WAL index of the database at `path` lives in `buffer`, shared with other threads'
   * connections (shared-wal-index.ts). `reader`: this thread only reads that database (its
   * connections never lock the file beyond SHARED, so they can never checkpoint or delete the WAL).
   */
  sharedWalIndex?: { path: string; buffer: SharedArrayBuffer; reader?: boolean }
}

export class RaftliteVfs {
  readonly name: string
  readonly #sqlite3: Sqlite3
  readonly #files: FilePort
  readonly #temp = new MemoryFilePort()
  readonly #clock: Clock
  readonly #random: RandomSource
  readonly #open = new Map<Ptr, OpenFile>()
  readonly #locks = new Map<string, Map<number, number>>()
  /** The WAL indexes of databases only this thread's connections use, by path. */
  readonly #localIndexes = new Map<string, LocalWalIndex>()
  /** Paths of the databases this VFS may open (with their companions). */
  readonly #owned = new Set<string>()
  #nextId = 1
  #lastError = ''
  #ioFailures = 0
  #refusal: string | null = null
  /** A WAL commit's frames wait for its last page, to leave in one call. */
  readonly #frames = new WalFrameWriter()
  /** Held frames could not be written: the transaction that wrote them must not commit (`flushFirst`). */
  #framesLost = false
  /** Where each open WAL's frames in use end (see `walBytes`). */
  readonly #walEnds = new WalEnds()
  readonly #shared: { path: string; side: SharedWalIndexSide; reader: boolean } | null

  constructor(sqlite3: Sqlite3, name: string, options: VfsOptions) {
    this.#sqlite3 = sqlite3
    this.name = name
    this.#files = options.files
    this.#clock = options.clock ?? systemClock
    this.#random = options.random ?? cryptoRandom
    const { wasm } = sqlite3
    const shared = options.sharedWalIndex
    this.#shared = shared
      ? {
          path: shared.path,
          reader: shared.reader ?? false,
          side: new SharedWalIndexSide(shared.buffer, {
            heap32: () => {
              const h = wasm.heap8u()
              return new Int32Array(h.buffer, h.byteOffset, h.byteLength >> 2)
            },
            alloc: (n) => wasm.alloc(n),
            dealloc: (p) => wasm.dealloc(p),
          }),
        }
      : null
    this.#install()
  }

  /**
   * Pins what SQLite sees as "now" and its randomness seed until `unpin()`. SQLite's PRNG is
   * reset so its next use reseeds from this VFS (it must be the default VFS for that).
   */
  pinTimeAndRandomness(timeMs: number, seed: bigint): void {
    pinned.time = timeMs
    pinned.random = new SeededRandom(seed)
    this.#sqlite3.capi.sqlite3_randomness(new Uint8Array(0))
  }

  unpin(): void {
    pinned.time = null
    pinned.random = null
    this.#sqlite3.capi.sqlite3_randomness(new Uint8Array(0))
  }

  get lastError(): string {
    return this.#lastError
  }

  /**
   * How many file operations have failed so far (a full disk, an I/O error). A statement that
   * fails while this grows failed on this node's disk, not on its own terms: another replica
   * may have applied it.
   */
  get ioFailures(): number {
    return this.#ioFailures
  }

  /** Lets SQLite open the database at `path` (exactly that name), its WAL and its journal. */
  own(path: string): void {
    this.#owned.add(path)
  }

  owns(path: string): boolean {
    if (this.#owned.has(path)) return true
    const suffix = COMPANION_SUFFIXES.find((s) => path.endsWith(s))
    return suffix !== undefined && this.#owned.has(path.slice(0, -suffix.length))
  }

  /**
   * Bytes of the WAL of the database at `path` that hold its current frames, or null if this VFS
   * has no such WAL open. A checkpoint that restarts the WAL leaves the file its length and
   * SQLite writes over it from the start (the 32-byte header at offset 0 begins a new one), so
   * the file's size says how large the WAL once grew, not how much of it is in use.
   */
  walBytes(path: string): number | null {
    const wal = [...this.#open.values()].find((f) => f.wal && f.path === `${path}-wal`)
    return wal ? this.#walEnds.end(wal.path, wal.handle) : null
  }

  /** Why the last open was refused, once (cleared when read and at every open). */
  takeRefusal(): string | null {
    const refusal = this.#refusal
    this.#refusal = null
    return refusal
  }

  #refuse(path: string, rc: number): number {
    this.#refusal = `refused to open ${JSON.stringify(path)}: not a file of this node's database`
    this.#lastError = this.#refusal
    return rc
  }

  #fail(error: unknown, rc: number): number {
    this.#ioFailures++
    this.#lastError = error instanceof Error ? error.message : String(error)
    const code = (error as { code?: string }).code
    if (code === 'ENOSPC' || code === 'EDQUOT') return this.#sqlite3.capi.SQLITE_FULL
    return rc
  }

  #nowMs(): number {
    return pinned.time ?? this.#clock.now()
  }

  #install(): void {
    const { capi, wasm } = this.#sqlite3
    const { sqlite3_vfs, sqlite3_io_methods, sqlite3_file } = structs(this.#sqlite3)
    const heap = () => wasm.heap8u()
    const io = new sqlite3_io_methods()
    io.$iVersion = 2 // 2 = with the xShm* methods, needed for WAL with several connections

    const file = (pFile: Ptr): OpenFile => {
      const f = this.#open.get(pFile)
      if (!f) throw new Error(`unknown sqlite3_file ${pFile}`)
      return f
    }

    const ioMethods = {
      xClose: (pFile: Ptr): number => {
        const f = this.#open.get(pFile)
        if (!f) return 0
        try {
          this.#setLock(f, LOCK_NONE)
          f.handle.close()
          if (f.deleteOnClose) f.port.delete(f.path)
          this.#open.delete(pFile)
          if (f.wal && ![...this.#open.values()].some((o) => o.path === f.path)) this.#walEnds.forget(f.path)
          return 0
        } catch (e) {
          return this.#fail(e, capi.SQLITE_IOERR_CLOSE)
        }
      },
      xRead: (pFile: Ptr, pDest: Ptr, n: number, offset: bigint | number): number => {
        try {
          const target = heap().subarray(pDest, pDest + n)
          const got = file(pFile).handle.read(target, Number(offset))
          if (got < n) {
            target.fill(0, got)
            return capi.SQLITE_IOERR_SHORT_READ
          }
          return 0
        } catch (e) {
          return this.#fail(e, capi.SQLITE_IOERR_READ)
        }
      },
      xWrite: (pFile: Ptr, pSrc: Ptr, n: number, offset: bigint | number): number => {
        try {
          const f = file(pFile)
          const at = Number(offset)
          const bytes = heap().subarray(pSrc, pSrc + n)
          if (f.wal && this.#framesLost) return this.#fail(new Error('earlier WAL frames of this transaction could not be written'), capi.SQLITE_IOERR_WRITE)
          // A header below the frames written so far rewrites an earlier frame's checksums
          // (walRewriteChecksums): it goes straight out, so that its error reaches SQLite.
          const appends = f.wal && at >= this.#walEnds.end(f.path, f.handle)
          if (f.wal) this.#walEnds.wrote(f.path, f.handle, at, n)
          if (this.#frames.writePage(f.handle, bytes, at)) return 0
          if (appends && n === WAL_FRAME_HEADER) {
            this.#frames.hold(f.handle, bytes, at)
            return 0
          }
          if (!this.#flushHeld()) return capi.SQLITE_IOERR_WRITE
          f.handle.write(bytes, at)
          return 0
        } catch (e) {
          return this.#fail(e, capi.SQLITE_IOERR_WRITE)
        }
      },
      xTruncate: (pFile: Ptr, size: bigint | number): number => {
        try {
          const f = file(pFile)
          f.handle.truncate(Number(size))
          if (f.wal) this.#walEnds.truncated(f.path, f.handle, Number(size))
          return 0
        } catch (e) {
          return this.#fail(e, capi.SQLITE_IOERR_TRUNCATE)
        }
      },
      xSync: (pFile: Ptr): number => {
        try {
          file(pFile).handle.sync()
          return 0
        } catch (e) {
          return this.#fail(e, capi.SQLITE_IOERR_FSYNC)
        }
      },
      xFileSize: (pFile: Ptr, pSize: Ptr): number => {
        try {
          wasm.poke64(pSize, BigInt(file(pFile).handle.size()))
          return 0
        } catch (e) {
          return this.#fail(e, capi.SQLITE_IOERR_FSTAT)
        }
      },
      xLock: (pFile: Ptr, level: number): number => this.#lock(file(pFile), level),
      xUnlock: (pFile: Ptr, level: number): number => {
        this.#setLock(file(pFile), level)
        return 0
      },
      xCheckReservedLock: (pFile: Ptr, pOut: Ptr): number => {
        const f = file(pFile)
        const holders = this.#locks.get(f.path)
        let reserved = false
        if (holders) for (const [id, level] of holders) if (id !== f.id && level >= LOCK_RESERVED) reserved = true
        wasm.poke32(pOut, reserved ? 1 : 0)
        return 0
      },
      xFileControl: (): number => capi.SQLITE_NOTFOUND,
      xSectorSize: (): number => 4096,
      xDeviceCharacteristics: (): number => capi.SQLITE_IOCAP_POWERSAFE_OVERWRITE,
      xShmMap: (pFile: Ptr, region: number, size: number, extend: number, ppOut: Ptr): number => {
        const f = file(pFile)
        const p = this.#walIndex(f).map(f.id, region, size, extend !== 0)
        if (p < 0) return SQLITE_IOERR_SHMMAP
        wasm.poke32(ppOut, p)
        return 0
      },
      xShmLock: (pFile: Ptr, offset: number, n: number, flags: number): number => {
        const f = file(pFile)
        const rc = this.#walIndex(f).shmLock(f.id, offset, n, flags)
        // The writer let go of the WAL (its transaction committed or rolled back): frames lost
        // before now belonged to it and can fail nothing more.
        if (offset === WAL_WRITE_LOCK && (flags & SQLITE_SHM_UNLOCK) !== 0) this.#framesLost = false
        return rc
      },
      xShmBarrier: (): void => {},
      xShmUnmap: (pFile: Ptr): number => {
        const f = file(pFile)
        if (this.#walIndex(f).unmap(f.id) && !this.#sharedSide(f)) this.#localIndexes.delete(f.path)
        return 0
      },
    }

    const vfs = new sqlite3_vfs()
    vfs.$iVersion = 2
    vfs.$szOsFile = (sqlite3_file as unknown as { structInfo: { sizeof: number } }).structInfo.sizeof
    vfs.$mxPathname = 1024
    const vfsMethods = {
      xOpen: (_pVfs: Ptr, zName: Ptr, pFile: Ptr, flags: number, pOutFlags: Ptr): number => {
        this.#refusal = null
        try {
          const anonymous = !zName || heap()[zName] === 0
          const port = anonymous ? this.#temp : this.#files
          const path = anonymous ? `temp-${this.#nextId}` : wasm.cstrToJs(zName)
          if (!anonymous && !this.owns(path)) return this.#refuse(path, capi.SQLITE_CANTOPEN)
          const readOnly = (flags & capi.SQLITE_OPEN_READONLY) !== 0
          const create = (flags & capi.SQLITE_OPEN_CREATE) !== 0
          const handle = port.open(path, { create, readOnly })
          const id = this.#nextId++
          this.#open.set(pFile, {
            id,
            wal: (flags & capi.SQLITE_OPEN_WAL) !== 0,
            path,
            handle,
            flags,
            lock: LOCK_NONE,
            deleteOnClose: anonymous || (flags & capi.SQLITE_OPEN_DELETEONCLOSE) !== 0,
            port,
          })
          const s = new sqlite3_file(pFile)
          s.$pMethods = io.pointer
          s.dispose()
          if (pOutFlags) wasm.poke32(pOutFlags, flags)
          return 0
        } catch (e) {
          return this.#fail(e, capi.SQLITE_CANTOPEN)
        }
      },
      xDelete: (_pVfs: Ptr, zName: Ptr): number => {
        try {
          const path = wasm.cstrToJs(zName)
          if (!this.owns(path)) return this.#refuse(path, capi.SQLITE_IOERR_DELETE)
          this.#files.delete(path)
          return 0
        } catch (e) {
          return this.#fail(e, capi.SQLITE_IOERR_DELETE)
        }
      },
      xAccess: (_pVfs: Ptr, zName: Ptr, _flags: number, pOut: Ptr): number => {
        try {
          const path = wasm.cstrToJs(zName)
          // Not ours: as good as absent, and the file port is never asked about it.
          let exists = this.owns(path) && this.#files.exists(path)
          // A zero-length journal or WAL is as good as none (SQLite's unix VFS does the same).
          if (exists && /-(journal|wal)$/.test(path)) {
            try {
              const h = this.#files.open(path, { create: false, readOnly: true })
              exists = h.size() > 0
              h.close()
            } catch (e) {
              if (!(e instanceof FileNotFoundError)) throw e
              exists = false
            }
          }
          wasm.poke32(pOut, exists ? 1 : 0)
          return 0
        } catch (e) {
          wasm.poke32(pOut, 0)
          return this.#fail(e, capi.SQLITE_IOERR_ACCESS)
        }
      },
      xFullPathname: (_pVfs: Ptr, zName: Ptr, nOut: number, pOut: Ptr): number =>
        wasm.cstrncpy(pOut, zName, nOut) < nOut ? 0 : capi.SQLITE_CANTOPEN,
      xRandomness: (_pVfs: Ptr, n: number, pOut: Ptr): number => {
        const bytes = new Uint8Array(n)
        if (pinned.random) pinned.random.fill(bytes)
        else this.#random.fill(bytes)
        heap().set(bytes, pOut)
        return n
      },
      xSleep: (): number => 0,
      xCurrentTime: (_pVfs: Ptr, pOut: Ptr): number => {
        wasm.poke(pOut, 2440587.5 + this.#nowMs() / 86400000, 'double')
        return 0
      },
      xCurrentTimeInt64: (_pVfs: Ptr, pOut: Ptr): number => {
        wasm.poke(pOut, BigInt(UNIX_EPOCH_JULIAN_MS + Math.floor(this.#nowMs())), 'i64')
        return 0
      },
      xGetLastError: (): number => 0,
    }
    // Any other file or VFS call first writes held frames out: nothing ever sees the WAL without
    // them. (SQLite writes a commit's frames in a row, so this is rare: a transaction too large
    // for its page cache, spilling frames and reading them back, say.) The call itself always
    // runs (an unlock skipped would leave a lock held); if the frames could not be written, the
    // error may have gone to a call whose result SQLite ignores, or to another connection, so
    // the WAL fails every read, write and sync until the writer releases its write lock: the
    // transaction that spilled them can never commit.
    const walErrors: Record<string, number> = {
      xRead: capi.SQLITE_IOERR_READ,
      xSync: capi.SQLITE_IOERR_FSYNC,
      xTruncate: capi.SQLITE_IOERR_TRUNCATE,
      xFileSize: capi.SQLITE_IOERR_FSTAT,
    }
    const flushFirst = (methods: Record<string, (...args: never[]) => unknown>, names: string[], io: boolean) => {
      for (const name of names) {
        const method = methods[name] as (...args: unknown[]) => unknown
        const walError = io ? walErrors[name] : undefined
        methods[name] = ((...args: unknown[]) => {
          this.#flushHeld()
          if (walError !== undefined && this.#framesLost && this.#open.get(args[0] as Ptr)?.wal) {
            return this.#fail(new Error('earlier WAL frames of this transaction could not be written'), walError)
          }
          return method(...args)
        }) as never
      }
    }
    flushFirst(ioMethods, Object.keys(ioMethods).filter((name) => name !== 'xWrite'), true)
    flushFirst(vfsMethods, ['xOpen', 'xDelete', 'xAccess'], false)
    this.#sqlite3.vfs.installVfs({
      io: { struct: io, methods: ioMethods as unknown as Record<string, (...args: never[]) => number> },
      vfs: {
        struct: vfs,
        methods: vfsMethods as unknown as Record<string, (...args: never[]) => number>,
        name: this.name,
        // Default, because sqlite3_randomness() reseeds from the *default* VFS.
        asDefault: true,
      },
    })
  }

  /** Writes held WAL frames out; false (counted as a failure, and the WAL failed until the writer lets go) if that fails. */
  #flushHeld(): boolean {
    try {
      this.#frames.flush()
      return true
    } catch (e) {
      this.#framesLost = true
      this.#fail(e, 0)
      return false
    }
  }

  #lock(f: OpenFile, level: number): number {
    const { capi } = this.#sqlite3
    if (f.lock >= level) return 0
    // A reader thread never goes past SHARED (it never checkpoints, writes or deletes the WAL).
    if (level > LOCK_SHARED && this.#shared?.reader && this.#sharedSide(f)) return capi.SQLITE_BUSY
    const holders = this.#locks.get(f.path) ?? new Map<number, number>()
    this.#locks.set(f.path, holders)
    let others = LOCK_NONE
    let sharedOthers = 0
    for (const [id, l] of holders) {
      if (id === f.id) continue
      others = Math.max(others, l)
      if (l >= LOCK_SHARED) sharedOthers++
    }
    if (level === LOCK_SHARED) {
      if (others >= LOCK_PENDING) return capi.SQLITE_BUSY
    } else if (level === LOCK_RESERVED) {
      if (others >= LOCK_RESERVED) return capi.SQLITE_BUSY
    } else if (level === LOCK_EXCLUSIVE || level === LOCK_PENDING) {
      if (others >= LOCK_RESERVED) return capi.SQLITE_BUSY
      if (sharedOthers > 0) {
        this.#setLock(f, LOCK_PENDING)
        return capi.SQLITE_BUSY
      }
    }
    return this.#setLock(f, level) ? 0 : capi.SQLITE_BUSY
  }

  /**
   * Sets a file lock; false (nothing changed) where another thread's connections on a shared
   * database forbid it (shared-wal-index.ts `moveFileLock`): no thread may take the file while
   * another thread's connection reads it, since a last close would checkpoint and delete the WAL.
   */
  #setLock(f: OpenFile, level: number): boolean {
    const kind = (l: number) => (l >= LOCK_PENDING ? 2 : l >= LOCK_SHARED ? 1 : 0)
    if (!(this.#sharedSide(f)?.moveFileLock(kind(f.lock), kind(level)) ?? true)) return false
    f.lock = level
    const holders = this.#locks.get(f.path)
    if (!holders) return true
    if (level === LOCK_NONE) holders.delete(f.id)
    else holders.set(f.id, level)
    return true
  }

  /** The shared WAL index side when `f` is the database whose index other threads share. */
  #sharedSide(f: OpenFile): SharedWalIndexSide | null {
    return this.#shared && f.path === this.#shared.path ? this.#shared.side : null
  }

  /**
   * Brings this thread's copy of the shared WAL index up to date (a read on the loop calls it
   * before it starts, shared-wal-index.ts); nothing without one.
   */
  syncSharedWalIndex(): void {
    this.#shared?.side.sync()
  }

  /** The WAL index `f`'s database uses: the shared one, or this thread's own. */
  #walIndex(f: OpenFile): WalIndex {
    const shared = this.#sharedSide(f)
    if (shared) return shared
    let index = this.#localIndexes.get(f.path)
    if (!index) {
      const { wasm } = this.#sqlite3
      index = new LocalWalIndex({ alloc: (n) => wasm.alloc(n), dealloc: (p) => wasm.dealloc(p), zero: (p, n) => wasm.heap8u().fill(0, p, p + n) })
      this.#localIndexes.set(f.path, index)
    }
    return index
  }
}
