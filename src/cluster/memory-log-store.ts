import { MemoryStorage } from '../raft/memory-storage.ts'
import type { RaftStorage } from '../raft/storage.ts'
import type { ConfState, Entry, HardState, Snapshot, SnapshotMetadata } from '../raft/types.ts'
import type { LogStore } from './log-store.ts'

/** A LogStore in memory: for tests and for nodes that may lose their log (never production). */
export class MemoryLogStore implements LogStore {
  readonly #storage = new MemoryStorage()

  initialState(): ReturnType<RaftStorage['initialState']> {
    return this.#storage.initialState()
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.#storage.entries(lo, hi, maxBytes)
  }
  term(index: number): number {
    return this.#storage.term(index)
  }
  firstIndex(): number {
    return this.#storage.firstIndex()
  }
  lastIndex(): number {
    return this.#storage.lastIndex()
  }
  snapshot(): ReturnType<RaftStorage['snapshot']> {
    return this.#storage.snapshot()
  }
  append(entries: readonly Entry[]): void {
    this.#storage.append(entries)
  }
  setHardState(hs: HardState): void {
    this.#storage.setHardState(hs)
  }
  applySnapshot(metadata: SnapshotMetadata): void {
    this.#storage.applySnapshot({ metadata, data: new Uint8Array(0) })
  }
  createSnapshot(index: number, confState: ConfState): Snapshot {
    return this.#storage.createSnapshot(index, confState, new Uint8Array(0))
  }
  compact(index: number): void {
    this.#storage.compact(index)
  }
  sync(): void {}
  close(): void {}
}
