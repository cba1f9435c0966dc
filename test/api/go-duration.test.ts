import { describe, expect, test } from 'vitest'
import { DurationError, formatGoDuration, formatGoDurationNs, isGoDuration, parseGoDuration, parseGoDurationNs } from '../../src/api/go-duration.ts'

describe('parseGoDuration (time.ParseDuration)', () => {
  test('valid forms', () => {
    const cases: [string, number][] = [
      ['0', 0], ['+0', 0], ['-0', 0], ['5s', 5000], ['30s', 30000], ['500ms', 500], ['2s', 2000], ['1m30s', 90000],
      ['1h', 3_600_000], ['1.5h', 5_400_000], ['.5s', 500], ['1.s', 1000], ['-2s', -2000], ['+2s', 2000],
      ['100ns', 0.0001], ['1us', 0.001], ['1µs', 0.001], ['1μs', 0.001], ['1h2m3s4ms5us6ns', 3_723_004.005006],
      ['0.000000001s', 0.000001], ['0s', 0], ['0h', 0], ['10s10s', 20000],
    ]
    for (const [s, ms] of cases) expect(parseGoDuration(s), s).toBeCloseTo(ms, 9)
  })

  test('exact nanoseconds at the int64 edges', () => {
    expect(parseGoDurationNs('9223372036854775807ns')).toBe(9223372036854775807n)
    expect(parseGoDurationNs('-9223372036854775808ns')).toBe(-9223372036854775808n)
    expect(parseGoDurationNs('2562047h47m16.854775807s')).toBe(9223372036854775807n)
    expect(parseGoDurationNs('1.1s')).toBe(1_100_000_000n)
  })

  test('invalid forms', () => {
    for (const s of ['', '-', '+', 's', '.s', '.', '1', '10', '1.5', '1x', '1S', '1 s', ' 1s', '1s ', '1e3s', '-.', '+-1s',
      '9223372036854775808ns', '2562048h', '1sec']) {
      expect(isGoDuration(s), JSON.stringify(s)).toBe(false)
    }
  })

  test('Go error messages', () => {
    expect(() => parseGoDurationNs('1')).toThrow('time: missing unit in duration "1"')
    expect(() => parseGoDurationNs('1x')).toThrow('time: unknown unit "x" in duration "1x"')
    expect(() => parseGoDurationNs('abc')).toThrow('time: invalid duration "abc"')
    expect(() => parseGoDurationNs('1é')).toThrow('time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"')
    expect(() => parseGoDurationNs('x')).toThrow(DurationError)
  })
})

describe('formatGoDuration (Duration.String)', () => {
  test('examples', () => {
    const cases: [bigint, string][] = [
      [0n, '0s'], [1n, '1ns'], [999n, '999ns'], [1000n, '1µs'], [1500n, '1.5µs'], [10_000n, '10µs'],
      [1_000_000n, '1ms'], [1_500_000n, '1.5ms'], [1_000_000_000n, '1s'], [1_500_000_000n, '1.5s'],
      [90_000_000_000n, '1m30s'], [60_000_000_000n, '1m0s'], [3_600_000_000_000n, '1h0m0s'],
      [9_900_000_000_000n, '2h45m0s'], [3_723_004_005_006n, '1h2m3.004005006s'], [-1_500_000_000n, '-1.5s'],
      [-1000n, '-1µs'], [9223372036854775807n, '2562047h47m16.854775807s'], [-9223372036854775808n, '-2562047h47m16.854775808s'],
    ]
    for (const [ns, s] of cases) expect(formatGoDurationNs(ns), s).toBe(s)
  })

  test('from milliseconds', () => {
    expect(formatGoDuration(0.01)).toBe('10µs')
    expect(formatGoDuration(30000)).toBe('30s')
    expect(formatGoDuration(50)).toBe('50ms')
    expect(formatGoDuration(120000)).toBe('2m0s')
    expect(formatGoDuration(0.0000001)).toBe('0s')
  })

  test('round-trips through the parser', () => {
    for (const s of ['1h2m3.5s', '10µs', '1.25ms', '-3m0.5s']) expect(formatGoDurationNs(parseGoDurationNs(s))).toBe(s)
  })
})
