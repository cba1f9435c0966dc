/**
 * A WAL index ("shm") shared between threads through a SharedArrayBuffer, so that a connection
 * on the event loop can read while the engine worker writes (docs/engine.md, "Reads on the loop").
 *
 * SQLite reads and writes the WAL index as plain memory, and each thread's SQLite has its own
 * WASM heap: a heap cannot be shared. So every thread (a `side`) keeps its regions in its heap,
 * as before, and the buffer holds the master copy. A side publishes what it changed and takes what
 * others changed at the points where SQLite's WAL protocol makes shared memory matter: each
 * `xShmLock` call (and `sync()` before a read starts). That is enough because SQLite only relies
 * on another connection's writes to the index after a lock tells it to (a writer changes the hash
 * tables and header under WAL_WRITE_LOCK and publishes them before it lets go; a reader checks
 * the header again after taking its read lock). `xShmBarrier` does nothing: between two locks a
 * side sees its own consistent copy, so SQLite's two-copy header check never sees a half-copied
 * header.
 *
 * - **Publishing** writes only the 32-bit words that differ from what the side last saw of the
 *   master (its shadow copy), so two sides never overwrite each other's fields: each field is
 *   written by one side at a time under SQLite's locks (read marks under their read lock, the
 *   hash tables and header under the write lock). The header and checkpoint area (136 bytes) is
 *   compared always; the hash tables only when this side's header moved (a commit, a WAL
 *   restart, a recovery), and then only the regions of the frames it added (all of them after a
 *   restart), and they go out before the header: a reader that sees a new header sees every
 *   frame it names. Hash entries of frames not yet committed wait for the commit (readers skip
 *   frames past the header's last one anyway).
 * - **Taking** copies a region only when its generation moved since the side last saw it.
 * - **Locks** (SQLite's 8 shm lock slots, and how many connections of each side hold the
 *   database file SHARED or beyond PENDING) are counters in the buffer, changed under a spin lock
 *   held for a few instructions.
 * - At most 4 sides share a buffer (a node has two: the worker and the event loop), and the index
 *   holds 256 regions: a WAL of about a million frames (8 GiB of 8 KiB pages) between two
 *   checkpoints; past that a write fails with SQLITE_IOERR_SHMMAP instead of growing the index.
 */

import type { WalIndex } from './local-wal-index.ts'

/** SQLite's WAL index page (WALINDEX_PGSZ): every xShmMap asks for this size. */
export const SHM_REGION_BYTES = 32 * 1024
/** 256 regions: a WAL of a million frames; raftlite checkpoints long before. */
const MAX_REGIONS = 256
const SLOTS = 8
const MAX_SIDES = 4
/** Two header copies (48 bytes each) and the checkpoint info (40): written under the locks. */
const HEADER_WORDS = 136 / 4
/** The two WalIndexHdr copies alone: only a writer (or recovery) changes them. */
const HEADER_COPIES_WORDS = 96 / 4
// Words of WalIndexHdr: mxFrame (the last committed frame) and the two salts (new at a WAL restart).
const MX_FRAME = 4
const SALT_1 = 8
const SALT_2 = 9
/** Frames whose hash entries region 0 holds (SQLite's HASHTABLE_NPAGE_ONE); 4096 in the others. */
const FRAMES_IN_REGION_0 = 4096 - HEADER_WORDS
const REGION_WORDS = SHM_REGION_BYTES / 4
// Each region ends in a hash table of 8,192 16-bit slots (HASHTABLE_NSLOT) at word 4,096; a page
// number's first slot is (pgno * 383) & 8191 (walHash), the next ones follow (walNextHash).
const HASH_WORD = 4096
const HASH_SLOTS = 8192
const HASH_MULTIPLIER = 383
/** A commit of at most this many frames publishes their index entries one by one (below). */
const FRAMES_PUBLISHED_ONE_BY_ONE = 64

