// DurableLog.syncAsync: the same durability as sync(), with the thread free while the disk works.
import { expect, test } from 'vitest'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { entries, open, view } from './helpers.ts'

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

test('a change of term, vote or compaction point goes through sync(): the state file is rewritten', async () => {
  const files = new MemoryFilePort()
  const log = open(files)
  log.append(entries(1, 3, 1))
  log.setHardState({ term: 2, vote: 'b', commit: 0 })
  await log.syncAsync()
  files.crash()
  expect(open(files).hardState()).toEqual({ term: 2, vote: 'b', commit: 0 })
})
