/**
 * A simulated disk that separates what was written from what was synced. A crash keeps only
 * synced data plus a random prefix of the unsynced writes (possibly a torn entries write).
 */
import type { Entry, HardState, RandomSource, Snapshot } from '../../src/raft/mod.ts'
import { EMPTY_HARD_STATE } from '../../src/raft/mod.ts'

type Write =
  | { readonly kind: 'snapshot'; readonly snap: Snapshot }
  | { readonly kind: 'entries'; readonly ents: readonly Entry[] }
  | { readonly kind: 'hardState'; readonly hs: HardState }

export interface DurableState {
  hardState: HardState
  snapshot: Snapshot | undefined
  /** Contiguous entries; entries[0].index may be <= snapshot index (compaction lags). */
  entries: Entry[]
}

export class SimDisk {
  durable: DurableState = { hardState: EMPTY_HARD_STATE, snapshot: undefined, entries: [] }
  private pending: Write[] = []
  syncs = 0

  writeSnapshot(snap: Snapshot): void {
    this.pending.push({ kind: 'snapshot', snap })
  }

  writeEntries(ents: readonly Entry[]): void {
    if (ents.length > 0) this.pending.push({ kind: 'entries', ents })
  }

  writeHardState(hs: HardState): void {
    this.pending.push({ kind: 'hardState', hs })
  }

  sync(): void {
    for (const w of this.pending) apply(this.durable, w)
    this.pending = []
    this.syncs++
  }

  /** Power loss: unsynced writes survive only as a random prefix, the last one maybe torn. */
  crash(rand: RandomSource): void {
    const keep = rand.nextInt(this.pending.length + 1)
    for (let i = 0; i < keep; i++) {
      const w = this.pending[i]
      if (i === keep - 1 && w.kind === 'entries' && rand.nextInt(2) === 0) {
        const n = rand.nextInt(w.ents.length + 1)
        if (n > 0) apply(this.durable, { kind: 'entries', ents: w.ents.slice(0, n) })
      } else {
        apply(this.durable, w)
      }
    }
    this.pending = []
  }

  /** The app made a snapshot of its own state: written and synced at once (atomic rename). */
  saveSnapshotDurably(snap: Snapshot, compactTo: number): void {
    this.durable.snapshot = snap
    this.durable.entries = this.durable.entries.filter((e) => e.index > compactTo)
  }
}

function apply(d: DurableState, w: Write): void {
  if (w.kind === 'hardState') d.hardState = w.hs
  else if (w.kind === 'snapshot') {
    d.snapshot = w.snap
    d.entries = []
  } else {
    const first = w.ents[0].index
    d.entries = d.entries.filter((e) => e.index < first).concat(w.ents)
  }
}
