import { describe, expect, test } from 'vitest'
import { LogCorruptionError } from '../../src/log/log-corruption-error.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { DIR, entries, entry, flipBit, open, readBytes, segmentNames, segPath, writeBytes } from './helpers.ts'

const CONF = { voters: ['a', 'b', 'c'], learners: [] }
const STATE = `${DIR}/state`
const FIRST = segPath('00000000000000000001.seg')
/** Record sizes for 100-byte entries: 12-byte header, 18-byte entry fields, data. */
const ENTRY_RECORD = 12 + 18 + 100
const COMMIT_RECORD = 12 + 9
const HEADER = 40

function corruption(run: () => unknown): LogCorruptionError {
  try {
    run()
  } catch (e) {
    if (e instanceof LogCorruptionError) return e
    throw e
  }
  throw new Error('expected a LogCorruptionError')
}

describe('crash safety (MemoryFilePort.crash)', () => {
  test('unsynced appends vanish, synced ones survive', () => {
    const files = new MemoryFilePort()
    const log = open(files)
    log.append(entries(1, 5, 1))
    log.sync()
    log.append(entries(6, 10, 1))
    files.crash()
    const again = open(files)
    expect(again.lastIndex()).toBe(5)
    expect(again.entries(1, 6, Infinity)).toEqual(entries(1, 5, 1))
  })

  test('hard state never goes backwards across a crash after sync', () => {
    const files = new MemoryFilePort()
    let log = open(files)
    log.append(entries(1, 8, 3))
    log.setHardState({ term: 3, vote: 'b', commit: 5 })
    log.sync()
    log.setHardState({ term: 4, vote: 'c', commit: 8 })
    files.crash()
    log = open(files)
    expect(log.hardState()).toEqual({ term: 3, vote: 'b', commit: 5 })
    log.setHardState({ term: 4, vote: 'c', commit: 6 })
    log.sync()
    log.setHardState({ term: 4, vote: 'c', commit: 8 }) // commit alone: a segment record
    log.sync()
    files.crash()
    log = open(files)
    expect(log.hardState()).toEqual({ term: 4, vote: 'c', commit: 8 })
    // A conflicting append cuts records holding the commit mark; it must be restated durably.
    log.append(entries(9, 12, 4))
    log.sync()
    log.append(entries(9, 9, 5))
    files.crash()
    expect(open(files).hardState()).toEqual({ term: 4, vote: 'c', commit: 8 })
  })

  test('an unsynced compaction is undone by a crash, a synced one is kept', () => {
    const files = new MemoryFilePort()
    let log = open(files, { segmentBytes: 600 })
    log.append(entries(1, 30, 1))
    log.createSnapshot(20, CONF)
    log.sync()
    log.compact(20)
    files.crash()
    log = open(files, { segmentBytes: 600 })
    expect(log.firstIndex()).toBe(1)
    expect(log.snapshot().metadata.index).toBe(20)
    log.compact(20)
    log.sync()
    files.crash()
    log = open(files, { segmentBytes: 600 })
    expect(log.firstIndex()).toBe(21)
    expect(log.entries(21, 31, Infinity)).toEqual(entries(21, 30, 1))
  })
})

