// The write queue: idempotent retries, bounded shutdown, bounded waits for room (issue 24 items 1, 2).
import { expect, test } from 'vitest'
import { WriteQueue, type WriteQueueOptions } from '../../src/node/write-queue.ts'
import type { QueueId } from '../../src/db/write-batch.ts'
import { globalTimers } from '../../src/ports/timers.ts'

const stmt = (sql: string) => [{ sql, positional: [], named: null }]

function queue(overrides: Partial<WriteQueueOptions>): WriteQueue {
  return new WriteQueue({
    capacity: 100, batchSize: 100, timeoutMs: 5, timers: globalTimers, firstSequence: 1n, origin: 'n1:1',
    retryDelayMs: 20, enqueueTimeoutMs: 1000,
    flush: async () => {}, onError: () => {}, onLost: () => {},
    ...overrides,
  })
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms))])

test('a retried flush carries the same batch id', async () => {
  const ids: QueueId[] = []
  const q = queue({
    flush: async (_s, id) => {
      ids.push(id)
      if (ids.length < 3) throw new Error('timeout waiting for the write to be applied')
    },
  })
  await q.enqueue(stmt('INSERT 1'))
  const { flushed } = await q.enqueue(stmt('INSERT 2'))
  await within(flushed, 2000)
  expect(ids).toHaveLength(3)
  expect(ids.every((id) => id.origin === 'n1:1' && id.sequence === 2n)).toBe(true)
})

test('drain gives up at its deadline when every flush fails, reporting the sequences lost', async () => {
  const lost: { sequences: bigint[]; outcome: string }[] = []
  let attempts = 0
  const q = queue({
    flush: async () => {
      attempts++
      throw new Error('store not open')
    },
    onLost: (l) => lost.push(l),
  })
  const a = await q.enqueue(stmt('INSERT 1'))
  const b = await q.enqueue(stmt('INSERT 2'))
  a.flushed.catch(() => {})
  b.flushed.catch(() => {})
  const started = Date.now()
  await within(q.drain(300), 2000)
  expect(Date.now() - started).toBeLessThan(1500)
  expect(attempts).toBeGreaterThan(1)
  expect(lost.flatMap((l) => l.sequences)).toEqual([1n, 2n])
  await expect(a.flushed).rejects.toThrow(/outcome unknown|not written/)
  await expect(q.enqueue(stmt('INSERT 3'))).rejects.toThrow(/closed/)
})

test('drain does not wait for a flush that never settles', async () => {
  const lost: { sequences: bigint[]; outcome: string }[] = []
  const q = queue({ flush: () => new Promise<void>(() => {}), onLost: (l) => lost.push(l) })
  const a = await q.enqueue(stmt('INSERT 1'))
  a.flushed.catch(() => {})
  await new Promise((r) => setTimeout(r, 30)) // the flush has started
  await within(q.drain(200), 2000)
  expect(lost).toEqual([{ sequences: [1n], outcome: 'unknown' }])
})

test('a full queue waits for room only so long, and close() wakes whoever waits', async () => {
  const q = queue({ capacity: 1, batchSize: 10, timeoutMs: 60_000, enqueueTimeoutMs: 100, flush: () => new Promise<void>(() => {}) })
  await q.enqueue(stmt('INSERT 1'))
  await expect(within(q.enqueue(stmt('INSERT 2')), 2000)).rejects.toThrow(/queue is full/)
  const q2 = queue({ capacity: 1, batchSize: 10, timeoutMs: 60_000, enqueueTimeoutMs: 60_000, flush: () => new Promise<void>(() => {}) })
  await q2.enqueue(stmt('INSERT 1'))
  const waiting = q2.enqueue(stmt('INSERT 2'))
  q2.close()
  await expect(within(waiting, 2000)).rejects.toThrow(/closed/)
})
