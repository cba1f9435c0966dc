// The Durable Object file port (chunked rows in SQLite) against the memory file port as a model:
// random writes, reads, truncates across chunk boundaries must read back the same bytes. The
// object's `ctx.storage.sql` is stood in for by better-sqlite3 (same SQL, synchronous too).
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { DurableObjectFilePort } from '../../../runtimes/workers/do-file-port.ts'
import { MemoryFilePort } from '../../../src/storage/memory-file-port.ts'
import { FileNotFoundError, LockedError } from '../../../src/ports/file-port.ts'

interface Prepared {
  reader: boolean
  all(...bindings: unknown[]): unknown[]
  run(...bindings: unknown[]): unknown
}

function sqlStorage(db: InstanceType<typeof Database>): SqlStorage {
  return {
    exec<T>(query: string, ...bindings: unknown[]) {
      const statement = db.prepare(query) as unknown as Prepared
      const rows = (statement.reader ? statement.all(...bindings) : (statement.run(...bindings), [])) as T[]
      return {
        [Symbol.iterator]: () => rows[Symbol.iterator](),
        toArray: () => rows,
        one: () => rows[0],
        rowsWritten: 0,
      }
    },
    get databaseSize() {
      return 0
    },
  }
}

// Small chunks, so short random files cross many chunk boundaries.
const CHUNK_BYTES = 64
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0

const op = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), at: fc.nat(3 * CHUNK_BYTES), bytes: fc.uint8Array({ minLength: 1, maxLength: 2 * CHUNK_BYTES + 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), size: fc.nat(4 * CHUNK_BYTES) }),
  fc.record({ kind: fc.constant('read' as const), at: fc.nat(4 * CHUNK_BYTES), length: fc.nat(2 * CHUNK_BYTES + 3) }),
)

describe('DurableObjectFilePort', () => {
  test('reads back what a file on the memory port holds, after any writes and truncates', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
      const port = new DurableObjectFilePort(sqlStorage(new Database(':memory:')), CHUNK_BYTES)
      const model = new MemoryFilePort()
      const file = port.open('/data/db', { create: true })
      const expected = model.open('/data/db', { create: true })
      for (const o of ops) {
        if (o.kind === 'write') {
          file.write(o.bytes, o.at)
          expected.write(o.bytes, o.at)
        } else if (o.kind === 'truncate') {
          file.truncate(o.size)
          expected.truncate(o.size)
        } else {
          const got = new Uint8Array(o.length).fill(0xaa)
          const want = new Uint8Array(o.length).fill(0xaa)
          expect(file.read(got, o.at)).toBe(expected.read(want, o.at))
          expect(same(got, want)).toBe(true)
        }
        expect(file.size()).toBe(expected.size())
      }
      const all = new Uint8Array(file.size())
      const want = new Uint8Array(expected.size())
      file.read(all, 0)
      expected.read(want, 0)
      expect(same(all, want)).toBe(true)
    }), { numRuns: 300 })
  })

  test('files survive a new port over the same storage (a restarted object)', () => {
    const db = new Database(':memory:')
    const first = new DurableObjectFilePort(sqlStorage(db), CHUNK_BYTES)
    first.mkdirp('/data/log')
    const h = first.open('/data/log/00001.seg', { create: true })
    h.write(new Uint8Array(CHUNK_BYTES + 10).fill(7), 5)
    const stamp = h.modifiedAt()
    const second = new DurableObjectFilePort(sqlStorage(db), CHUNK_BYTES)
    const again = second.open('/data/log/00001.seg', { create: false })
    expect(again.size()).toBe(CHUNK_BYTES + 15)
    const bytes = new Uint8Array(CHUNK_BYTES + 15)
    again.read(bytes, 0)
    expect(bytes.subarray(0, 5)).toEqual(new Uint8Array(5))
    expect(bytes.subarray(5).every((b) => b === 7)).toBe(true)
    expect(again.modifiedAt()).toBe(stamp)
    expect(second.list('/data')).toEqual(['log'])
    expect(second.list('/data/log')).toEqual(['00001.seg'])
  })

  test('rename replaces the target, delete removes, missing files are reported, a lock is exclusive', () => {
    const port = new DurableObjectFilePort(sqlStorage(new Database(':memory:')), CHUNK_BYTES)
    port.open('/d/a', { create: true }).write(new Uint8Array([1, 2, 3]), 0)
    port.open('/d/b', { create: true }).write(new Uint8Array(CHUNK_BYTES * 2).fill(9), 0)
    port.rename('/d/a', '/d/b')
    expect(port.exists('/d/a')).toBe(false)
    const b = port.open('/d/b', { create: false })
    expect(b.size()).toBe(3)
    const out = new Uint8Array(5)
    expect(b.read(out, 0)).toBe(3)
    expect(Array.from(out)).toEqual([1, 2, 3, 0, 0])
    port.delete('/d/b')
    expect(port.list('/d')).toEqual([])
    expect(() => port.open('/d/b', { create: false })).toThrow(FileNotFoundError)
    expect(() => port.rename('/d/nope', '/d/x')).toThrow(FileNotFoundError)
    const release = port.lock('/d/LOCK')
    expect(() => port.lock('/d/LOCK')).toThrow(LockedError)
    release()
    port.lock('/d/LOCK')()
  })

  test('a write to a read-only or closed handle fails', () => {
    const port = new DurableObjectFilePort(sqlStorage(new Database(':memory:')), CHUNK_BYTES)
    port.open('/f', { create: true }).close()
    const ro = port.open('/f', { create: false, readOnly: true })
    expect(() => ro.write(new Uint8Array(1), 0)).toThrow(/read-only/)
    ro.close()
    expect(() => ro.size()).toThrow(/closed/)
  })
})
