/**
 * A Ready is one batch of work for the app. Handle it in this order, then call advance():
 *  1. Persist `snapshot` (if any), then `entries`, then `hardState`, and fsync.
 *  2. Only then send `messages` (a vote or an append ack promises durable state).
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
  readonly readStates: readonly ReadState[]
  /** False when only the commit index changed: the write need not be fsynced. */
  readonly mustSync: boolean
}
