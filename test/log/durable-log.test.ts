import { describe, expect, test } from 'vitest'
import { CompactedError, UnavailableError } from '../../src/raft/errors.ts'
import { MemoryStorage } from '../../src/raft/memory-storage.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { LogCorruptionError } from '../../src/log/log-corruption-error.ts'
import { entryRecordBytes, putEntryRecord } from '../../src/log/record.ts'
import type { Entry } from '../../src/raft/types.ts'
import { CountingFilePort, DIR, entries, entry, open, readBytes, segmentNames, segPath, view, writeBytes } from './helpers.ts'

const CONF = { voters: ['a', 'b', 'c'], learners: ['d'] }

describe('DurableLog round trips', () => {
  test('a fresh log looks like an empty MemoryStorage', () => {
    const log = open(new MemoryFilePort())
    expect(view(log)).toEqual(view(new MemoryStorage()))
    expect(() => log.entries(0, 1, Infinity)).toThrow(CompactedError)
    expect(() => log.entries(1, 2, Infinity)).toThrow(UnavailableError)
    expect(() => log.term(1)).toThrow(UnavailableError)
  })

  test('entries, hard state and snapshot metadata survive sync + reopen', () => {
    const files = new MemoryFilePort()
    const log = open(files)
    log.append(entries(1, 10, 1))
    log.append(entries(11, 20, 2))
    log.setHardState({ term: 2, vote: 'b', commit: 15 })
    log.createSnapshot(12, CONF)
    log.sync()
    const before = view(log)
    log.close()

    const again = open(files)
    expect(view(again)).toEqual(before)
    expect(again.hardState()).toEqual({ term: 2, vote: 'b', commit: 15 })
    expect(again.snapshot().metadata).toEqual({ index: 12, term: 2, confState: CONF })
    expect(again.snapshot().data).toEqual(new Uint8Array())
    expect(again.entries(3, 9, Infinity)).toEqual(entries(3, 8, 1))
  })

  test('matches MemoryStorage on appends, conflicts, snapshots and compaction', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 600 })
    const ms = new MemoryStorage()
    const both = (f: (s: MemoryStorage | typeof log) => void) => {
      f(ms)
      f(log)
      expect(view(log)).toEqual(view(ms))
    }
    both((s) => s.append(entries(1, 12, 1)))
    both((s) => s.append(entries(8, 15, 2))) // conflict: 8… replaced
    both((s) => s.append(entries(3, 5, 1))) // a rewrite of existing entries truncates after them too
    both((s) => s.append(entries(6, 9, 3)))
    both((s) => s.append(entries(10, 10, 3)))
    both((s) => s.createSnapshot(7, CONF, new Uint8Array()))
    both((s) => s.compact(4))
    both((s) => s.append(entries(1, 3, 1))) // wholly compacted: ignored
    both((s) => s.append([entry(3, 1), entry(4, 1), entry(5, 1)])) // partly compacted: 5… kept, rest cut
    both((s) => s.append(entries(6, 9, 4)))
    expect(() => log.compact(8)).toThrow(UnavailableError)
    expect(() => log.append(entries(12, 13, 4))).toThrow(/missing log entries/)
    expect(log.entries(5, 10, 0)).toHaveLength(1) // at least one entry, whatever the budget
    expect(log.entries(5, 10, 200)).toEqual(ms.entries(5, 10, 200))
    expect(log.entries(5, 10, 250)).toEqual(ms.entries(5, 10, 250))
    log.sync()
    log.close()
    expect(view(open(files, { segmentBytes: 600 }))).toEqual(view(ms))
  })

  test('a conflicting append truncates the tail durably, also across a reopen and segments', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 1000 })
    log.append(entries(1, 40, 1))
    log.sync()
    const spread = segmentNames(files).length
    expect(spread).toBeGreaterThan(3)
    log.append(entries(5, 6, 2)) // cuts into the first segment: later files go
    expect(segmentNames(files)).toHaveLength(1)
    expect(log.lastIndex()).toBe(6)
    log.sync()
    log.close()
    const again = open(files, { segmentBytes: 1000 })
    expect(again.lastIndex()).toBe(6)
    expect(again.term(6)).toBe(2)
    expect(again.entries(1, 7, Infinity)).toEqual([...entries(1, 4, 1), ...entries(5, 6, 2)])
  })

  test('segments roll at the size limit, are named by first index, and read back from disk', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 4096, cacheBytes: 0 })
    for (let i = 1; i <= 200; i += 10) log.append(entries(i, i + 9, 1))
    log.sync()
    const names = segmentNames(files)
    expect(names.length).toBeGreaterThanOrEqual(6)
    expect(names[0]).toBe('00000000000000000001.seg')
    const firsts = names.map((n) => Number(n.slice(0, 20)))
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b))
    expect(log.entries(1, 201, Infinity)).toEqual(entries(1, 200, 1)) // every read crosses files
    // maxBytes counts like limitSize: entrySize = data + 16 = 116 here.
    expect(log.entries(30, 201, 116 * 3)).toEqual(entries(30, 32, 1))
    expect(log.entries(30, 201, 116 * 3 - 1)).toEqual(entries(30, 31, 1))
    log.close()
    const again = open(files, { segmentBytes: 4096 })
    expect(again.entries(1, 201, Infinity)).toEqual(entries(1, 200, 1))
  })

  test('large entries (data written in place) keep the record format, offsets and checksums of small ones', () => {
    // Bytes compared as hex strings: vitest's element-by-element equality on 200 KB arrays took
    // over 30 s on a loaded machine.
    const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')
    const flat = (es: readonly Entry[]) => es.map((e) => ({ ...e, data: hex(e.data) }))
    const files = new MemoryFilePort()
    const log = open(files, { cacheBytes: 0 })
    const batch = [entry(1, 1, 100), entry(2, 1, 70_000), entry(3, 1, 100), entry(4, 1, 200_000), entry(5, 1, 65_536), entry(6, 1, 100)]
    const all = [...batch, entry(7, 1, 100_000)]
    log.append(batch)
    log.append([entry(7, 1, 100_000)])
    log.sync()
    // Read from disk by offset, then after a reopen that re-verifies every checksum.
    expect(flat(log.entries(1, 8, Infinity))).toEqual(flat(all))
    expect(flat(log.entries(4, 5, Infinity))).toEqual(flat([entry(4, 1, 200_000)]))
    log.close()
    // The bytes are exactly putEntryRecord's, record after record, as before in-place writes.
    const records = all.map((e) => {
      const buf = new Uint8Array(entryRecordBytes(e))
      putEntryRecord(buf, new DataView(buf.buffer), 0, e)
      return buf
    })
    const segment = readBytes(files, `${DIR}/${segmentNames(files)[0]}`)
    let at = segment.length - records.reduce((n, r) => n + r.length, 0)
    for (const r of records) {
      expect(hex(segment.subarray(at, at + r.length))).toBe(hex(r))
      at += r.length
    }
    expect(flat(open(files).entries(1, 8, Infinity))).toEqual(flat(all))
  })

  test('a flipped bit in the data of a large entry is caught by its checksum', () => {
    const files = new MemoryFilePort()
    const log = open(files, { cacheBytes: 0 })
    log.append([entry(1, 1, 100), entry(2, 1, 100_000), entry(3, 1, 100)])
    log.sync()
    log.close()
    const path = `${DIR}/${segmentNames(files)[0]}`
    const bytes = readBytes(files, path)
    const third = bytes.length - entryRecordBytes(entry(3, 1, 100))
    bytes[third - 5000] ^= 4 // inside entry 2's data
    writeBytes(files, path, bytes)
    expect(() => open(files)).toThrow(LogCorruptionError)
  })

  test('one oversized entry gets a segment of its own', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 512 })
    log.append([entry(1, 1, 100), entry(2, 1, 5000), entry(3, 1, 100)])
    log.sync()
    log.close()
    expect(segmentNames(files)).toHaveLength(3)
    expect(open(files, { segmentBytes: 512 }).entries(1, 4, Infinity)).toEqual([entry(1, 1, 100), entry(2, 1, 5000), entry(3, 1, 100)])
  })
})

