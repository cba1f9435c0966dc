// DurableLog.syncAsync: the same durability as sync(), with the thread free while the disk works.
import { expect, test } from 'vitest'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FilePort } from '../../src/ports/file-port.ts'
import { BlockingSyncsFilePort } from '../support/blocking-syncs-file-port.ts'
import { entries, open, segmentNames, view } from './helpers.ts'

const CONF = { voters: ['a'], learners: [] }

test('entries are durable once syncAsync resolves, and not before', async () => {
  const files = new MemoryFilePort()
  const log = open(files)
  log.append(entries(1, 5, 1))
  log.setHardState({ term: 1, vote: 'a', commit: 0 })
  log.sync() // term and vote: the state file, written by sync()
  log.append(entries(6, 9, 1))
  log.setHardState({ term: 1, vote: 'a', commit: 7 })
  const syncing = log.syncAsync()
  files.crash() // power lost while the fsync was under way
  await expect(syncing).rejects.toThrow(/crashed during fdatasync/)
  expect(() => log.append(entries(10, 10, 1))).toThrow(/failed; reopen it/)
  const after = open(files)
  expect(after.lastIndex()).toBe(5)
  expect(after.hardState().commit).toBe(0)

  after.append(entries(6, 9, 1))
  after.setHardState({ term: 1, vote: 'a', commit: 7 })
  await after.syncAsync()
  const before = view(after)
  files.crash()
  const again = open(files)
  expect(view(again)).toEqual(before)
  expect(again.hardState()).toEqual({ term: 1, vote: 'a', commit: 7 })
})

test('while syncAsync waits, writes are refused and reads still served', async () => {
  const log = open(new MemoryFilePort())
  log.append(entries(1, 3, 1))
  const syncing = log.syncAsync()
  expect(() => log.append(entries(4, 4, 1))).toThrow(/being synced/)
  expect(() => log.setHardState({ term: 1, vote: '', commit: 1 })).toThrow(/being synced/)
  expect(log.entries(1, 4, Infinity)).toEqual(entries(1, 3, 1))
  await syncing
  log.append(entries(4, 4, 1)) // and accepted again once it settled
  expect(log.lastIndex()).toBe(4)
})

test('a change of term or vote is made durable by syncAsync: the state file is rewritten', async () => {
  const files = new MemoryFilePort()
  const log = open(files)
  log.append(entries(1, 3, 1))
  log.setHardState({ term: 2, vote: 'b', commit: 0 })
  await log.syncAsync()
  files.crash()
  expect(open(files).hardState()).toEqual({ term: 2, vote: 'b', commit: 0 })
})

/** A log of several segments, snapshotted at 52 and compacted through it: the next sync rewrites the state and deletes segments. */
function compacted(files: FilePort) {
  const log = open(files, { segmentBytes: 1200 })
  log.append(entries(1, 50, 1))
  log.append(entries(51, 60, 2))
  log.setHardState({ term: 2, vote: 'a', commit: 55 })
  log.sync()
  const segments = segmentNames(files).length
  log.createSnapshot(52, CONF)
  log.compact(52)
  log.append(entries(61, 62, 2))
  return { log, segments }
}

test('a snapshot and compaction are made durable by syncAsync without one blocking fsync', async () => {
  const files = new BlockingSyncsFilePort(new MemoryFilePort({ strictSeed: 7 }))
  const { log, segments } = compacted(files)
  files.watching = true
  await log.syncAsync()
  expect(files.blocked).toEqual([])
  expect(segmentNames(files).length).toBeLessThan(segments)
  ;(files.inner as MemoryFilePort).crash()
  const again = open(files, { segmentBytes: 1200 })
  expect(again.snapshot().metadata).toEqual({ index: 52, term: 2, confState: CONF })
  expect(again.firstIndex()).toBe(53)
  expect(again.entries(53, 63, Infinity)).toEqual([...entries(53, 60, 2), ...entries(61, 62, 2)])
})

test('a crash at any point of a compacting syncAsync leaves the old log or the new one, whole', async () => {
  const outcomes = new Set<string>()
  for (let turns = 0; ; turns++) {
    const files = new MemoryFilePort({ strictSeed: turns })
    const { log } = compacted(files)
    let settled = false
    const syncing = log.syncAsync().then(() => void (settled = true), () => {})
    for (let i = 0; i < turns; i++) await Promise.resolve()
    const finished = settled
    files.crash() // power lost after `turns` microtasks of the sync
    await syncing
    const again = open(files, { segmentBytes: 1200 })
    const snapshot = again.snapshot().metadata.index
    expect([0, 52]).toContain(snapshot)
    if (finished) expect(snapshot).toBe(52)
    // Whatever the state file says, every entry after its snapshot is there, up to the synced end.
    const first = again.firstIndex()
    expect(first).toBe(snapshot === 0 ? 1 : 53)
    expect(again.lastIndex()).toBeGreaterThanOrEqual(60)
    expect(again.entries(first, 61, Infinity)).toEqual([...entries(first, 50, 1), ...entries(Math.max(first, 51), 60, 2)])
    outcomes.add(snapshot === 0 ? 'old' : 'new')
    if (finished) break
    if (turns > 50) throw new Error('syncAsync never settled')
  }
  expect([...outcomes].sort()).toEqual(['new', 'old'])
})
