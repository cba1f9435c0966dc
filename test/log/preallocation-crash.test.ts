// Crashes around preallocation (docs/log-format.md, "Preallocation" and "End marks"), found by
// review: the cut of a sealed segment's zeros, bit rot in a synced last record, and a power cut at
// every file operation of a script under each of MemoryFilePort's crash models.
import { expect, test } from 'vitest'
import type { DurableLog } from '../../src/log/durable-log.ts'
import { LogCorruptionError } from '../../src/log/log-corruption-error.ts'
import type { FilePort } from '../../src/ports/file-port.ts'
import { MemoryFilePort, type MemoryFilePortOptions } from '../../src/storage/memory-file-port.ts'
import { CuttingFilePort, PowerCut } from '../support/cutting-file-port.ts'
import { entries, entry, flipBit, open, readBytes, segPath, writeBytes } from './helpers.ts'
import { CONF } from './model.ts'

const FIRST = segPath('00000000000000000001.seg')

/**
 * For 100 seeds of the strict disk: entries 1..9 are synced, then `cut` runs until the power goes
 * at the first fsync of segment 1 from then on; the log must open afterwards, with 1..9 kept.
 */
function survivesCutAfterNine(o: { segmentBytes?: number; preallocateBytes: number }, cut: (log: DurableLog, port: CuttingFilePort) => void): void {
  const failed: string[] = []
  for (let seed = 1; seed <= 100; seed++) {
    const inner = new MemoryFilePort({ strictSeed: seed })
    const port = new CuttingFilePort(inner)
    const log = open(port, o)
    log.append(entries(1, 9, 1, 700))
    log.sync() // entries 1..9 durable
    cut(log, port)
    inner.crash()
    try {
      expect(open(inner, o).lastIndex()).toBeGreaterThanOrEqual(9)
    } catch (e) {
      failed.push(`seed ${seed}: ${String(e).slice(0, 240)}`)
    }
  }
  expect(failed).toEqual([])
}

// Power is lost during the fsync of a rollover (strict MemoryFilePort, its default crash model).
for (const preallocateBytes of [0, 700])
test(`power loss in the rollover's fsync (prealloc ${preallocateBytes})`, () => {
  survivesCutAfterNine({ segmentBytes: 8000, preallocateBytes }, (log, port) => {
    port.cutAtOperation('sync /data/log/00000000000000000001.seg', 1) // the roll's first fsync
    expect(() => log.append(entries(10, 20, 1, 700))).toThrow(PowerCut) // writes entry 10, then rolls
  })
})

// The same at a clean close that follows an unsynced append (close() is documented not to sync).
test('power loss in the fsync of close() (prealloc 700)', () => {
  survivesCutAfterNine({ preallocateBytes: 700 }, (log, port) => {
    log.append(entries(10, 10, 1, 700)) // not synced
    port.cutAtOperation('sync /data/log/00000000000000000001.seg', 1) // close()'s first fsync (the records, before its cut)
    log.close()
  })
})

/** Entry data ending in `zeros` zero bytes (every CBOR write command ends in at least one). */
function zeroy(index: number, size: number, zeros: number) {
  const e = entry(index, 1, size)
  e.data.fill(0, size - zeros)
  return e
}

// Entries 1..4 synced; entry 5 synced last, its record ending `piece` bytes into a sector, in
// zeros. Then the node dies (no clean close) and bit rot hits entry 5: docs/log-format.md says
// that is corruption ("it was synced, and this node may have acknowledged it").
for (const preallocateBytes of [0, 4096])
for (const piece of [1, 7, 100])
test(`bit rot in the synced last record ending in a ${piece}-byte zero piece (prealloc ${preallocateBytes})`, () => {
  const layout = (size: number) => {
    const files = new MemoryFilePort()
    const log = open(files)
    log.append(entries(1, 4, 1))
    log.sync()
    const start = readBytes(files, FIRST).length
    log.append([zeroy(5, size, piece)])
    log.sync()
    return { start, end: readBytes(files, FIRST).length }
  }
  const probe = layout(1000)
  const size = 1000 + ((((piece - (probe.end % 512)) % 512) + 512) % 512)
  const { start, end } = layout(size)
  expect(end % 512).toBe(piece)

  const files = new MemoryFilePort()
  const log = open(files, { preallocateBytes })
  log.append(entries(1, 4, 1))
  log.sync()
  log.append([zeroy(5, size, piece)])
  log.sync() // entry 5 durable: it may be acknowledged now
  files.crash() // power loss or kill -9; nothing unsynced
  flipBit(files, FIRST, start + 40)
  expect(() => open(files, { preallocateBytes })).toThrow(LogCorruptionError)
})

