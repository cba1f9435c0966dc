import { CuttingFilePort, PowerCut } from '../support/cutting-file-port.ts'
import { describe, expect, test } from 'vitest'
import type { DurableLog } from '../../src/log/durable-log.ts'
import type { FileHandle, FilePort } from '../../src/ports/file-port.ts'
import type { HardState } from '../../src/raft/types.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { entries, entry, open, view } from './helpers.ts'
import { applyLog, CONF, Model, type Op } from './model.ts'

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A Raft-shaped random operation on the current state of `m`. */
function randomOp(m: Model, rand: () => number, term: { value: number }): Op | 'crash' | 'reopen' {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1))
  const ms = m.ms
  const hs = ms.hardStateValue()
  const first = ms.firstIndex()
  const last = ms.lastIndex()
  const snapIndex = ms.snapshot().metadata.index
  const r = rand()
  const batch = (from: number) => {
    const n = int(1, 5)
    return Array.from({ length: n }, (_, i) => entry(from + i, term.value, int(1, 300)))
  }
  if (r < 0.35) return { kind: 'append', entries: batch(last + 1) }
  if (r < 0.45 && last >= Math.max(first, hs.commit + 1)) {
    term.value++ // a new leader overwrites the uncommitted tail
    return { kind: 'append', entries: batch(int(Math.max(first, hs.commit + 1), last)) }
  }
  if (r < 0.6) {
    let next: HardState = { ...hs, commit: int(hs.commit, Math.max(hs.commit, last)) }
    if (rand() < 0.3) next = { ...next, term: ++term.value, vote: ['a', 'b', 'c'][int(0, 2)] }
    else next = { ...next, term: Math.max(hs.term, term.value) }
    return { kind: 'hardState', hs: next }
  }
  if (r < 0.75) return { kind: 'sync' }
  if (r < 0.82 && hs.commit > snapIndex && hs.commit >= first) {
    const index = int(Math.max(snapIndex + 1, first), hs.commit)
    return { kind: 'snapshot', index, compact: int(first - 1, index) }
  }
  if (r < 0.84) {
    const index = Math.max(last, hs.commit) + int(1, 30)
    term.value++
    return { kind: 'install', meta: { index, term: term.value, confState: CONF } }
  }
  if (r < 0.93) return 'crash'
  return 'reopen'
}

describe('random operations against MemoryStorage', () => {
  // Strict: names durable only after a directory sync, unsynced writes lost sector by sector.
  // Even seeds grow the active segment ahead with zeros (preallocation), by a random amount.
  for (const strict of [false, true])
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    test(`seed ${seed}${strict ? ' (strict disk)' : ''}${seed % 2 === 0 ? ' (preallocated)' : ''}`, () => {
      const rand = mulberry32(seed)
      const segmentBytes = 300 + Math.floor(rand() * 1500)
      const preallocateBytes = seed % 2 === 0 ? 1 + Math.floor(rand() * 5000) : 0
      const files = new MemoryFilePort(strict ? { strictSeed: seed } : {})
      let log: DurableLog = open(files, { segmentBytes, preallocateBytes, cacheBytes: Math.floor(rand() * 2000) })
      const m = new Model()
      const term = { value: 1 }
      let crashes = 0
      for (let step = 0; step < 250; step++) {
        const op = randomOp(m, rand, term)
        if (op === 'crash') {
          crashes++
          files.crash()
          log = open(files, { segmentBytes, preallocateBytes })
          m.checkRecovered(log)
          m.adopt(log)
          continue
        }
        if (op === 'reopen') {
          log.sync()
          m.applyModel({ kind: 'sync' })
          log.close()
          log = open(files, { segmentBytes, preallocateBytes })
          expect(view(log)).toEqual(view(m.ms))
          continue
        }
        if (op.kind === 'install') m.ms.setHardState({ ...m.ms.hardStateValue(), commit: op.meta.index })
        if (op.kind === 'install') log.setHardState(m.ms.hardStateValue())
        m.apply(op, log)
        expect(view(log)).toEqual(view(m.ms))
      }
      expect(crashes).toBeGreaterThan(5)
    })
  }
})

describe('power cut at every file operation', () => {
  // Rolls, a conflicting append across segments, term changes, a snapshot + compaction, an install.
  const script: Op[] = [
    { kind: 'append', entries: entries(1, 6, 1) },
    { kind: 'hardState', hs: { term: 1, vote: 'a', commit: 2 } },
    { kind: 'sync' },
    { kind: 'append', entries: entries(7, 12, 1) },
    { kind: 'hardState', hs: { term: 1, vote: 'a', commit: 6 } },
    { kind: 'sync' },
    { kind: 'append', entries: entries(8, 10, 2) },
    { kind: 'hardState', hs: { term: 2, vote: 'b', commit: 7 } },
    { kind: 'sync' },
    { kind: 'snapshot', index: 7, compact: 6 },
    { kind: 'append', entries: entries(11, 14, 2) },
    { kind: 'sync' },
    { kind: 'install', meta: { index: 40, term: 3, confState: CONF } },
    { kind: 'append', entries: entries(41, 44, 3) },
    { kind: 'hardState', hs: { term: 3, vote: 'c', commit: 42 } },
    { kind: 'sync' },
  ]
  for (const strict of [false, true])
  for (const [segmentBytes, preallocateBytes] of [[500, 0], [1500, 0], [1 << 20, 0], [500, 300], [1500, 4096], [1 << 20, 700]]) {
    test(`every crash point recovers without corruption and keeps what was synced (segments of ${segmentBytes} bytes${preallocateBytes ? `, ${preallocateBytes} preallocated` : ''}${strict ? ', strict disk' : ''})`, () => {
      const openLog = (files: FilePort, segmentBytes: number) => open(files, { segmentBytes, preallocateBytes })
      const total = new CuttingFilePort(new MemoryFilePort(), Infinity)
      const full = openLog(total, segmentBytes)
      for (const op of script) applyLog(op, full)
      expect(total.count).toBeGreaterThan(40)

      let checked = 0
      for (let cutAt = 1; cutAt <= total.count; cutAt++) {
        const inner = new MemoryFilePort(strict ? { strictSeed: cutAt } : {})
        const port = new CuttingFilePort(inner, cutAt)
        let inFlight = 0
        try {
          const log = openLog(port, segmentBytes)
          for (; inFlight < script.length; inFlight++) applyLog(script[inFlight], log)
        } catch (e) {
          if (!(e instanceof PowerCut)) throw e
        }
        inner.crash()
        const log = openLog(inner, segmentBytes) // must not throw: a crash is never corruption
        // The op in flight may or may not have landed, or (a conflicting append) landed in part.
        const before = replay(inFlight)
        const after = replay(inFlight + 1)
        const partly = replay(inFlight)
        const op = script[inFlight]
        if (op?.kind === 'append' && op.entries[0].index <= partly.ms.lastIndex()) {
          partly.durable = { ...partly.durable, last: Math.min(partly.durable.last, op.entries[0].index - 1) }
        }
        const failures: unknown[] = []
        for (const m of [before, after, partly]) {
          try {
            m.checkRecovered(log)
          } catch (e) {
            failures.push(e)
          }
        }
        checked++
        if (failures.length === 3) throw new Error(`cut at operation ${cutAt}: ${failures.map(String).join(' / ')}`)
      }
      expect(checked).toBe(total.count)
    })
  }

  function replay(n: number): Model {
    const m = new Model()
    for (const op of script.slice(0, n)) m.applyModel(op)
    return m
  }
})

