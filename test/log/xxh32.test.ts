import { expect, test } from 'vitest'
import { Xxh32, xxh32 } from '../../src/log/xxh32.ts'

const utf8 = (s: string) => new TextEncoder().encode(s)

test('XXH32 matches the published vectors (seed 0)', () => {
  expect(xxh32(new Uint8Array())).toBe(0x02cc5d05)
  expect(xxh32(utf8('a'))).toBe(0x550d7456)
  expect(xxh32(utf8('abc'))).toBe(0x32d153ff)
  expect(xxh32(utf8('ABC'))).toBe(0x80712ed5)
  // Every prefix of one 16-byte stripe: the tail words, the tail bytes, then the lanes.
  const prefixes = [0x48454cb2, 0x034d0471, 0x48009497, 0x0a0b4c93, 0x8aa3b71c, 0x994e4577, 0x1907ad24, 0x189bbfbf,
    0x0493d634, 0x950c9c0a, 0xd6509106, 0xba508d84, 0x6ba381b4, 0xf45aca85, 0x1dbdfa0f, 0xc2c45b69]
  const content = utf8('0123456789abcdef')
  expect(prefixes.map((_, i) => xxh32(content.subarray(0, i + 1)))).toEqual(prefixes)
})

test('streamed in any pieces, at any alignment, the hash is the one-call hash', () => {
  let seed = 7
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0)
  const data = new Uint8Array(10_000).map(() => next() & 0xff)
  const whole = xxh32(data)
  for (let round = 0; round < 50; round++) {
    const h = new Xxh32()
    for (let i = 0; i < data.length; ) {
      const n = Math.min(data.length - i, next() % 300)
      h.update(data.subarray(i, i + n)) // odd offsets take the byte-wise path
      i += n
    }
    expect(h.digest()).toBe(whole)
  }
  const shifted = new Uint8Array(data.length + 1)
  shifted.set(data, 1)
  expect(xxh32(shifted.subarray(1))).toBe(whole)
})

test('one flipped bit anywhere changes the hash', () => {
  const data = new Uint8Array(4096 * 3).map((_, i) => (i * 31) & 0xff)
  const clean = xxh32(data)
  for (const at of [0, 1, 15, 16, 4095, 4096, 8191, data.length - 1]) {
    for (const bit of [0, 3, 7]) {
      data[at] ^= 1 << bit
      expect(xxh32(data), `byte ${at} bit ${bit}`).not.toBe(clean)
      data[at] ^= 1 << bit
    }
  }
  expect(xxh32(data)).toBe(clean)
})