type Step = (log: DurableLog) => void | Promise<void>
// Returns the last index that must survive after each step (durable), or undefined for "unchanged".
const script: Array<[Step, number | undefined]> = [
  [(l) => l.append(entries(1, 6, 1, 700)), undefined],
  [(l) => l.setHardState({ term: 1, vote: 'a', commit: 2 }), undefined],
  [(l) => l.sync(), 6],
  [(l) => l.append(entries(7, 12, 1, 300)), undefined],
  [(l) => l.setHardState({ term: 1, vote: 'a', commit: 6 }), undefined],
  [(l) => l.syncAsync(), 12],
  [(l) => l.append(entries(8, 10, 2, 900)), 7],
  [(l) => l.setHardState({ term: 2, vote: 'b', commit: 7 }), undefined],
  [(l) => l.sync(), 10],
  [(l) => { l.createSnapshot(7, CONF); l.compact(6) }, undefined],
  [(l) => l.append(entries(11, 30, 2, 200)), undefined],
  [(l) => l.syncAsync(), 30],
  [(l) => l.append(entries(31, 33, 2, 70_000)), undefined], // in-place writes
  [(l) => l.sync(), 33],
  [(l) => l.append(entries(25, 28, 3, 50)), 24],
  [(l) => l.sync(), 28],
  [(l) => l.applySnapshot({ index: 60, term: 4, confState: CONF }), 60],
  [(l) => l.append(entries(61, 70, 4, 400)), undefined],
  [(l) => l.setHardState({ term: 4, vote: 'c', commit: 62 }), undefined],
  [(l) => l.syncAsync(), 70],
]

async function run(port: FilePort, o: { segmentBytes: number; preallocateBytes: number }, durable: { last: number }, closeAt: number) {
  let log = open(port, o)
  for (let i = 0; i < script.length; i++) {
    const [step, last] = script[i]
    const src = step.toString()
    const isSync = src.includes('sync') || src.includes('Sync') || src.includes('applySnapshot')
    if (last !== undefined && !isSync) durable.last = Math.min(durable.last, last) // eager cut, before it starts
    await step(log)
    if (last !== undefined && isSync) durable.last = last
    if (i === closeAt) { log.close(); log = open(port, o) }
  }
  return log
}

const modes: Array<[string, (s: number) => MemoryFilePortOptions]> = [
  ['plain', () => ({})],
  ['strict', (s) => ({ strictSeed: s })],
  ['prefix', (s) => ({ strictSeed: s, tornWrites: 'prefix' })],
]