describe('DurableLog compaction and snapshots', () => {
  test('compaction deletes whole old segments at sync and keeps term(firstIndex - 1)', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 1200 })
    log.append(entries(1, 50, 1))
    log.append(entries(51, 60, 2))
    log.setHardState({ term: 2, vote: 'a', commit: 55 })
    log.createSnapshot(52, CONF)
    log.sync()
    const count = segmentNames(files).length
    log.compact(52)
    expect(log.firstIndex()).toBe(53)
    expect(log.term(52)).toBe(2)
    expect(() => log.term(51)).toThrow(CompactedError)
    expect(() => log.entries(52, 54, Infinity)).toThrow(CompactedError)
    expect(segmentNames(files)).toHaveLength(count) // not before the new compaction point is durable
    log.sync()
    const left = segmentNames(files)
    expect(left.length).toBeLessThan(count)
    expect(Number(left[0].slice(0, 20))).toBeLessThanOrEqual(53)
    log.close()

    const again = open(files, { segmentBytes: 1200 })
    expect(again.firstIndex()).toBe(53)
    expect(again.term(52)).toBe(2)
    expect(again.entries(53, 61, Infinity)).toEqual(entries(53, 60, 2))
    expect(again.snapshot().metadata).toEqual({ index: 52, term: 2, confState: CONF })
  })

  test('compacting everything keeps the active segment and appends continue', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 600 })
    log.append(entries(1, 20, 1))
    log.createSnapshot(20, CONF)
    log.compact(20)
    log.sync()
    expect(log.firstIndex()).toBe(21)
    expect(log.lastIndex()).toBe(20)
    log.append(entries(21, 22, 1))
    log.sync()
    log.close()
    const again = open(files, { segmentBytes: 600 })
    expect(again.firstIndex()).toBe(21)
    expect(again.entries(21, 23, Infinity)).toEqual(entries(21, 22, 1))
  })

  test('applySnapshot restarts the log after it, durably at once', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 600 })
    log.append(entries(1, 30, 1))
    log.sync()
    log.applySnapshot({ index: 100, term: 5, confState: CONF })
    expect(log.firstIndex()).toBe(101)
    expect(log.lastIndex()).toBe(100)
    expect(log.term(100)).toBe(5)
    expect(segmentNames(files)).toEqual(['00000000000000000101.seg'])
    log.applySnapshot({ index: 90, term: 4, confState: CONF }) // older: ignored, like MemoryStorage
    expect(log.snapshot().metadata.index).toBe(100)
    files.crash() // nothing synced since: the install must already be durable
    const again = open(files)
    expect(again.firstIndex()).toBe(101)
    expect(again.term(100)).toBe(5)
    expect(again.snapshot().metadata).toEqual({ index: 100, term: 5, confState: CONF })
    again.append(entries(101, 103, 5))
    again.sync()
    again.close()
    expect(open(files).entries(101, 104, Infinity)).toEqual(entries(101, 103, 5))
  })

  test('snapshot data is memory-only and cleared by new metadata', () => {
    const log = open(new MemoryFilePort())
    log.append(entries(1, 5, 1))
    log.createSnapshot(3, CONF)
    log.setSnapshotData(new Uint8Array([1, 2, 3]))
    expect(log.snapshot().data).toEqual(new Uint8Array([1, 2, 3]))
    log.createSnapshot(4, CONF)
    expect(log.snapshot().data).toEqual(new Uint8Array())
  })
})

