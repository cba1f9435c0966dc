import { describe, expect, it } from 'vitest'
import { ENTRY_OVERHEAD_BYTES, EntryCache } from '../../src/log/entry-cache.ts'
import type { Entry } from '../../src/raft/types.ts'

const entry = (index: number, bytes: number): Entry => ({ index, term: 1, type: 'normal', data: new Uint8Array(bytes) })

describe('EntryCache', () => {
  it('counts what an entry costs beyond its data, so small entries cannot outgrow the budget', () => {
    const budget = 1024 * 1024
    const cache = new EntryCache(budget, 1)
    for (let i = 1; i <= 10_000; i++) cache.push(entry(i, 250))
    const held = 10_001 - cache.first
    // Counting the data (+16) alone, about 3,900 entries of 250 bytes fit; each costs ~1 KiB resident.
    expect(held).toBeLessThanOrEqual(Math.floor(budget / (250 + ENTRY_OVERHEAD_BYTES)))
    expect(held).toBeGreaterThan(Math.floor((0.75 * budget) / (250 + ENTRY_OVERHEAD_BYTES)) - 1)
    expect(cache.get(10_000).index).toBe(10_000)
    expect(cache.get(cache.first).index).toBe(cache.first)
  })

  it('keeps large entries by their size', () => {
    const cache = new EntryCache(1024 * 1024, 1)
    for (let i = 1; i <= 100; i++) cache.push(entry(i, 100_000))
    const held = 101 - cache.first
    expect(held).toBeLessThanOrEqual(10)
    expect(held).toBeGreaterThanOrEqual(7)
  })

  it('forgets compacted and truncated entries', () => {
    const cache = new EntryCache(1024 * 1024, 1)
    for (let i = 1; i <= 20; i++) cache.push(entry(i, 10))
    cache.dropBefore(6)
    expect(cache.first).toBe(6)
    cache.truncateFrom(11)
    cache.push(entry(11, 10))
    expect(cache.get(11).data.byteLength).toBe(10)
    cache.truncateFrom(3)
    expect(cache.first).toBe(3)
  })
})