// Int32 layout of the control block.
const MUTEX = 0
const USERS = 1
const SIDES = 2
const REGIONS = 3
const EXCLUSIVE = 8 // [SLOTS]: the connection holding the slot exclusively, 0 = none
const SHARED = EXCLUSIVE + SLOTS // [SLOTS]: how many connections hold it shared
const FILE_SHARED = SHARED + SLOTS // [MAX_SIDES]: connections of each side holding the db file SHARED or more
const FILE_EXCLUSIVE = FILE_SHARED + MAX_SIDES // [MAX_SIDES]: … holding it PENDING or EXCLUSIVE
const GENERATION = 64 // [MAX_REGIONS]
const CONTROL_BYTES = (GENERATION + MAX_REGIONS) * 4

export const SHM_OK = 0
export const SHM_BUSY = 5 // SQLITE_BUSY

/** The region that holds frame `frame`'s index entries (1-based frames, as SQLite counts them). */
function regionOfFrame(frame: number): number {
  return frame <= FRAMES_IN_REGION_0 ? 0 : 1 + Math.floor((frame - FRAMES_IN_REGION_0 - 1) / 4096)
}

/** The buffer to create once and hand to every thread that opens the database. */
export function createSharedWalIndexBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + MAX_REGIONS * SHM_REGION_BYTES)
}

/** How a side reaches its own WASM heap (it moves when the heap grows). */
export interface HeapAccess {
  heap32(): Int32Array
  alloc(bytes: number): number
  dealloc(ptr: number): void
}

interface LockMasks {
  shared: number
  exclusive: number
}

/** One thread's view of the shared WAL index of one database. */
export class SharedWalIndexSide implements WalIndex {
  readonly #control: Int32Array
  readonly #master: Int32Array
  readonly #heap: HeapAccess
  readonly side: number
  /** Per mapped region: its pointer in this side's heap, what this side last saw of the master. */
  readonly #local: number[] = []
  readonly #shadow: Int32Array[] = []
  readonly #seen: number[] = []
  readonly #masks = new Map<number, LockMasks>()

  constructor(buffer: SharedArrayBuffer, heap: HeapAccess) {
    this.#control = new Int32Array(buffer, 0, CONTROL_BYTES / 4)
    this.#master = new Int32Array(buffer, CONTROL_BYTES)
    this.#heap = heap
    this.side = Atomics.add(this.#control, SIDES, 1)
    if (this.side >= MAX_SIDES) throw new Error(`a shared WAL index serves at most ${MAX_SIDES} threads`)
  }

  /** A connection id unique across sides (0 means "nobody" in the lock table). */
  #id(local: number): number {
    return local * MAX_SIDES + this.side + 1
  }

  get mappedRegions(): number {
    return this.#local.length
  }