describe('DurableLog group commit', () => {
  test('many appends and a commit change cost one fsync at sync, none before', () => {
    const files = new CountingFilePort()
    const log = open(files)
    log.setHardState({ term: 1, vote: 'a', commit: 0 })
    log.sync()
    files.reset()
    for (let i = 1; i <= 100; i += 10) log.append(entries(i, i + 9, 1))
    log.setHardState({ term: 1, vote: 'a', commit: 50 })
    expect(files.totalFileSyncs).toBe(0)
    log.sync()
    expect(files.totalFileSyncs).toBe(1)
    expect(files.dirSyncs).toBe(0)
    log.sync() // nothing new: no fsync at all
    expect(files.totalFileSyncs).toBe(1)
  })

  test('a term or vote change adds the state file write and one directory sync', () => {
    const files = new CountingFilePort()
    const log = open(files)
    files.reset()
    log.append(entries(1, 3, 2))
    log.setHardState({ term: 2, vote: 'b', commit: 0 })
    log.sync()
    expect([...files.fileSyncs.keys()].sort()).toEqual([`${DIR}/00000000000000000001.seg`, `${DIR}/state.tmp`])
    expect(files.totalFileSyncs).toBe(2)
    expect(files.dirSyncs).toBe(1)
  })

  test('refuses writes after a failed fsync until reopened', () => {
    let fail = false
    class FailingSyncs extends CountingFilePort {
      override open(path: string, options: { create: boolean; readOnly?: boolean }) {
        const h = super.open(path, options)
        return {
          ...h,
          sync: () => {
            if (fail) throw new Error('EIO')
            h.sync()
          },
        }
      }
    }
    const files = new FailingSyncs()
    const log = open(files)
    log.append(entries(1, 2, 1))
    fail = true
    expect(() => log.sync()).toThrow('EIO')
    fail = false
    expect(() => log.append(entries(3, 3, 1))).toThrow(/reopen/)
    expect(open(files).lastIndex()).toBe(2) // the bytes were written, only the fsync failed
  })
})

