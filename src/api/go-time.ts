/**
 * The time handling rqlite inherits from go-sqlite3 for columns declared
 * `date`, `datetime` or `timestamp`, rendered as `time.Time.MarshalText`
 * (RFC 3339 with nanoseconds, trailing fraction zeros trimmed).
 *
 * go-sqlite3 parses TEXT with `time.ParseInLocation(f, s, time.UTC)` for each
 * of its SQLiteTimestampFormats in turn (after stripping one trailing `Z`). A
 * parsed `±hh:mm` offset is kept (no `_loc` is set by rqlite), so
 * `2021-10-22 19:39:32+02:00` renders as `2021-10-22T19:39:32+02:00`; a zero
 * offset renders as `Z`. Text matching no format becomes the zero time.
 */

/** A wall-clock time plus its UTC offset, enough to render RFC 3339. */
export interface GoTime {
  year: number
  month: number // 1-12
  day: number
  hour: number
  minute: number
  second: number
  nanos: number
  offsetSeconds: number
}

export const ZERO_TIME: GoTime = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0, offsetSeconds: 0 }

/** Go's SQLiteTimestampFormats, in order; the first that parses wins. */
const LAYOUTS: readonly Layout[] = [
  { sep: ' ', time: 'sec', tz: true },
  { sep: 'T', time: 'sec', tz: true },
  { sep: ' ', time: 'sec', tz: false },
  { sep: 'T', time: 'sec', tz: false },
  { sep: ' ', time: 'sec', tz: false, noFracLayout: true },
  { sep: 'T', time: 'sec', tz: false, noFracLayout: true },
  { sep: ' ', time: 'min', tz: false },
  { sep: 'T', time: 'min', tz: false },
  { sep: '', time: 'none', tz: false },
]

interface Layout {
  sep: ' ' | 'T' | ''
  time: 'sec' | 'min' | 'none'
  tz: boolean
  /** `15:04:05` without `.999999999` (Go still accepts a fraction there when parsing). */
  noFracLayout?: boolean
}

/** go-sqlite3's TEXT → time.Time for time-declared columns. */
export function parseSqliteTimestamp(text: string): GoTime {
  const s = text.endsWith('Z') ? text.slice(0, -1) : text
  for (const layout of LAYOUTS) {
    const t = parseLayout(s, layout)
    if (t) return t
  }
  return ZERO_TIME
}

function parseLayout(s: string, layout: Layout): GoTime | undefined {
  let i = 0
  const fixed2 = (): number | undefined => {
    if (!isDigit(s, i) || !isDigit(s, i + 1)) return undefined
    const v = (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48)
    i += 2
    return v
  }
  const lit = (ch: string): boolean => {
    if (s[i] !== ch) return false
    i++
    return true
  }

  // 2006: exactly four digits.
  if (!(isDigit(s, 0) && isDigit(s, 1) && isDigit(s, 2) && isDigit(s, 3))) return undefined
  const year = Number(s.slice(0, 4))
  i = 4
  if (!lit('-')) return undefined
  const month = fixed2()
  if (month === undefined || !lit('-')) return undefined
  const day = fixed2()
  if (day === undefined) return undefined

  let hour = 0
  let minute = 0
  let second = 0
  let nanos = 0
  let offsetSeconds = 0
  if (layout.time !== 'none') {
    if (layout.sep === ' ') {
      // A space in a Go layout matches one or more spaces in the input.
      if (s[i] !== ' ') return undefined
      while (s[i] === ' ') i++
    } else if (!lit('T')) {
      return undefined
    }
    // 15: one or two digits.
    if (!isDigit(s, i)) return undefined
    hour = s.charCodeAt(i++) - 48
    if (isDigit(s, i)) hour = hour * 10 + (s.charCodeAt(i++) - 48)
    if (!lit(':')) return undefined
    const mm = fixed2()
    if (mm === undefined) return undefined
    minute = mm
    if (layout.time === 'sec') {
      if (!lit(':')) return undefined
      const ss = fixed2()
      if (ss === undefined) return undefined
      second = ss
      // Optional fraction: `.` or `,` then digits; only the first nine count.
      if ((s[i] === '.' || s[i] === ',') && isDigit(s, i + 1)) {
        let j = i + 1
        while (isDigit(s, j)) j++
        nanos = Number(s.slice(i + 1, Math.min(j, i + 10)).padEnd(9, '0'))
        i = j
      }
    }
    if (layout.tz) {
      // -07:00: sign, two digits, colon, two digits.
      const sign = s[i]
      if ((sign !== '+' && sign !== '-') || s[i + 3] !== ':') return undefined
      i++
      const oh = fixed2()
      i++
      const om = fixed2()
      if (oh === undefined || om === undefined || oh > 24 || om > 60) return undefined
      offsetSeconds = (sign === '-' ? -1 : 1) * (oh * 3600 + om * 60)
    }
  }
  if (i !== s.length) return undefined // extra text
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  return { year, month, day, hour, minute, second, nanos, offsetSeconds }
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  return c >= 48 && c <= 57
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
}

/**
 * go-sqlite3's INTEGER → time.Time for time-declared columns: unix seconds,
 * or milliseconds when |v| > 1e12. The ms→ns multiplication wraps at int64 as
 * in Go, so huge values produce the same odd dates rqlite does.
 */
export function timeFromUnixInteger(v: bigint): GoTime {
  let seconds: bigint
  let nanos: bigint
  if (v > 1_000_000_000_000n || v < -1_000_000_000_000n) {
    const ns = BigInt.asIntN(64, v * 1_000_000n)
    seconds = floorDiv(ns, 1_000_000_000n)
    nanos = ns - seconds * 1_000_000_000n
  } else {
    seconds = v
    nanos = 0n
  }
  return fromUnix(Number(seconds), Number(nanos))
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q
}

/** UTC civil time from unix seconds (proleptic Gregorian, any year). */
export function fromUnix(seconds: number, nanos = 0): GoTime {
  const days = Math.floor(seconds / 86400)
  const secOfDay = seconds - days * 86400
  // Howard Hinnant's civil_from_days.
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  return {
    year, month, day,
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    nanos,
    offsetSeconds: 0,
  }
}

/** Thrown for times `MarshalText` refuses; rqlite reports the text as the statement's error. */
export class TimeRangeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TimeRangeError'
  }
}

/** `time.Time.MarshalText()`: RFC 3339 with trimmed nanoseconds; years outside 0–9999 are errors. */
export function formatRfc3339Nano(t: GoTime): string {
  if (t.year < 0 || t.year > 9999) throw new TimeRangeError('Time.MarshalText: year outside of range [0,9999]')
  let out = `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}`
  if (t.nanos > 0) out += '.' + pad(t.nanos, 9).replace(/0+$/, '')
  if (t.offsetSeconds === 0) return out + 'Z'
  const abs = Math.abs(t.offsetSeconds)
  if (abs >= 24 * 3600) throw new TimeRangeError('Time.MarshalText: timezone hour outside of range [0,23]')
  return `${out}${t.offsetSeconds < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600), 2)}:${pad(Math.floor((abs % 3600) / 60), 2)}`
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}
