import { describe, expect, test } from 'vitest'
import { formatRfc3339Nano, fromUnix, parseSqliteTimestamp, timeFromUnixInteger, TimeRangeError } from '../../src/api/go-time.ts'

const text = (s: string) => formatRfc3339Nano(parseSqliteTimestamp(s))
const int = (v: bigint) => formatRfc3339Nano(timeFromUnixInteger(v))

describe('TEXT in time-declared columns (SQLiteTimestampFormats)', () => {
  test('doc examples', () => {
    expect(text('2004-02-14')).toBe('2004-02-14T00:00:00Z')
    expect(text('2021-10-22 19:39:32.016087')).toBe('2021-10-22T19:39:32.016087Z')
  })

  test('all layouts', () => {
    expect(text('2021-10-22 19:39:32.5+02:00')).toBe('2021-10-22T19:39:32.5+02:00')
    expect(text('2021-10-22T19:39:32.123456789-05:30')).toBe('2021-10-22T19:39:32.123456789-05:30')
    expect(text('2021-10-22T19:39:32.25')).toBe('2021-10-22T19:39:32.25Z')
    expect(text('2021-10-22 19:39:32')).toBe('2021-10-22T19:39:32Z')
    expect(text('2021-10-22T19:39:32')).toBe('2021-10-22T19:39:32Z')
    expect(text('2021-10-22 19:39')).toBe('2021-10-22T19:39:00Z')
    expect(text('2021-10-22T19:39')).toBe('2021-10-22T19:39:00Z')
  })

  test('offsets: kept as parsed, zero offset renders as Z', () => {
    expect(text('2021-10-22 19:39:32+00:00')).toBe('2021-10-22T19:39:32Z')
    expect(text('2021-10-22 19:39:32-00:00')).toBe('2021-10-22T19:39:32Z')
    expect(text('2021-10-22 19:39:32+01:00')).toBe('2021-10-22T19:39:32+01:00')
  })

  test('one trailing Z is stripped', () => {
    expect(text('2021-10-22T19:39:32Z')).toBe('2021-10-22T19:39:32Z')
    expect(text('2021-10-22T19:39:32.100Z')).toBe('2021-10-22T19:39:32.1Z')
    expect(text('2021-10-22T19:39:32ZZ')).toBe('0001-01-01T00:00:00Z')
  })

  test('Go parsing quirks: 1-digit hour, several spaces, comma fraction, >9 fraction digits', () => {
    expect(text('2021-10-22 9:39')).toBe('2021-10-22T09:39:00Z')
    expect(text('2021-10-22   19:39')).toBe('2021-10-22T19:39:00Z')
    expect(text('2021-10-22 19:39:32,5')).toBe('2021-10-22T19:39:32.5Z')
    expect(text('2021-10-22 19:39:32.1234567891')).toBe('2021-10-22T19:39:32.123456789Z')
    expect(text('2021-10-22 19:39:32.000')).toBe('2021-10-22T19:39:32Z')
  })

  test('unparseable → zero time', () => {
    for (const s of ['', 'now', '2021-1-22', '2021-10-22 19:39:32.', '2021-13-01', '2021-02-29', '2021-10-22 24:00',
      '2021-10-22 19:60', '21-10-22', '2021-10-22x', '2021/10/22', '2021-10-22 19:39:32 +01:00']) {
      expect(text(s), s).toBe('0001-01-01T00:00:00Z')
    }
    expect(text('2020-02-29')).toBe('2020-02-29T00:00:00Z')
  })
})

describe('INTEGER in time-declared columns', () => {
  test('unix seconds', () => {
    expect(int(0n)).toBe('1970-01-01T00:00:00Z')
    expect(int(1076716800n)).toBe('2004-02-14T00:00:00Z')
    expect(int(-1n)).toBe('1969-12-31T23:59:59Z')
  })

  test('civil dates agree with Date for a spread of instants', () => {
    for (let s = -62_000_000_000; s < 253_000_000_000; s += 987_654_321) {
      const iso = new Date(s * 1000).toISOString().replace('.000Z', 'Z')
      expect(formatRfc3339Nano(fromUnix(s)), String(s)).toBe(iso.startsWith('+') || iso.startsWith('-') ? iso.slice(3) : iso)
    }
  })

  test('milliseconds when |v| > 1e12', () => {
    expect(int(1634931572016n)).toBe('2021-10-22T19:39:32.016Z')
    expect(int(-1634931572016n)).toBe('1918-03-12T04:20:27.984Z')
  })

  test('years outside 0..9999 cannot be marshalled', () => {
    expect(() => int(1_000_000_000_000n)).toThrow(TimeRangeError)
    expect(() => int(1_000_000_000_000n)).toThrow('Time.MarshalText: year outside of range [0,9999]')
    expect(int(253402300799n)).toBe('9999-12-31T23:59:59Z')
    expect(int(-62167219200n)).toBe('0000-01-01T00:00:00Z')
    expect(() => int(-62167219201n)).toThrow(TimeRangeError)
  })

  test('ms → ns overflow wraps like Go int64', () => {
    // 1e13 ms * 1e6 overflows int64; Go wraps to -8446744073709551616 ns.
    expect(int(10_000_000_000_000n)).toBe('1702-05-02T18:12:06.290448384Z')
  })
})
