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
