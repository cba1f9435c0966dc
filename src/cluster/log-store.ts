import type { RaftStorage } from '../raft/storage.ts'
import type { ConfState, Entry, HardState, Snapshot, SnapshotMetadata } from '../raft/types.ts'

/**
 * The Raft log as the driver writes it: `RaftStorage` for the core to read, plus the write
 * side. Nothing written is durable until `sync()` returns (the durable log groups the fsyncs).
 * Snapshot *data* is the application's (the SQLite file); the log keeps only its metadata.
 */
export interface LogStore extends RaftStorage {
  append(entries: readonly Entry[]): void
  setHardState(hs: HardState): void
  applySnapshot(metadata: SnapshotMetadata): void
  /** Records that the state machine has a snapshot at `index` (which must be in the log). */
  createSnapshot(index: number, confState: ConfState): Snapshot
  compact(index: number): void
  sync(): void
  /** As `sync`, leaving the thread free while the disk works; no write until it settles. */
  syncAsync?(): Promise<void>
  close(): void
  /** Bytes its records take in its files; zeros a file holds ahead of them are not counted. */
  bytesInUse?(): number
}
