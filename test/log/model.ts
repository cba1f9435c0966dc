/**
 * A reference for the durable log: MemoryStorage for what the log shows, plus what must be
 * durable (changed by sync, and eagerly by conflicting appends and snapshot installs).
 */
import { expect } from 'vitest'
import type { DurableLog } from '../../src/log/durable-log.ts'
import { MemoryStorage } from '../../src/raft/memory-storage.ts'
import type { ConfState, Entry, HardState, SnapshotMetadata } from '../../src/raft/types.ts'
import { view } from './helpers.ts'

export type Op =
  | { readonly kind: 'append'; readonly entries: Entry[] }
  | { readonly kind: 'hardState'; readonly hs: HardState }
  | { readonly kind: 'sync' }
  | { readonly kind: 'snapshot'; readonly index: number; readonly compact: number }
  | { readonly kind: 'install'; readonly meta: SnapshotMetadata }

export const CONF: ConfState = { voters: ['a', 'b', 'c'], learners: ['d'] }
const EMPTY = new Uint8Array()

export interface Durable {
  readonly hs: HardState
  readonly snap: SnapshotMetadata
  readonly base: number
  /** Last entry that must survive. */
  readonly last: number
}

export class Model {
  ms = new MemoryStorage()
  /** Live entries by index, including compacted ones (a crash may bring those back). */
  full = new Map<number, Entry>()
  durable: Durable = { hs: { term: 0, vote: '', commit: 0 }, snap: { index: 0, term: 0, confState: { voters: [], learners: [] } }, base: 0, last: 0 }

  apply(op: Op, log: DurableLog): void {
    this.applyModel(op)
    applyLog(op, log)
  }

  applyModel(op: Op): void {
    const ms = this.ms
    switch (op.kind) {
      case 'append': {
        const at = op.entries[0].index
        const conflict = at <= ms.lastIndex()
        ms.append(op.entries)
        for (const e of op.entries) this.full.set(e.index, e)
        for (const i of [...this.full.keys()]) if (i > ms.lastIndex()) this.full.delete(i)
        if (conflict) this.durable = { ...this.durable, last: at - 1 } // cut durably on the spot
        break
      }
      case 'hardState':
        ms.setHardState(op.hs)
        break
      case 'sync':
        this.durable = this.live()
        break
      case 'snapshot':
        ms.createSnapshot(op.index, CONF, EMPTY)
        ms.compact(op.compact)
        break
      case 'install':
        ms.applySnapshot({ metadata: op.meta, data: EMPTY })
        this.full.clear()
        this.durable = { hs: ms.hardStateValue(), snap: op.meta, base: op.meta.index, last: op.meta.index }
        break
    }
  }

  live(): Durable {
    const ms = this.ms
    return { hs: ms.hardStateValue(), snap: ms.snapshot().metadata, base: ms.firstIndex() - 1, last: ms.lastIndex() }
  }

  /** After a crash: `log` must hold everything durable, nothing that was never written. */
  checkRecovered(log: DurableLog): void {
    const d = this.durable
    const hs = log.hardState()
    expect({ term: hs.term, vote: hs.vote }).toEqual({ term: d.hs.term, vote: d.hs.vote })
    expect(hs.commit).toBeGreaterThanOrEqual(d.hs.commit)
    expect(hs.commit).toBeLessThanOrEqual(Math.max(d.hs.commit, this.ms.hardStateValue().commit))
    expect(log.snapshot().metadata).toEqual(d.snap)
    expect(log.firstIndex()).toBe(d.base + 1)
    expect(log.lastIndex()).toBeGreaterThanOrEqual(d.last)
    expect(log.lastIndex()).toBeLessThanOrEqual(Math.max(d.last, this.ms.lastIndex()))
    for (const e of log.entries(log.firstIndex(), log.lastIndex() + 1, Infinity)) {
      expect(e).toEqual(this.full.get(e.index))
    }
  }

  /** Continue from what survived: the recovered log becomes the reference. */
  adopt(log: DurableLog): void {
    const ms = new MemoryStorage()
    const base = log.firstIndex() - 1
    const snap = log.snapshot().metadata
    if (base > 0) ms.applySnapshot({ metadata: { index: base, term: log.term(base), confState: snap.confState }, data: EMPTY })
    ms.append(log.entries(base + 1, log.lastIndex() + 1, Infinity))
    if (snap.index > base) ms.createSnapshot(snap.index, snap.confState, EMPTY)
    ms.setHardState(log.hardState())
    expect(view(log)).toEqual(view(ms))
    this.ms = ms
    for (const i of [...this.full.keys()]) if (i > log.lastIndex()) this.full.delete(i)
    this.durable = this.live()
  }
}

export function applyLog(op: Op, log: DurableLog): void {
  switch (op.kind) {
    case 'append':
      return log.append(op.entries)
    case 'hardState':
      return log.setHardState(op.hs)
    case 'sync':
      return log.sync()
    case 'snapshot':
      log.createSnapshot(op.index, CONF)
      return log.compact(op.compact)
    case 'install':
      return log.applySnapshot(op.meta)
  }
}