describe('torn tail', () => {
  /** Entries 1…5 synced, a commit record after entry 4, so entry 5's record ends the segment. */
  function build(): MemoryFilePort {
    const files = new MemoryFilePort()
    const log = open(files)
    log.append(entries(1, 4, 1))
    log.setHardState({ term: 1, vote: 'a', commit: 2 })
    log.sync()
    log.append(entries(5, 5, 1))
    log.sync()
    log.close()
    return files
  }

  test('cut at every byte inside the final record: open succeeds and ends at the record before', () => {
    const full = readBytes(build(), FIRST)
    const start = HEADER + 4 * ENTRY_RECORD + COMMIT_RECORD
    expect(full.length).toBe(start + ENTRY_RECORD)
    for (let cut = start; cut < full.length; cut++) {
      const files = build()
      writeBytes(files, FIRST, full.subarray(0, cut))
      const notes: string[] = []
      const log = open(files, { logger: (m) => notes.push(m) })
      expect(log.lastIndex()).toBe(4)
      expect(log.entries(1, 5, Infinity)).toEqual(entries(1, 4, 1))
      expect(log.hardState()).toEqual({ term: 1, vote: 'a', commit: 2 })
      expect(readBytes(files, FIRST).length).toBe(start) // the torn bytes are gone from disk
      expect(notes.length).toBe(cut === start ? 0 : 1)
      if (cut > start) expect(notes[0]).toMatch(/torn tail/)
      log.append(entries(5, 5, 1)) // and the log continues cleanly
      log.sync()
      log.close()
      expect(open(files).entries(1, 6, Infinity)).toEqual(entries(1, 5, 1))
    }
  })

  test('a flipped bit in the very last record is corruption, not a torn tail: it was synced (and maybe acknowledged)', () => {
    const files = build()
    const size = readBytes(files, FIRST).length
    flipBit(files, FIRST, size - 10)
    const e = corruption(() => open(files))
    expect(e.offset).toBe(size - ENTRY_RECORD)
    expect(e.message).toMatch(/checksum mismatch/)
    expect(readBytes(files, FIRST).length).toBe(size) // nothing cut
  })

  test('a zero-filled extension (size grew, data never written) is cut', () => {
    const files = build()
    const full = readBytes(files, FIRST)
    writeBytes(files, FIRST, new Uint8Array([...full, ...new Uint8Array(4096)]))
    const log = open(files)
    expect(log.lastIndex()).toBe(5)
    expect(readBytes(files, FIRST).length).toBe(full.length)
  })

  // Pages persisted out of order leave a sector of zeros inside a record that was never synced.
  test.each([
    ['the very last record', [entry(6, 1, 2000)]],
    ['the first record of a batch', [entry(6, 1, 3000), entry(7, 1, 100)]],
  ])('%s with a zeroed sector inside is a torn tail and is cut', (_, batch) => {
    const files = build()
    const log = open(files)
    const start = readBytes(files, FIRST).length
    log.append(batch)
    log.sync()
    log.close()
    const bytes = readBytes(files, FIRST)
    const sector = Math.ceil((start + 100) / 512) * 512
    bytes.fill(0, sector, sector + 512)
    writeBytes(files, FIRST, bytes)
    expect(open(files).lastIndex()).toBe(5)
  })

  test('an unwritten header of a just-rolled segment is dropped', () => {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes: 600 })
    log.append(entries(1, 4, 1))
    log.sync()
    log.append(entries(5, 5, 1)) // rolls: the new file exists but nothing in it was synced
    files.crash()
    expect(segmentNames(files)).toHaveLength(2)
    const again = open(files, { segmentBytes: 600 })
    expect(again.lastIndex()).toBe(4)
    expect(segmentNames(files)).toHaveLength(1)
  })
})

describe('corruption is detected, never served', () => {
  function build(segmentBytes = 64 * 1024 * 1024): MemoryFilePort {
    const files = new MemoryFilePort()
    const log = open(files, { segmentBytes })
    log.append(entries(1, 10, 1))
    log.setHardState({ term: 1, vote: 'a', commit: 3 })
    log.sync()
    log.close()
    return files
  }

  test('a flipped bit in a middle record names the file, offset and remedy', () => {
    const files = build()
    const recordOf2 = HEADER + ENTRY_RECORD
    flipBit(files, FIRST, recordOf2 + 12 + 18 + 40, 3)
    const e = corruption(() => open(files))
    expect(e.file).toBe(FIRST)
    expect(e.offset).toBe(recordOf2)
    expect(e.message).toContain(FIRST)
    expect(e.message).toContain(`byte ${recordOf2}`)
    expect(e.message).toMatch(/checksum mismatch/)
    expect(e.message).toMatch(/restore it from a peer/i)
  })

  test('every single-bit flip in a middle record, header included, is caught', () => {
    const at = HEADER + 3 * ENTRY_RECORD
    for (let bit = 0; bit < ENTRY_RECORD * 8; bit++) {
      const files = build()
      flipBit(files, FIRST, at + (bit >> 3), bit & 7)
      expect(() => open(files)).toThrow(LogCorruptionError)
    }
  })

  test('damage in a segment that is not the last one is never a torn tail', () => {
    const files = build(600)
    const names = segmentNames(files)
    expect(names.length).toBeGreaterThan(2)
    const path = segPath(names[0])
    const bytes = readBytes(files, path)
    flipBit(files, path, bytes.length - 5) // its final record
    expect(corruption(() => open(files, { segmentBytes: 600 })).file).toBe(path)
    writeBytes(files, path, bytes.subarray(0, bytes.length - 5)) // or cut short
    expect(corruption(() => open(files, { segmentBytes: 600 })).file).toBe(path)
  })

  test('a missing middle or first segment is caught', () => {
    const files = build(600)
    const names = segmentNames(files)
    files.delete(segPath(names[1]))
    expect(corruption(() => open(files)).message).toMatch(/missing/)
    const other = build(600)
    other.delete(segPath(names[0]))
    expect(corruption(() => open(other)).message).toMatch(/missing/)
  })

  test('any flipped bit in the state file, or its absence, is caught', () => {
    const size = readBytes(build(), STATE).length
    for (let bit = 0; bit < size * 8; bit++) {
      const files = build()
      flipBit(files, STATE, bit >> 3, bit & 7)
      expect(corruption(() => open(files)).file).toBe(STATE)
    }
    const files = build()
    files.delete(STATE)
    expect(corruption(() => open(files)).message).toMatch(/no state file/)
  })

  test('reads from disk re-verify checksums', () => {
    const files = build()
    const log = open(files, { cacheBytes: 0 })
    flipBit(files, FIRST, HEADER + ENTRY_RECORD + 50)
    expect(log.entries(1, 2, Infinity)).toEqual(entries(1, 1, 1))
    expect(() => log.entries(1, 4, Infinity)).toThrow(LogCorruptionError)
  })
})

