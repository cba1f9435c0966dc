// Linearizable reads share ReadIndex rounds: one in flight at a time, the reads that arrive
// meanwhile go together in the next one, and no read is ever answered by a round that started
// before it was asked (its heartbeats would not prove leadership after the read arrived).
import { expect, test } from 'vitest'
import { ReadIndexRounds } from '../../src/cluster/read-index-rounds.ts'
import { globalTimers } from '../../src/ports/timers.ts'

/** Rounds started by the batcher, settled by the test. */
function manualRounds() {
  const started: { timeoutMs: number; resolve(index: number): void; reject(error: Error): void }[] = []
  const rounds = new ReadIndexRounds(globalTimers, (timeoutMs, resolve, reject) => started.push({ timeoutMs, resolve, reject }))
  return { rounds, started }
}

test('a lone read starts its round at once; reads asked during it share the next round, and only that round answers them', async () => {
  const { rounds, started } = manualRounds()
  const first = rounds.read(1_000)
  expect(started.length).toBe(1)
  const later = Array.from({ length: 10 }, () => rounds.read(1_000))
  expect(started.length).toBe(1) // they wait: the round in flight started before they were asked
  started[0].resolve(7)
  expect(await first).toBe(7)
  expect(started.length).toBe(2) // one round for all ten
  started[1].resolve(9)
  expect(await Promise.all(later)).toEqual(Array(10).fill(9))
  expect(rounds.rounds).toBe(2)
})

test("a failed round fails only its own reads; those waiting go in the next round", async () => {
  const { rounds, started } = manualRounds()
  const first = rounds.read(1_000)
  const second = rounds.read(1_000)
  started[0].reject(new Error('leadership lost'))
  await expect(first).rejects.toThrow('leadership lost')
  expect(started.length).toBe(2)
  started[1].resolve(3)
  expect(await second).toBe(3)
})

test("a read fails on its own deadline when its round does not end; the round's late end does not touch it", async () => {
  const { rounds, started } = manualRounds()
  const slow = rounds.read(20)
  const patient = rounds.read(5_000)
  await expect(slow).rejects.toThrow('timeout waiting for linearizable read')
  // The round in flight outlived the read; the one waiting is still owed a round of its own.
  started[0].resolve(4)
  expect(started.length).toBe(2)
  expect(started[1].timeoutMs).toBe(5_000)
  started[1].resolve(5)
  expect(await patient).toBe(5)
})

test("a round waits as long as the most patient of its reads", () => {
  const { rounds, started } = manualRounds()
  void rounds.read(1_000).catch(() => {})
  void rounds.read(300).catch(() => {})
  void rounds.read(4_000).catch(() => {})
  started[0].reject(new Error('gone'))
  expect(started[1].timeoutMs).toBe(4_000)
  started[1].reject(new Error('gone'))
})

test('a round whose start throws fails its own reads, and the next read gets a round', async () => {
  let calls = 0
  const rounds = new ReadIndexRounds(globalTimers, (_timeoutMs, resolve) => {
    if (calls++ === 0) throw new Error('bug in the core')
    resolve(5)
  })
  await expect(rounds.read(1_000)).rejects.toThrow('bug in the core')
  await expect(rounds.read(1_000)).resolves.toBe(5)
})