describe('DurableLog preallocation', () => {
  const AHEAD = 1000
  const activeBytes = (files: MemoryFilePort) => readBytes(files, segPath(segmentNames(files).at(-1)!))
  const zeroTail = (bytes: Uint8Array, n: number) => bytes.length >= n && bytes.subarray(bytes.length - n).every((b) => b === 0)

  test('the active segment grows ahead with zeros; a clean close cuts them off', () => {
    const files = new MemoryFilePort()
    const log = open(files, { preallocateBytes: AHEAD })
    log.append(entries(1, 5, 1))
    log.sync()
    const grown = activeBytes(files)
    expect(grown.length % 4096).toBe(0)
    expect(zeroTail(grown, AHEAD)).toBe(true)
    log.append(entries(6, 8, 1)) // written over the zeros: the file does not grow
    log.sync()
    expect(activeBytes(files).length).toBe(grown.length)
    log.close()

    const trimmed = activeBytes(files)
    expect(trimmed.length).toBeLessThan(grown.length)
    expect(zeroTail(trimmed, 8)).toBe(false)
    const notes: string[] = []
    const again = open(files, { preallocateBytes: AHEAD, logger: (m) => notes.push(m) })
    expect(notes).toEqual([])
    expect(again.entries(1, 9, Infinity)).toEqual(entries(1, 8, 1))
  })

  test('bytes in use count the records, not the zeros ahead of them', () => {
    const files = new MemoryFilePort()
    const log = open(files, { preallocateBytes: AHEAD })
    log.append(entries(1, 2, 1))
    log.sync()
    const first = log.bytesInUse()
    const fileLength = activeBytes(files).length
    log.append(entries(3, 4, 1))
    log.sync()
    expect(activeBytes(files).length).toBe(fileLength)
    expect(log.bytesInUse() - first).toBe(2 * entryRecordBytes(entry(3, 1)))
    log.close()
    expect(activeBytes(files).length).toBe(log.bytesInUse())
  })

  test('after a crash, recovery reads the zeros as the end of the log, and appends go on', () => {
    const files = new MemoryFilePort()
    const log = open(files, { preallocateBytes: AHEAD })
    log.append(entries(1, 5, 1))
    log.setHardState({ term: 1, vote: 'a', commit: 3 })
    log.sync()
    log.append(entries(6, 9, 1)) // never synced: lost
    files.crash()

    const notes: string[] = []
    const again = open(files, { preallocateBytes: AHEAD, logger: (m) => notes.push(m) })
    expect(notes).toEqual([]) // the end mark: no torn tail, only zeros to cut
    expect(again.lastIndex()).toBe(5)
    expect(again.hardState().commit).toBe(3)
    again.append(entries(6, 7, 2))
    again.sync()
    files.crash()
    const third = open(files, { preallocateBytes: AHEAD })
    expect(third.entries(1, 8, Infinity)).toEqual([...entries(1, 5, 1), ...entries(6, 7, 2)])
  })

  test('a sealed segment is cut back to its records, durably, before the next one starts', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 600, preallocateBytes: AHEAD })
    for (let i = 1; i <= 40; i += 4) {
      log.append(entries(i, i + 3, 1))
      log.sync()
    }
    const names = segmentNames(files)
    expect(names.length).toBeGreaterThan(3)
    files.crash() // a cut that was not synced would come back as zeros here
    for (const name of names.slice(0, -1)) expect(zeroTail(readBytes(files, segPath(name)), 64)).toBe(false)
    expect(zeroTail(activeBytes(files), AHEAD)).toBe(true)
    expect(open(files, { segmentBytes: 600 }).entries(1, 41, Infinity)).toEqual(entries(1, 40, 1))
  })

  test('a conflicting append cuts the zeros with the tail it replaces', () => {
    const files = new MemoryFilePort()
    const log = open(files, { preallocateBytes: AHEAD })
    log.append(entries(1, 10, 1))
    log.sync()
    log.append(entries(6, 8, 2))
    log.sync()
    files.crash()
    expect(open(files).entries(1, 9, Infinity)).toEqual([...entries(1, 5, 1), ...entries(6, 8, 2)])
  })
})
