/**
 * A Ready is one batch of work for the app. Handle it in this order, then call advance():
 *  0. Optionally send `early` at once: they promise nothing (see below).
 *  1. Persist `snapshot` (if any), then `entries`, then `hardState`, and fsync.
 *  2. Only then send `messages` (those not in `early`; a vote or an append ack promises
 *     durable state).
 *  3. Install `snapshot` into the state machine, apply `committedEntries` in order.
 *  4. Serve reads for `readStates` once the state machine has applied their index.
 * Clients may be acknowledged only after their entry is applied (hence durable on a quorum).
 */
import type { Message } from './messages.ts'
import type { Entry, HardState, ReadState, Snapshot, SoftState } from './types.ts'

export interface Ready {
  /** Present when leader or role changed since the previous Ready. */
  readonly softState?: SoftState
  /** Present when term, vote or commit changed; persist it. */
  readonly hardState?: HardState
  /** New or rewritten log entries; entries[0] may overwrite (truncate) the stored tail. */
  readonly entries: readonly Entry[]
  /** Snapshot received from the leader: persist it and reset the state machine from it. */
  readonly snapshot?: Snapshot
  /** Committed entries to apply, in order. */
  readonly committedEntries: readonly Entry[]
  /** To send after step 1 completes. Delivery may fail; Raft retries. */
  readonly messages: readonly Message[]
  /**
   * The subset of `messages` that may leave before step 1: a leader's appends and heartbeats,
   * when this Ready changes neither term nor vote, so followers write while the leader does
   * (Raft thesis §10.2.1). Safe because the leader counts its own copy toward a commit, but
   * nothing that depends on that commit leaves before the next Ready, which comes only after
   * advance(); acknowledgements it steps in the meantime change nothing outside.
   */
  readonly early: readonly Message[]
  readonly readStates: readonly ReadState[]
  /** False when only the commit index changed: the write need not be fsynced. */
  readonly mustSync: boolean
}
