/**
 * Leader's view of one follower. States (etcd design):
 *  - probe: we don't know where the logs match; one append per heartbeat interval.
 *  - replicate: logs match at `match`; stream appends optimistically within the inflight window.
 *  - snapshot: the follower needs a snapshot; send nothing until it is reported.
 */
import { Inflights } from './inflights.ts'

export type ProgressState = 'probe' | 'replicate' | 'snapshot'

export class Progress {
  match = 0
  next: number
  state: ProgressState = 'probe'
  /** Index of the snapshot being sent while in `snapshot` state. */
  pendingSnapshot = 0
  /** Heard from since the last check-quorum round (and allowed to receive snapshots). */
  recentActive = true
  /** In probe state: an append is outstanding, wait for its answer or the next heartbeat. */
  probeSent = false
  isLearner: boolean
  readonly inflights: Inflights

  constructor(next: number, isLearner: boolean, maxInflight: number, maxInflightBytes: number) {
    this.next = next
    this.isLearner = isLearner
    this.inflights = new Inflights(maxInflight, maxInflightBytes)
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false
    this.pendingSnapshot = 0
    this.state = state
    this.inflights.reset()
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot
      this.resetState('probe')
      this.next = Math.max(this.match + 1, pending + 1)
    } else {
      this.resetState('probe')
      this.next = this.match + 1
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate')
    this.next = this.match + 1
  }

  becomeSnapshot(index: number): void {
    this.resetState('snapshot')
    this.pendingSnapshot = index
  }

  /** A successful append response for `n`. Returns false for stale (already known) acks. */
  maybeUpdate(n: number): boolean {
    let updated = false
    if (this.match < n) {
      this.match = n
      updated = true
      this.probeSent = false
    }
    this.next = Math.max(this.next, n + 1)
    return updated
  }

  /**
   * A rejection of the append whose previous index was `rejected`; `matchHint` is the best
   * guess of the last matching index. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1)
    this.probeSent = false
    return true
  }

  /** Record that entries (count `n`, ending at `last`) were sent in one message. */
  sentEntries(n: number, last: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (n > 0) {
        this.next = last + 1
        this.inflights.add(last, bytes)
      }
    } else if (this.state === 'probe') {
      this.probeSent = true
    }
  }

  isPaused(): boolean {
    if (this.state === 'probe') return this.probeSent
    if (this.state === 'replicate') return this.inflights.full()
    return true
  }
}
