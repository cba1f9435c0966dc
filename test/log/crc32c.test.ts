import { describe, expect, test } from 'vitest'
import { crc32c } from '../../src/log/crc32c.ts'

const ascii = (s: string) => new TextEncoder().encode(s)

describe('crc32c()', () => {
  test('matches the standard check value and the RFC 3720 B.4 vectors', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(0))).toBe(0)
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c)
  })

  test('continues across chunks and honours a sub-range', () => {
    const data = ascii('The quick brown fox jumps over the lazy dog')
    expect(crc32c(data)).toBe(0x22620404)
    for (const cut of [0, 1, 10, data.length]) {
      expect(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut)))).toBe(crc32c(data))
    }
    const padded = new Uint8Array([9, 9, ...ascii('123456789'), 9])
    expect(crc32c(padded, 0, 2, 11)).toBe(0xe3069283)
  })

  test('slicing by 8 agrees with the bytewise definition at every length, offset and seed', () => {
    const bytewise = (data: Uint8Array, crc: number, start: number, end: number) => {
      let c = ~crc
      for (let i = start; i < end; i++) {
        c ^= data[i]
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
      }
      return ~c >>> 0
    }
    let seed = 12345
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0)
    const data = Uint8Array.from({ length: 300 }, () => rand() & 0xff)
    for (let start = 0; start < 12; start++) {
      for (let end = start; end <= data.length; end += 7) {
        const crc = rand()
        expect(crc32c(data, crc, start, end), `${start}..${end}`).toBe(bytewise(data, crc, start, end))
      }
    }
  })

  test('detects every single-bit flip', () => {
    const data = ascii('raftlite segment record')
    const good = crc32c(data)
    for (let i = 0; i < data.length * 8; i++) {
      const copy = data.slice()
      copy[i >> 3] ^= 1 << (i & 7)
      expect(crc32c(copy)).not.toBe(good)
    }
  })
})
