/**
 * Membership as a function of the log. With single-server changes a node uses the latest
 * configuration *in its log*, committed or not (Raft thesis §4.1), so truncating the log can
 * roll the configuration back; we keep every conf entry after the snapshot to allow that.
 */
import { applyConfChange, decodeConfChange } from './conf-change.ts'
import type { ConfState, Entry } from './types.ts'

interface ConfPoint {
  readonly index: number
  readonly conf: ConfState
}

export class ConfTracker {
  private base: ConfPoint
  private changes: ConfPoint[] = []

  constructor(index: number, conf: ConfState) {
    this.base = { index, conf }
  }

  current(): ConfState {
    return this.changes.length > 0 ? this.changes[this.changes.length - 1].conf : this.base.conf
  }

  /** Index of the newest conf entry in the log (0 if it predates the snapshot). */
  latestIndex(): number {
    return this.changes.length > 0 ? this.changes[this.changes.length - 1].index : 0
  }

  /** Membership in force once the log is applied up to `index`. */
  at(index: number): ConfState {
    let conf = this.base.conf
    for (const c of this.changes) {
      if (c.index > index) break
      conf = c.conf
    }
    return conf
  }

  /** Entries were written at ents[0].index, replacing anything from there on. */
  onAppend(ents: readonly Entry[]): boolean {
    if (ents.length === 0) return false
    const before = this.current()
    const from = ents[0].index
    this.changes = this.changes.filter((c) => c.index < from)
    for (const e of ents) {
      if (e.type !== 'confChange') continue
      const cc = decodeConfChange(e.data)
      if (cc) this.changes.push({ index: e.index, conf: applyConfChange(this.current(), cc) })
    }
    return before !== this.current()
  }

  reset(index: number, conf: ConfState): void {
    this.base = { index, conf }
    this.changes = []
  }
}
