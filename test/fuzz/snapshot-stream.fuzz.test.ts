// The snapshot stream decoder takes any bytes in any chunking: it accepts exactly a whole, valid
// stream (and writes exactly its file), and refuses anything else with a SnapshotStreamError,
// never another exception and never a hang.
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { crc32c } from '../../src/log/crc32c.ts'
import { SnapshotStreamError, receiveSnapshotFrames } from '../../src/cluster/snapshot-stream.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { fuzzRuns, fuzzSeed, fuzzTimeout, report } from './fuzz-runs.ts'

/** A valid stream of `data` in frames of `chunk` bytes. */
function frames(data: Uint8Array, chunk: number): Uint8Array {
  const parts: Uint8Array[] = []
  const header = (length: number, crc: number) => {
    const h = new Uint8Array(8)
    new DataView(h.buffer).setUint32(0, length)
    new DataView(h.buffer).setUint32(4, crc >>> 0)
    return h
  }
  for (let at = 0; at < data.length; at += chunk) {
    const body = data.subarray(at, at + chunk)
    parts.push(header(body.length, crc32c(body)), body)
  }
  parts.push(header(0, crc32c(data)))
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.length))
  return out
}

function streamOf(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let last = 0
  for (const p of [...points, bytes.length]) {
    if (p > last) pieces.push(bytes.slice(last, p))
    last = p
  }
  return new ReadableStream({
    pull(c) {
      const next = pieces.shift()
      if (next) c.enqueue(next)
      else c.close()
    },
  })
}

const CHUNK = 16

test('valid, damaged, truncated and random streams, in random chunks', async () => {
  const runs = fuzzRuns(1500)
  const input = fc.record({
    data: fc.uint8Array({ maxLength: 80 }),
    mutation: fc.oneof(
      fc.constant({ kind: 'none' as const }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
      fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 120 }) }),
    ),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  })
  await fc.assert(
    fc.asyncProperty(input, async ({ data, mutation, cuts }) => {
      const valid = frames(data, CHUNK)
      let bytes = valid
      if (mutation.kind === 'flip') (bytes = valid.slice()), (bytes[mutation.at % bytes.length] ^= 1 << mutation.bit)
      if (mutation.kind === 'cut') bytes = valid.slice(0, mutation.at % valid.length)
      if (mutation.kind === 'append') bytes = new Uint8Array([...valid, ...mutation.extra])
      if (mutation.kind === 'random') bytes = mutation.bytes
      const files = new MemoryFilePort()
      const same = bytes.length >= valid.length && bytes.subarray(0, valid.length).every((b, i) => b === valid[i])
      try {
        const got = await receiveSnapshotFrames(streamOf(bytes, cuts), files, '/in.db', 0, CHUNK)
        // Accepted: it must be the stream's own file (trailing bytes after the final frame are ignored).
        const h = files.open('/in.db', { create: false })
        const written = new Uint8Array(h.size())
        h.read(written, 0)
        h.close()
        expect(got.size).toBe(written.length)
        expect(got.crc32c).toBe(crc32c(written) >>> 0)
        if (mutation.kind !== 'random') expect(same).toBe(true)
        if (same) expect([...written]).toEqual([...data])
      } catch (e) {
        expect(e).toBeInstanceOf(SnapshotStreamError)
        expect(mutation.kind === 'none' || mutation.kind === 'append').toBe(false)
      }
    }),
    { numRuns: runs, seed: fuzzSeed() },
  )
  report('snapshot stream', runs)
}, fuzzTimeout())
