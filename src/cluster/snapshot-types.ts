/** The records of the snapshot store: what a snapshot is, and what `pending.json` says. */
import type { ConfState } from '../raft/types.ts'
import type { Member } from './members.ts'
import type { ByteRange } from '../storage/write-tracking-file-port.ts'

export interface SnapshotPoint {
  index: number
  term: number
  confState: ConfState
  members: Member[]
}

export interface SnapshotMeta extends SnapshotPoint {
  version: 1
  /** Fingerprint of the live database file right after the snapshot's checkpoint. */
  dbSize: number
  dbModifiedAt: number
  /** CRC-32C of the store's copy, once computed (in the background after a snapshot). */
  dataCrc32c?: number
  /** XXH32 of the same bytes, computed with the CRC: a start checks the live file with it. */
  dataXxh32?: number
}

/**
 * `checkpoint`: the live WAL is being folded into the live file, which may now be anything (the
 * WAL was not fsynced first: that would cost the pause a WAL-sized write-back); the store's copy
 * and the log are untouched. `copy`: the live file is the snapshot, durably; the store's copy is
 * catching up, and anything in the live WAL came later.
 */
export type PendingSnapshot = { phase: 'checkpoint' } | (SnapshotPoint & { phase: 'copy' })

/**
 * An install of a received snapshot began: from the moment its file is renamed over the store's
 * copy until `meta.json` names it, only this record says which snapshot the copy is. Until that
 * rename, `previous` (a local snapshot's step, if one was under way) still holds.
 */
export interface PendingInstall {
  phase: 'install'
  point: SnapshotPoint
  dataCrc32c: number
  dataXxh32?: number
  previous?: PendingSnapshot
}

/** A snapshot whose first step is done: the store's copy still has to catch up (`complete`). */
export interface SnapshotJob {
  readonly point: SnapshotPoint
  /** The ranges of the live file to copy; `undefined`: all of it. */
  readonly ranges: ByteRange[] | undefined
  readonly generation: number
}

/** The live side of a snapshot: the node's open database. */
export interface LiveDatabase {
  /**
   * Folds the WAL into the file and empties the WAL (no fsync); false if a reader blocked it.
   * An engine in a worker answers later, but takes the call before any later apply.
   */
  checkpoint(): boolean | Promise<boolean>
}

/**
 * What step one captures, at one instant: the point and the database that is at that point. A
 * capture that must first wait (an engine in a worker: for its applies to settle) returns a
 * promise, and keeps the point's index applied, and nothing after, until its checkpoint is sent.
 */
export type SnapshotCapture = () => Captured | Promise<Captured>
export interface Captured {
  point: SnapshotPoint
  live: LiveDatabase
}

export type StartMode = 'fresh' | 'fast' | 'restored'