// Without preallocation, a disk that tears writes in order ('prefix') can lose only the final,
// partial sector of a record while the file keeps its size: recovery refuses that by design
// (docs/log-format.md), so that pair is left out. Preallocated, the lost sector lies inside the
// file and holds the end mark, and recovery cuts the record.
for (const [name, opts] of modes)
for (const [segmentBytes, preallocateBytes] of [[3000, 0], [3000, 5000], [200_000, 256 * 1024], [8000, 700]])
if (name !== 'prefix' || preallocateBytes > 0)
test(`cut everywhere: ${name}, segments ${segmentBytes}, prealloc ${preallocateBytes}`, async () => {
  const o = { segmentBytes, preallocateBytes }
  const total = new CuttingFilePort(new MemoryFilePort(), Infinity)
  await run(total, o, { last: 0 }, -1)
  const fails: string[] = []
  for (const closeAt of [-1, 5, 13])
  for (let cutAt = 1; cutAt <= total.count + 2; cutAt++)
  for (let rep = 0; rep < 3; rep++) {
    const inner = new MemoryFilePort(opts(cutAt * 31 + rep * 7 + closeAt))
    const port = new CuttingFilePort(inner, cutAt)
    port.recording = true
    const durable = { last: 0 }
    let log: DurableLog | undefined
    try {
      log = await run(port, o, durable, closeAt)
    } catch (e) {
      if (!(e instanceof PowerCut)) { fails.push(`cut ${cutAt}: run threw ${e}`); continue }
    }
    inner.crash()
    try {
      const again = open(inner, o)
      if (again.lastIndex() < durable.last) fails.push(`cut ${cutAt} (${port.cutOp}) close@${closeAt}: last ${again.lastIndex()} < durable ${durable.last}`)
      again.entries(again.firstIndex(), again.lastIndex() + 1, Infinity)
    } catch (e) {
      fails.push(`cut ${cutAt} [${port.ops.slice(-4, -1).join(", ")}] close@${closeAt} rep ${rep}: ${String(e).slice(60, 160)}`)
    }
  }
  expect(fails).toEqual([])
}, 120_000)

// A write goes over the end mark the last synced write left; the mark's first word straddles a
// sector boundary. Power fails: the sector before the boundary holds the new record's first
// bytes, the one after it still the rest of the mark's word and zeros. That is a lost sector.
for (const at of [509, 510, 511])
test(`a write over an end mark that straddles a sector (mark at byte ${at}), torn between the two`, () => {
  const files = new MemoryFilePort()
  const log = open(files, { preallocateBytes: 4096 })
  log.append([entry(1, 1, at - 70)]) // segment header 40 + record 30 + data: the mark lands at `at`
  log.sync()
  const before = readBytes(files, FIRST)
  expect(before.subarray(at, at + 4)).toEqual(new Uint8Array([0x21, 0x45, 0x4e, 0x44]))
  log.append([entry(2, 1, 300)]) // never synced
  const after = readBytes(files, FIRST)
  const torn = before.slice()
  torn.set(after.subarray(0, 512)) // only the first sector of the new write landed
  writeBytes(files, FIRST, torn)

  const again = open(files, { preallocateBytes: 4096 })
  expect(again.lastIndex()).toBe(1)
  expect(again.entries(1, 2, Infinity)).toEqual([entry(1, 1, at - 70)])
})

// A conflicting append at a cut where the end mark fits in the cut's sector (300, 504), or would
// straddle two and is left out (506, 510, 4094: a 4 KiB page boundary too); power fails in its
// first fsync. A torn mark (review) left half a mark over half a header: a damaged header.
// Without a mark, the strict model can zero the cut's sector past the cut and keep the old size:
// the first up-to-7 bytes of the old header are then lost, which recovery refuses by design
// (docs/log-format.md), so that pair is left out.
for (const tornWrites of [undefined, 'prefix'] as const)
for (const preallocateBytes of [0, 4096])
for (const at of [300, 504, 506, 510, 4094])
if (tornWrites === 'prefix' || at % 512 <= 504)
test(`a power cut in a conflicting append's fsync, cut at byte ${at} (prealloc ${preallocateBytes}, ${tornWrites ?? 'strict'})`, () => {
  const failed: string[] = []
  for (let seed = 1; seed <= 40; seed++) {
    const inner = new MemoryFilePort({ strictSeed: seed, tornWrites })
    const port = new CuttingFilePort(inner)
    const o = { preallocateBytes }
    const log = open(port, o)
    log.append([entry(1, 1, at - 70)]) // header 40 + record 30 + data: entry 2 starts at `at`
    log.append(entries(2, 4, 1, 100))
    log.sync() // entries 1..4 durable
    port.cutAtOperation(`sync ${FIRST}`, 1) // the fsync of the end mark at the cut, or of the truncate
    expect(() => log.append([entry(2, 2, 100)])).toThrow(PowerCut)
    inner.crash()
    try {
      expect(open(inner, o).lastIndex()).toBeGreaterThanOrEqual(1)
    } catch (e) {
      failed.push(`seed ${seed}: ${String(e).slice(0, 200)}`)
    }
  }
  expect(failed).toEqual([])
})
