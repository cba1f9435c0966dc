/** Plain data types shared by the Raft core. Everything here is CBOR/JSON friendly. */

/** Node ids are opaque non-empty strings (rqlite uses strings); '' means "nobody". */
export type NodeId = string
export const NONE: NodeId = ''

export type EntryType = 'normal' | 'confChange'

/** A log entry. `data` is opaque to the core except for conf changes (see conf-change.ts). */
export interface Entry {
  readonly index: number
  readonly term: number
  readonly type: EntryType
  readonly data: Uint8Array
}

/** What must be durable before any message of the same Ready leaves the node. */
export interface HardState {
  readonly term: number
  readonly vote: NodeId
  readonly commit: number
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader'

/** Volatile state, reported for observation only; never persisted. */
export interface SoftState {
  readonly leader: NodeId
  readonly role: Role
}

export interface ConfState {
  readonly voters: readonly NodeId[]
  readonly learners: readonly NodeId[]
}

/** Single-server membership changes. Promoting a learner is `addVoter` of an existing learner. */
export type ConfChangeType = 'addVoter' | 'addLearner' | 'removeNode'

export interface ConfChange {
  readonly type: ConfChangeType
  readonly nodeId: NodeId
  /** Opaque to the core, replicated with the change (the app keeps node addresses here). */
  readonly context?: string
}

export interface SnapshotMetadata {
  readonly index: number
  readonly term: number
  /** Membership as of `index`. */
  readonly confState: ConfState
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata
  readonly data: Uint8Array
}

/** Answer to `readIndex(context)`: serve the read once the state machine has applied `index`. */
export interface ReadState {
  readonly index: number
  readonly context: string
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 }

export function isHardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}

/** Size used for message/uncommitted budgets: the payload plus a small fixed header. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 16
}

/** Payload-only size; empty (no-op) entries are free so an election never hits the budget. */
export function payloadSize(e: Entry): number {
  return e.data.byteLength
}
