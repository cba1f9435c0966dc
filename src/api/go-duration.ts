/**
 * Go `time.Duration` text: `time.ParseDuration` acceptance rules and
 * `Duration.String()` output. Durations are int64 nanoseconds in Go; the
 * public API here speaks milliseconds (fractional), the `Ns` variants are exact.
 */

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}

const MAX = 2n ** 63n

export class DurationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DurationError'
  }
}

/**
 * Parses like `time.ParseDuration`: optional sign, then one or more
 * `<decimal><unit>` segments (`1h30m`, `.5s`, `1.s`, `-2µs`); a bare `0` is
 * the only unit-less value. Throws `DurationError` with Go's message.
 */
export function parseGoDurationNs(s: string): bigint {
  const orig = s
  const quoted = timeQuote(orig)
  let neg = false
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') throw new DurationError(`time: invalid duration ${quoted}`)

  let d = 0n
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw new DurationError(`time: invalid duration ${quoted}`)
    // Integer part.
    let i = 0
    while (i < s.length && isDigit(s[i])) i++
    const pre = i > 0
    let v = pre ? BigInt(s.slice(0, i)) : 0n
    if (v > MAX) throw new DurationError(`time: invalid duration ${quoted}`)
    s = s.slice(i)
    // Fraction: Go keeps at most ~19 significant digits of it, then scales in float64.
    let f = 0n
    let scale = 1
    let post = false
    if (s[0] === '.') {
      s = s.slice(1)
      let j = 0
      let overflow = false
      while (j < s.length && isDigit(s[j])) {
        if (!overflow) {
          if (f > (MAX - 1n) / 10n) overflow = true
          else {
            f = f * 10n + BigInt(s.charCodeAt(j) - 48)
            scale *= 10
          }
        }
        j++
      }
      post = j > 0
      s = s.slice(j)
    }
    if (!pre && !post) throw new DurationError(`time: invalid duration ${quoted}`)
    // Unit.
    let k = 0
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++
    if (k === 0) throw new DurationError(`time: missing unit in duration ${quoted}`)
    const u = s.slice(0, k)
    s = s.slice(k)
    const unit = UNITS[u]
    if (unit === undefined) throw new DurationError(`time: unknown unit ${timeQuote(u)} in duration ${quoted}`)
    if (v > MAX / unit) throw new DurationError(`time: invalid duration ${quoted}`)
    v *= unit
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)))
      if (v > MAX) throw new DurationError(`time: invalid duration ${quoted}`)
    }
    d += v
    if (d > MAX) throw new DurationError(`time: invalid duration ${quoted}`)
  }
  if (neg) return -d
  if (d > MAX - 1n) throw new DurationError(`time: invalid duration ${quoted}`)
  return d
}

/** `time.ParseDuration`, in milliseconds (may be fractional: `1µs` → 0.001). */
export function parseGoDuration(s: string): number {
  return Number(parseGoDurationNs(s)) / 1e6
}

/** True if `s` is accepted by `time.ParseDuration`. */
export function isGoDuration(s: string): boolean {
  try {
    parseGoDurationNs(s)
    return true
  } catch {
    return false
  }
}

/** `Duration.String()` for a nanosecond count: `0s`, `10µs`, `1.5ms`, `1.5s`, `1m30s`, `2h0m0s`. */
export function formatGoDurationNs(ns: bigint): string {
  const neg = ns < 0n
  let u = neg ? -ns : ns
  let out: string
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s'
    if (u < 1_000n) out = `${u}ns`
    else if (u < 1_000_000n) out = fmtFrac(u, 3) + 'µs'
    else out = fmtFrac(u, 6) + 'ms'
  } else {
    out = fmtFrac(u % 60_000_000_000n, 9) + 's'
    u /= 60_000_000_000n
    if (u > 0n) {
      out = `${u % 60n}m` + out
      u /= 60n
      if (u > 0n) out = `${u}h` + out
    }
  }
  return neg ? '-' + out : out
}

/** `Duration.String()` for milliseconds (rounded to whole nanoseconds). */
export function formatGoDuration(ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)))
}

/** Integer part of v / 10^prec, then the fraction with trailing zeros (and a bare dot) dropped. */
function fmtFrac(v: bigint, prec: number): string {
  const p = 10n ** BigInt(prec)
  const frac = (v % p).toString().padStart(prec, '0').replace(/0+$/, '')
  return (v / p).toString() + (frac ? '.' + frac : '')
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

/** The time package's own quoting: non-ASCII and control bytes become `\xNN` (per UTF-8 byte). */
function timeQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (c >= 0x80 || c < 0x20) {
      for (const b of new TextEncoder().encode(ch)) out += '\\x' + b.toString(16).padStart(2, '0')
    } else {
      out += (ch === '"' || ch === '\\' ? '\\' : '') + ch
    }
  }
  return out + '"'
}
