// MemoryFilePort's torn writes: what a power loss may leave of writes that were not fsynced.
import { expect, test } from 'vitest'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

const SECTOR = 512

/** Synced: 1000 bytes of 1. Unsynced: sectors 1..4 (bytes 512..2560) overwritten/appended with 2. */
function crashOnce(mode: 'prefix' | 'sectors', seed: number): Uint8Array {
  const port = new MemoryFilePort({ strictSeed: seed, tornWrites: mode })
  port.mkdirp('/d')
  const h = port.open('/d/f', { create: true })
  h.write(new Uint8Array(1000).fill(1), 0)
  h.sync()
  port.syncDirectory('/d')
  h.write(new Uint8Array(4 * SECTOR).fill(2), SECTOR)
  port.crash()
  const g = port.open('/d/f', { create: false })
  const out = new Uint8Array(g.size())
  g.read(out, 0)
  return out
}

/** Per unsynced sector: 'new' (all 2), 'old' (the synced bytes, zeros past them) or 'gone' (past the end). */
function sectorsOf(image: Uint8Array): string[] {
  const states: string[] = []
  for (let s = 1; s <= 4; s++) {
    const from = s * SECTOR
    if (image.length <= from) { states.push('gone'); continue }
    const piece = image.subarray(from, Math.min(image.length, from + SECTOR))
    if (piece.every((b) => b === 2)) states.push('new')
    else if (piece.every((b, i) => b === (from + i < 1000 ? 1 : 0))) states.push('old')
    else throw new Error(`sector ${s} mixes old and new bytes: a tear inside a sector`)
  }
  return states
}

for (const mode of ['prefix', 'sectors'] as const) {
  test(`${mode}: synced bytes survive, each unsynced sector is whole new or whole old, seeded`, () => {
    const seen = new Set<string>()
    for (let seed = 1; seed <= 200; seed++) {
      const image = crashOnce(mode, seed)
      expect(image.subarray(0, SECTOR).every((b) => b === 1), `seed ${seed}: synced sector 0`).toBe(true)
      expect([1000, ...[2, 3, 4, 5].map((n) => n * SECTOR)]).toContain(image.length)
      const states = sectorsOf(image)
      seen.add(states.join(','))
      if (mode === 'prefix') {
        // In order: once a sector is not new, none after it is.
        const firstOld = states.findIndex((s) => s !== 'new')
        if (firstOld >= 0) expect(states.slice(firstOld).includes('new'), `seed ${seed}: ${states}`).toBe(false)
      }
    }
    expect(crashOnce(mode, 7)).toEqual(crashOnce(mode, 7)) // replayable
    expect(seen.has('new,new,new,new')).toBe(true)
    expect([...seen].some((s) => s.startsWith('old'))).toBe(true)
    if (mode === 'sectors') expect([...seen].some((s) => /old.*new/.test(s)), 'a kept sector after a lost one').toBe(true)
    // A torn write whose size reached the disk: the file ends where the writes did, the lost tail zero.
    expect([...seen].some((s) => s.endsWith('old') && !s.includes('gone'))).toBe(true)
  })
}

test('an fsync makes the writes before it whole; a truncate not synced may be undone', () => {
  const results = new Set<number>()
  for (let seed = 1; seed <= 50; seed++) {
    const port = new MemoryFilePort({ strictSeed: seed, tornWrites: 'sectors' })
    const h = port.open('/f', { create: true })
    port.syncDirectory('/')
    h.write(new Uint8Array(3 * SECTOR).fill(3), 0)
    h.sync()
    h.truncate(SECTOR)
    port.crash()
    const g = port.open('/f', { create: false })
    const out = new Uint8Array(g.size())
    g.read(out, 0)
    expect(out.every((b) => b === 3), `seed ${seed}`).toBe(true)
    results.add(out.length)
  }
  expect([...results].sort()).toEqual([SECTOR, 3 * SECTOR].sort())
})

test('tornWrites without strictSeed is refused', () => {
  expect(() => new MemoryFilePort({ tornWrites: 'prefix' })).toThrow(/strictSeed/)
})