describe('torn-write rule with zeros in the data (only whole zero sectors count)', () => {
  /** An entry whose data has a run of zeros in the middle and ends in zeros (as every write command does). */
  function zeroy(index: number, size: number, trailingZeros: number): ReturnType<typeof entry> {
    const e = entry(index, 1, size)
    e.data.fill(0, size >> 2, (size >> 2) + 100) // a zero run shorter than a sector, mid-record
    e.data.fill(0, size - trailingZeros)
    return e
  }

  /** Entries 1…4 synced, then one record whose data ends in zeros, synced last. */
  function build(lastSize: number, trailingZeros: number): { files: MemoryFilePort; start: number; end: number } {
    const files = new MemoryFilePort()
    const log = open(files)
    log.append([...entries(1, 3, 1), zeroy(4, 300, 5)])
    log.sync()
    const start = readBytes(files, FIRST).length
    log.append([zeroy(5, lastSize, trailingZeros)])
    log.sync()
    log.close()
    return { files, start, end: readBytes(files, FIRST).length }
  }

  test('records with zeros in their data read back whole', () => {
    const { files } = build(700, 50)
    const log = open(files)
    expect(log.lastIndex()).toBe(5)
    expect(log.entries(4, 6, Infinity)).toEqual([zeroy(4, 300, 5), zeroy(5, 700, 50)])
  })

  // The last record ends just past a sector boundary, in a piece that is all zero (its data
  // ends in zeros): bit rot in it is damage to a synced record, never a torn write.
  test.each([1, 2, 7, 100])('a flipped bit in a last record ending in a %i-byte zero piece is corruption', (piece) => {
    for (let trailing = piece; trailing <= piece + 3; trailing++) {
      // Choose the data size so the record ends exactly `piece` bytes into a sector.
      const probe = build(1000, trailing)
      const size = 1000 + (((piece - (probe.end % 512)) % 512) + 512) % 512
      const { files, start, end } = build(size, Math.max(trailing, piece))
      expect(end % 512).toBe(piece)
      flipBit(files, FIRST, start + 40)
      const e = corruption(() => open(files))
      expect(e.offset).toBe(start)
      expect(e.message).toMatch(/checksum mismatch/)
      expect(readBytes(files, FIRST).length).toBe(end) // nothing cut
    }
  })

  test('a flipped bit in a last record with a sub-sector zero run inside is corruption', () => {
    const { files, start, end } = build(1500, 1)
    flipBit(files, FIRST, end - 20)
    expect(corruption(() => open(files)).offset).toBe(start)
  })

  test('a whole zeroed sector inside a last record whose data has zeros is still a torn tail', () => {
    const { files, start } = build(2000, 30)
    const bytes = readBytes(files, FIRST)
    const sector = Math.ceil((start + 200) / 512) * 512
    bytes.fill(0, sector, sector + 512)
    writeBytes(files, FIRST, bytes)
    const notes: string[] = []
    expect(open(files, { logger: (m) => notes.push(m) }).lastIndex()).toBe(4)
    expect(notes.join()).toMatch(/torn tail/)
  })

  test('small records: a zeroed sector holding the end of one and the next ones whole is a torn tail', () => {
    const files = new MemoryFilePort()
    const log = open(files)
    log.append(entries(1, 3, 1))
    log.sync()
    const start = readBytes(files, FIRST).length
    log.append(Array.from({ length: 12 }, (_, i) => zeroy(4 + i, 120, 3)))
    log.sync()
    log.close()
    const bytes = readBytes(files, FIRST)
    const sector = Math.ceil((start + 300) / 512) * 512
    bytes.fill(0, sector, sector + 512)
    writeBytes(files, FIRST, bytes)
    const again = open(files)
    expect(again.lastIndex()).toBeGreaterThanOrEqual(3)
    expect(again.lastIndex()).toBeLessThan(15)
  })

  test('a header whose length and check are zero (the sector holding them was lost) is a torn tail', () => {
    const { files, start } = build(700, 5)
    const bytes = readBytes(files, FIRST)
    bytes.fill(0, start, start + 8) // as if the sector holding them was never written
    writeBytes(files, FIRST, bytes)
    expect(open(files).lastIndex()).toBe(4)
  })

  test('a header damaged by one byte that happens to be zero at a sector end is corruption', () => {
    // Find a layout where the last record's header begins at the last byte of a sector.
    for (let pad = 0; pad < 512; pad++) {
      const files = new MemoryFilePort()
      const log = open(files)
      log.append([...entries(1, 3, 1), entry(4, 1, 100 + pad)])
      log.sync()
      const start = readBytes(files, FIRST).length
      if (start % 512 !== 511) continue
      log.append([entry(5, 1, 300)])
      log.sync()
      log.close()
      const bytes = readBytes(files, FIRST)
      bytes[start] = 0 // the length field's low byte, rotted to zero
      writeBytes(files, FIRST, bytes)
      expect(corruption(() => open(files)).offset).toBe(start)
      return
    }
    throw new Error('no layout found')
  })
})
