import { describe, expect, it } from 'vitest'
import type { ChangeGroup } from '../../src/cdc/change-events.ts'
import { ChangeQueue } from '../../src/cdc/change-queue.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { FailingFilePort } from '../support/failing-file-port.ts'

const group = (index: number, events = 1): ChangeGroup => ({
  index,
  timestampMs: 1_700_000_000_000 + index,
  events: Array.from({ length: events }, (_, i) => ({ table: i % 2 ? 'b' : 'a', json: `{"op":"INSERT","table":"${i % 2 ? 'b' : 'a'}","new_row_id":${index * 100 + i}}` })),
})
const options = { capacity: 100, retention: 0, delivering: true }
const indexes = (q: ChangeQueue) => q.after(0, 1e9).map((g) => g.index)

describe('ChangeQueue', () => {
  it('survives a restart: groups and the high-water mark replay from the file', () => {
    const files = new MemoryFilePort()
    const q = new ChangeQueue(files, '/d', options)
    for (let i = 1; i <= 5; i++) q.append(group(i))
    q.setHighWater(2)
    q.close()
    const again = new ChangeQueue(files, '/d', options)
    expect(again.highWater).toBe(2)
    expect(again.highest).toBe(5)
    expect(again.pending(0, 100).map((g) => g.index)).toEqual([3, 4, 5])
    expect(again.after(0, 10)[0].events[0].json).toBe(group(3).events[0].json)
  })

  it('ignores replays of indexes it has already seen (the log replaying after a restart)', () => {
    const q = new ChangeQueue(new MemoryFilePort(), '/d', options)
    expect(q.append(group(3))).toBe(true)
    expect(q.append(group(3))).toBe(false)
    expect(q.append(group(2))).toBe(false)
    q.setHighWater(10)
    expect(q.append(group(9))).toBe(false) // delivered by the leader before this node applied it
    expect(q.append(group(11))).toBe(true)
    expect(indexes(q)).toEqual([11])
  })

  it('loses only unsynced appends on power loss, and cuts off a damaged tail', () => {
    const files = new MemoryFilePort()
    const q = new ChangeQueue(files, '/d', options)
    q.append(group(1))
    q.append(group(2))
    q.sync()
    q.append(group(3))
    files.crash()
    const after = new ChangeQueue(files, '/d', options)
    expect(indexes(after)).toEqual([1, 2])
    after.close()
    // Flip a byte inside the second record: it and everything after it are cut off.
    const h = files.open('/d/cdc/changes.log', { create: false })
    const size = h.size()
    const byte = new Uint8Array(1)
    h.read(byte, size - 3)
    byte[0] ^= 0xff
    h.write(byte, size - 3)
    h.close()
    const damaged = new ChangeQueue(files, '/d', options)
    expect(indexes(damaged)).toEqual([1])
    expect(damaged.tornBytes).toBeGreaterThan(0)
    damaged.append(group(2)) // the log's replay refills it
    expect(indexes(new ChangeQueue(files, '/d', options))).toEqual([1, 2])
  })

  it('drops the oldest undelivered groups when full, counts them, and says so', () => {
    const q = new ChangeQueue(new MemoryFilePort(), '/d', { ...options, capacity: 3 })
    for (let i = 1; i <= 3; i++) q.append(group(i, 2))
    expect(q.full).toBe(false)
    q.append(group(4, 2))
    expect(q.full).toBe(true)
    expect(q.droppedEvents).toBe(2)
    expect(q.pending(0, 100).map((g) => g.index)).toEqual([2, 3, 4])
    expect(q.resumableAfter).toBe(1)
    q.setHighWater(3)
    expect(q.depth).toBe(1)
  })

  it('keeps delivered groups for readers up to the retention, and rewrites the file when mostly dead', () => {
    const files = new MemoryFilePort()
    const q = new ChangeQueue(files, '/d', { capacity: 100_000, retention: 2, delivering: true })
    const big = (i: number): ChangeGroup => ({ index: i, timestampMs: i, events: [{ table: 't', json: `{"op":"INSERT","v":"${'x'.repeat(20_000)}"}` }] })
    for (let i = 1; i <= 400; i++) {
      q.append(big(i))
      q.setHighWater(i)
    }
    expect(indexes(q)).toEqual([399, 400])
    expect(q.resumableAfter).toBe(398)
    expect(files.open('/d/cdc/changes.log', { create: false }).size()).toBeLessThan(4 * 1024 * 1024 + 100_000)
    q.close()
    const again = new ChangeQueue(files, '/d', { capacity: 100_000, retention: 2, delivering: true })
    expect(indexes(again)).toEqual([399, 400])
    expect(again.highWater).toBe(400)
    expect(again.resumableAfter).toBe(398)
  })

  it('without a webhook keeps the newest `retention` groups for readers', () => {
    const q = new ChangeQueue(new MemoryFilePort(), '/d', { capacity: 1, retention: 3, delivering: false })
    for (let i = 1; i <= 6; i++) q.append(group(i))
    expect(indexes(q)).toEqual([4, 5, 6])
    expect(q.full).toBe(false)
    expect(q.droppedEvents).toBe(0)
  })

  it('after a failed write keeps the group in memory and rewrites the file at the next sync', () => {
    const files = new FailingFilePort(new MemoryFilePort())
    const q = new ChangeQueue(files, '/d', options)
    q.append(group(1))
    files.failAt = files.count + 1 // the next write: group 2's record
    q.append(group(2))
    expect(files.failed).toMatch(/^write \/d\/cdc\/changes.log/)
    expect(q.writeError).not.toBeNull()
    q.append(group(3))
    expect(q.pending(0, 100).map((g) => g.index)).toEqual([1, 2, 3])
    q.sync()
    expect(q.writeError).toBeNull()
    q.close()
    expect(indexes(new ChangeQueue(files, '/d', options))).toEqual([1, 2, 3])
  })

  it('a sync whose rewrite fails throws, and leaves the old file whole', () => {
    const files = new FailingFilePort(new MemoryFilePort())
    const q = new ChangeQueue(files, '/d', options)
    q.append(group(1))
    files.failAt = files.count + 1
    q.append(group(2)) // fails: a rewrite is due
    files.failAt = files.count + 4 // create tmp, truncate, 1st write, 2nd write (fails)
    expect(() => q.sync()).toThrow(/injected I\/O error/)
    expect(q.writeError).not.toBeNull()
    expect(indexes(new ChangeQueue(new FailingFilePort(files.inner), '/d', options))).toEqual([1])
  })

  it('after a snapshot install: delivery waits at the gap, a fill closes it in order, and both survive a restart', () => {
    const files = new MemoryFilePort()
    const q = new ChangeQueue(files, '/d', options)
    q.append(group(1))
    q.append(group(2))
    expect(q.skipTo(10)).toBe(8)
    expect(q.gap).toEqual({ from: 2, to: 10 })
    q.append(group(11))
    expect(q.pending(0, 100).map((g) => g.index)).toEqual([1, 2]) // nothing past the missing ones
    q.close()
    const again = new ChangeQueue(files, '/d', options)
    expect(again.gap).toEqual({ from: 2, to: 10 })
    again.fill([group(4), group(7), group(12), group(1)], 10) // out of range ones are ignored
    expect(again.gap).toBeNull()
    expect(again.pending(0, 100).map((g) => g.index)).toEqual([1, 2, 4, 7, 11])
    again.close()
    const third = new ChangeQueue(files, '/d', options)
    expect(third.gap).toBeNull()
    expect(third.pending(0, 100).map((g) => g.index)).toEqual([1, 2, 4, 7, 11])
  })

  it('a high-water mark past the gap closes it: another leader delivered those changes', () => {
    const q = new ChangeQueue(new MemoryFilePort(), '/d', options)
    q.append(group(1))
    q.skipTo(10)
    q.setHighWater(5)
    expect(q.gap).toEqual({ from: 5, to: 10 })
    q.setHighWater(10)
    expect(q.gap).toBeNull()
  })
})
