/**
 * Entries (and possibly a snapshot) the node has accepted but the app has not yet made durable.
 * They move to storage when the app acknowledges the Ready that carried them.
 */
import type { Entry, Snapshot } from './types.ts'

export class Unstable {
  snapshot: Snapshot | undefined
  entries: Entry[] = []
  /** Index of entries[0]. */
  offset: number

  constructor(offset: number) {
    this.offset = offset
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.metadata.index + 1 : undefined
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1
    return this.snapshot?.metadata.index
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.metadata.index === i) return this.snapshot.metadata.term
      return undefined
    }
    const last = this.maybeLastIndex()
    if (last === undefined || i > last) return undefined
    if (this.entries.length === 0) return undefined
    return this.entries[i - this.offset].term
  }

  /** Entries up to (index, term) are durable; keep anything appended after them. */
  stableTo(index: number, term: number): void {
    const t = this.maybeTerm(index)
    if (t === undefined || t !== term || index < this.offset) return
    this.entries = this.entries.slice(index + 1 - this.offset)
    this.offset = index + 1
  }

  stableSnapTo(index: number): void {
    if (this.snapshot && this.snapshot.metadata.index === index) this.snapshot = undefined
  }

  restore(snap: Snapshot): void {
    this.offset = snap.metadata.index + 1
    this.entries = []
    this.snapshot = snap
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const after = ents[0].index
    if (after === this.offset + this.entries.length) {
      this.entries = this.entries.concat(ents)
    } else if (after <= this.offset) {
      // Replaces everything unstable; storage entries >= after are overwritten when persisted.
      this.offset = after
      this.entries = ents.slice()
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents)
    }
  }

  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset)
  }
}
