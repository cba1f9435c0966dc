/**
 * The WAL index ("shm") of a database whose connections all live in this thread: its regions in
 * this thread's WASM heap, its 8 lock slots in plain maps. What a VFS uses for every database
 * that no other thread reads (shared-wal-index.ts is the other kind); rebuilt from the WAL after a
 * restart, as SQLite expects.
 */
const SLOTS = 8
const SHM_OK = 0
const SHM_BUSY = 5 // SQLITE_BUSY
// xShmLock flags; sqlite-wasm does not export these constants.
const SHM_UNLOCK = 1
const SHM_SHARED = 4

/** How a VFS drives a WAL index, whichever kind: by the id of the connection's open file. */
export interface WalIndex {
  /** A region's pointer in this thread's heap; 0 if it does not exist and `extend` is false; -1 if it cannot. */
  map(connection: number, region: number, size: number, extend: boolean): number
  /** SQLite's xShmLock. */
  shmLock(connection: number, offset: number, n: number, flags: number): number
  /** The connection is done with the index; true once nobody in this thread uses it. */
  unmap(connection: number): boolean
}

/** The thread's WASM heap, as far as the index needs it. */
export interface RegionHeap {
  alloc(bytes: number): number
  dealloc(ptr: number): void
  zero(ptr: number, bytes: number): void
}

export class LocalWalIndex implements WalIndex {
  readonly #heap: RegionHeap
  readonly #regions: number[] = []
  readonly #users = new Set<number>()
  readonly #shared = Array.from({ length: SLOTS }, () => new Set<number>())
  readonly #exclusive: (number | null)[] = new Array<number | null>(SLOTS).fill(null)

  constructor(heap: RegionHeap) {
    this.#heap = heap
  }

  map(connection: number, region: number, size: number, extend: boolean): number {
    this.#users.add(connection)
    while (this.#regions.length <= region) {
      if (!extend) return 0
      const p = this.#heap.alloc(size)
      this.#heap.zero(p, size)
      this.#regions.push(p)
    }
    return this.#regions[region]
  }

  shmLock(connection: number, offset: number, n: number, flags: number): number {
    const slots = Array.from({ length: n }, (_, i) => offset + i)
    if (flags & SHM_UNLOCK) {
      for (const s of slots) {
        if (this.#exclusive[s] === connection) this.#exclusive[s] = null
        this.#shared[s].delete(connection)
      }
      return SHM_OK
    }
    const heldByOther = (s: number) => this.#exclusive[s] !== null && this.#exclusive[s] !== connection
    if (flags & SHM_SHARED) {
      if (slots.some(heldByOther)) return SHM_BUSY
      for (const s of slots) this.#shared[s].add(connection)
      return SHM_OK
    }
    for (const s of slots) {
      if (heldByOther(s)) return SHM_BUSY
      for (const id of this.#shared[s]) if (id !== connection) return SHM_BUSY
    }
    for (const s of slots) this.#exclusive[s] = connection
    return SHM_OK
  }

  unmap(connection: number): boolean {
    this.#users.delete(connection)
    for (let s = 0; s < SLOTS; s++) {
      this.#shared[s].delete(connection)
      if (this.#exclusive[s] === connection) this.#exclusive[s] = null
    }
    if (this.#users.size > 0) return false
    for (const p of this.#regions) this.#heap.dealloc(p)
    this.#regions.length = 0
    return true
  }
}