  /**
   * The pointer to region `region` in this side's heap, mapping it (from the master's content)
   * if the master has it or `extend` asks for it; 0 if neither; -1 past the buffer's capacity
   * (or for a region size other than SQLite's).
   */
  map(local: number, region: number, size: number, extend: boolean): number {
    if (size !== SHM_REGION_BYTES) return -1
    this.#join(this.#id(local))
    while (this.#local.length <= region) {
      const r = this.#local.length
      if (r >= MAX_REGIONS) return -1
      if (r >= Atomics.load(this.#control, REGIONS)) {
        if (!extend) return 0
        this.#lock()
        if (Atomics.load(this.#control, REGIONS) <= r) Atomics.store(this.#control, REGIONS, r + 1)
        this.#unlock()
      }
      const ptr = this.#heap.alloc(SHM_REGION_BYTES)
      this.#local.push(ptr)
      this.#shadow.push(new Int32Array(REGION_WORDS))
      this.#seen.push(-1)
      this.#take(r)
    }
    return this.#local[region]
  }

  /** SQLite's xShmLock: `flags` as SQLite passes them (1 unlock, 2 lock, 4 shared, 8 exclusive). */
  shmLock(local: number, offset: number, n: number, flags: number): number {
    const connection = this.#id(local)
    const masks = this.#join(connection)
    const mask = ((1 << n) - 1) << offset
    const control = this.#control
    if (flags & 1) {
      this.#publish() // before others may take the lock: what it guarded is out
      this.#lock()
      for (let s = offset; s < offset + n; s++) {
        if (masks.exclusive & (1 << s)) Atomics.store(control, EXCLUSIVE + s, 0)
        if (masks.shared & (1 << s)) Atomics.sub(control, SHARED + s, 1)
      }
      this.#unlock()
      masks.exclusive &= ~mask
      masks.shared &= ~mask
      return SHM_OK
    }
    this.#lock()
    for (let s = offset; s < offset + n; s++) {
      const holder = Atomics.load(control, EXCLUSIVE + s)
      if (holder !== 0 && holder !== connection) return this.#unlock(SHM_BUSY)
      if (flags & 4) continue
      const own = masks.shared & (1 << s) ? 1 : 0
      if (Atomics.load(control, SHARED + s) - own > 0) return this.#unlock(SHM_BUSY)
    }
    for (let s = offset; s < offset + n; s++) {
      if (flags & 4) {
        if (!(masks.shared & (1 << s))) Atomics.add(control, SHARED + s, 1)
      } else {
        Atomics.store(control, EXCLUSIVE + s, connection)
      }
    }
    this.#unlock()
    if (flags & 4) masks.shared |= mask
    else masks.exclusive |= mask
    this.sync()
    return SHM_OK
  }

  /** Publishes this side's changes and takes everyone else's (a reader calls it before reading). */
  sync(): void {
    this.#publish()
    let heap: Int32Array | null = null
    for (let r = 0; r < this.#local.length; r++) {
      if (Atomics.load(this.#control, GENERATION + r) === this.#seen[r]) continue
      // Taking copies the whole region over this side's: first publish what `#publish` let wait
      // (hash entries of frames not committed yet), or the copy would erase it here.
      heap ??= this.#heap.heap32()
      if (this.#diff(heap, r, r === 0 ? HEADER_WORDS : 0, REGION_WORDS)) this.#bump(r)
      this.#take(r)
    }
  }

  /** A connection lets go of the index; the last one of every side leaves it empty. */
  unmap(local: number): boolean {
    const connection = this.#id(local)
    const masks = this.#masks.get(connection)
    if (!masks) return this.#masks.size === 0
    if (masks.shared || masks.exclusive) this.shmLock(local, 0, SLOTS, 1)
    this.#masks.delete(connection)
    if (this.#masks.size === 0) {
      this.#publish()
      for (const p of this.#local) this.#heap.dealloc(p)
      this.#local.length = 0
      this.#shadow.length = 0
      this.#seen.length = 0
    }
    this.#lock()
    if (Atomics.sub(this.#control, USERS, 1) === 1) {
      // Nobody uses it: the next to open rebuilds it from the WAL (as after a restart).
      this.#master.fill(0)
      for (let r = 0; r < MAX_REGIONS; r++) Atomics.add(this.#control, GENERATION + r, 1)
      Atomics.store(this.#control, REGIONS, 0)
    }
    this.#unlock()
    return this.#masks.size === 0
  }

  /**
   * A connection of this side moves its database file lock from one kind to another (0 none,
   * 1 SHARED or RESERVED, 2 PENDING or EXCLUSIVE). False, and nothing changed, if another side's
   * connections forbid it: no SHARED while another side is at PENDING or beyond, nothing beyond
   * SHARED while another side holds the file at all.
   */
  moveFileLock(from: 0 | 1 | 2, to: 0 | 1 | 2): boolean {
    if (from === to) return true
    const control = this.#control
    this.#lock()
    if (to > from) {
      for (let s = 0; s < MAX_SIDES; s++) {
        if (s === this.side) continue
        if (to === 2 && Atomics.load(control, FILE_SHARED + s) > 0) return this.#unlock(SHM_BUSY) === SHM_OK
        if (to === 1 && Atomics.load(control, FILE_EXCLUSIVE + s) > 0) return this.#unlock(SHM_BUSY) === SHM_OK
      }
    }
    if (from === 0) Atomics.add(control, FILE_SHARED + this.side, 1)
    if (from === 2) Atomics.sub(control, FILE_EXCLUSIVE + this.side, 1)
    if (to === 0) Atomics.sub(control, FILE_SHARED + this.side, 1)
    if (to === 2) Atomics.add(control, FILE_EXCLUSIVE + this.side, 1)
    this.#unlock()
    return true
  }

  /** The connection's lock masks; its first call counts it as a user of the index. */
  #join(connection: number): LockMasks {
    let masks = this.#masks.get(connection)
    if (!masks) {
      masks = { shared: 0, exclusive: 0 }
      this.#masks.set(connection, masks)
      // Under the spin lock: never between another side's last leave and its emptying the master.
      this.#lock()
      Atomics.add(this.#control, USERS, 1)
      this.#unlock()
    }
    return masks
  }

  #publish(): void {
    if (this.#local.length === 0) return
    const heap = this.#heap.heap32()
    const header = this.#local[0] >> 2
    const seen = this.#shadow[0]
    let moved = false
    for (let w = 0; w < HEADER_COPIES_WORDS && !moved; w++) moved = heap[header + w] !== seen[w]
    if (moved) {
      const mxFrame = heap[header + MX_FRAME] >>> 0
      const sameSalts = heap[header + SALT_1] === seen[SALT_1] && heap[header + SALT_2] === seen[SALT_2]
      const published = seen[MX_FRAME] >>> 0
      if (sameSalts && mxFrame > published && mxFrame - published <= FRAMES_PUBLISHED_ONE_BY_ONE) this.#publishFrames(heap, published + 1, mxFrame)
      else {
        const [first, last] = this.#regionsAdded(mxFrame, sameSalts)
        for (let r = first; r <= last; r++) {
          if (this.#diff(heap, r, r === 0 ? HEADER_WORDS : 0, REGION_WORDS)) this.#bump(r)
        }
      }
    }
    // The header last: whoever sees it sees the hash tables it names.
    this.#lock()
    const changed = this.#diff(heap, 0, 0, HEADER_WORDS)
    this.#unlock()
    if (changed) this.#bump(0)
  }

  /**
   * Publishes the index entries of frames `from`..`to` (a commit's), not their whole regions:
   * each frame's page number and the hash slot SQLite gave it (walIndexAppend: the first empty
   * slot from the page's hash on). A region whose first frame is among them was cleared whole by
   * SQLite, so it goes out whole (tidiness: the reasons below make stale slots harmless), as does
   * one where a slot is not where SQLite puts it (a safety net: it always is). What
   * SQLite cleared of frames never committed (walCleanupHash) stays in the master until a whole
   * region goes out: readers skip frames past the header's last, and look a frame up by its page
   * number, so a stale slot only lengthens a probe.
   */
  #publishFrames(heap: Int32Array, from: number, to: number): void {
    let region = -1
    let changed = false
    let whole = false
    const done = () => {
      if (region >= 0 && changed && !whole) this.#bump(region)
    }
    for (let frame = from; frame <= to; frame++) {
      const r = regionOfFrame(frame)
      if (r !== region) {
        done()
        region = r
        changed = false
        whole = false
      }
      if (whole) continue
      if (r >= this.#local.length) return done() // not mapped here: nothing of it to publish
      const idx = frame - (r === 0 ? 0 : FRAMES_IN_REGION_0 + (r - 1) * 4096)
      const slotChanged = idx === 1 ? -1 : this.#publishEntry(heap, r, idx)
      if (slotChanged < 0) {
        whole = true
        if (this.#diff(heap, r, r === 0 ? HEADER_WORDS : 0, REGION_WORDS)) this.#bump(r)
      } else if (slotChanged > 0) changed = true
    }
    done()
  }

  /** Publishes frame `idx` of region `r`: its page number and hash slot. 1 if a word changed, 0 if not, -1 if its slot is not found. */
  #publishEntry(heap: Int32Array, r: number, idx: number): number {
    const base = this.#local[r] >> 2
    const pgnoWord = (r === 0 ? HEADER_WORDS : 0) + idx - 1
    const pgno = heap[base + pgnoWord] >>> 0
    if (pgno === 0) return -1
    let changed = this.#diff(heap, r, pgnoWord, pgnoWord + 1)
    let slot = Math.imul(pgno, HASH_MULTIPLIER) & (HASH_SLOTS - 1)
    for (let probes = 0; probes < HASH_SLOTS; probes++) {
      const word = HASH_WORD + (slot >> 1)
      const value = (heap[base + word] >>> ((slot & 1) * 16)) & 0xffff
      if (value === idx) return (this.#diff(heap, r, word, word + 1) || changed) ? 1 : 0
      if (value === 0) return -1
      slot = (slot + 1) & (HASH_SLOTS - 1)
    }
    return -1
  }

  /**
   * The regions whose hash entries a header moving to `mxFrame` may have changed: those of the
   * frames after the last one published, or every region after a WAL restart (new salts) or
   * when the log shrank.
   */
  #regionsAdded(mxFrame: number, sameSalts: boolean): [number, number] {
    const published = this.#shadow[0][MX_FRAME] >>> 0
    const lastRegion = this.#local.length - 1
    if (!sameSalts || mxFrame < published) return [0, lastRegion]
    return [Math.min(regionOfFrame(Math.max(published, 1)), lastRegion), Math.min(regionOfFrame(Math.max(mxFrame, 1)), lastRegion)]
  }

  /** Writes words [from, to) of region `r` that this side changed; whether any did. */
  #diff(heap: Int32Array, r: number, from: number, to: number): boolean {
    const base = this.#local[r] >> 2
    const shadow = this.#shadow[r]
    const master = this.#master
    const at = r * REGION_WORDS
    let changed = false
    for (let w = from; w < to; w++) {
      const v = heap[base + w]
      if (v !== shadow[w]) {
        shadow[w] = v
        master[at + w] = v
        changed = true
      }
    }
    return changed
  }

  #bump(r: number): void {
    const before = Atomics.add(this.#control, GENERATION + r, 1)
    // Had someone else moved it since we looked, keep "unseen" so the next sync takes theirs.
    if (before === this.#seen[r]) this.#seen[r] = before + 1
  }

  #take(r: number): void {
    const generation = Atomics.load(this.#control, GENERATION + r)
    const heap = this.#heap.heap32()
    const base = this.#local[r] >> 2
    const at = r * REGION_WORDS
    const shadow = this.#shadow[r]
    if (r === 0) {
      // The header under the spin lock (never half of one), then the hash tables it names.
      this.#lock()
      for (let w = 0; w < HEADER_WORDS; w++) shadow[w] = heap[base + w] = this.#master[at + w]
      this.#unlock()
    }
    const from = r === 0 ? HEADER_WORDS : 0
    // One read of the master (into the shadow), so this side's copy and its shadow agree even
    // while another side publishes: a later publish then sends only what this side changed.
    shadow.set(this.#master.subarray(at + from, at + REGION_WORDS), from)
    heap.set(shadow.subarray(from), base + from)
    this.#seen[r] = generation
  }

  #lock(): void {
    while (Atomics.compareExchange(this.#control, MUTEX, 0, 1) !== 0) {
      // Held for a few dozen instructions by another thread: spin.
    }
  }

  #unlock(result = SHM_OK): number {
    Atomics.store(this.#control, MUTEX, 0)
    return result
  }
}
