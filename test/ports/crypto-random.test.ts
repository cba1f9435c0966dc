// Small draws come from a pool refilled 4 KiB at a time: every byte must still serve only once,
// across refills, and large draws still come straight from getRandomValues.
import { describe, expect, test } from 'vitest'
import { cryptoRandom, randomUint64 } from '../../src/ports/random.ts'

describe('cryptoRandom', () => {
  test('seeds drawn across several pool refills are all distinct', () => {
    const seeds = Array.from({ length: 3000 }, () => randomUint64(cryptoRandom)) // 24 KB: 6 refills
    expect(new Set(seeds).size).toBe(seeds.length)
  })

  test('draws of odd sizes, small and large, do not repeat each other', () => {
    const hex = (n: number) => {
      const b = new Uint8Array(n)
      cryptoRandom.fill(b)
      return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
    }
    const draws = Array.from({ length: 500 }, (_, i) => hex([3, 16, 64, 65, 200][i % 5]))
    expect(new Set(draws).size).toBe(draws.length)
    expect(draws.every((d) => !/^(00)+$/.test(d))).toBe(true)
  })
})
