/**
 * A parser compatible with Go's `flag` package (what rqlited uses):
 * - `-flag v`, `-flag=v`, `--flag v`, `--flag=v`;
 * - booleans only as `-flag`, `-flag=true|false|1|0|t|f|…` (`-flag false`
 *   leaves `false` as the first positional argument);
 * - parsing stops at the first non-flag argument, or after `--`;
 * - `-h` / `-help` (when not defined) request usage;
 * - ints/uints use `strconv.ParseInt(s, 0, 64)` syntax (`0x10`, `0o17`, `010`, `1_000`),
 *   durations use `time.ParseDuration`.
 * Error messages are Go's, e.g. `flag provided but not defined: -foo`.
 */
import { formatGoDurationNs, parseGoDurationNs } from '../api/go-duration.ts'

export type FlagType = 'string' | 'bool' | 'int' | 'uint' | 'duration' | 'stringSlice'

/** Parsed values: durations in milliseconds, string slices as arrays. */
export type FlagValue = string | boolean | number | string[]

export interface FlagSpec {
  name: string
  type: FlagType
  /** Default in parsed form (durations in ms). */
  default: FlagValue
  usage: string
}

export interface ParsedFlags {
  /** Every defined flag's value (default when not given), keyed by flag name. */
  values: Map<string, FlagValue>
  /** Names of flags that appeared on the command line, in order of first appearance. */
  set: string[]
  /** Remaining (positional) arguments. */
  args: string[]
}

export class FlagError extends Error {
  /** `help`: -h/-help was given (Go exits 0 after printing usage); `error`: bad command line (exit 2). */
  constructor(message: string, readonly kind: 'help' | 'error' = 'error') {
    super(message)
    this.name = 'FlagError'
  }
}

export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]))
  const values = new Map<string, FlagValue>(specs.map((s) => [s.name, s.default]))
  const set: string[] = []
  let args = [...argv]

  while (args.length > 0) {
    const s = args[0]
    if (s.length < 2 || s[0] !== '-') break
    let minuses = 1
    if (s[1] === '-') {
      minuses = 2
      if (s.length === 2) {
        args = args.slice(1)
        break
      }
    }
    let name = s.slice(minuses)
    if (name.length === 0 || name[0] === '-' || name[0] === '=') throw new FlagError(`bad flag syntax: ${s}`)
    args = args.slice(1)

    let value: string | undefined
    const eq = name.indexOf('=', 1)
    if (eq > 0) {
      value = name.slice(eq + 1)
      name = name.slice(0, eq)
    }
    const spec = byName.get(name)
    if (!spec) {
      if (name === 'help' || name === 'h') throw new FlagError('flag: help requested', 'help')
      throw new FlagError(`flag provided but not defined: -${name}`)
    }

    if (spec.type === 'bool') {
      if (value === undefined) values.set(name, true)
      else {
        const b = parseGoBool(value)
        if (b === undefined) throw new FlagError(`invalid boolean value ${goQuote(value)} for -${name}: parse error`)
        values.set(name, b)
      }
    } else {
      if (value === undefined) {
        if (args.length === 0) throw new FlagError(`flag needs an argument: -${name}`)
        value = args[0]
        args = args.slice(1)
      }
      const parsed = parseValue(spec.type, value)
      if (typeof parsed === 'object' && !Array.isArray(parsed)) {
        throw new FlagError(`invalid value ${goQuote(value)} for flag -${name}: ${parsed.error}`)
      }
      values.set(name, parsed)
    }
    if (!set.includes(name)) set.push(name)
  }
  return { values, set, args }
}

function parseValue(type: Exclude<FlagType, 'bool'>, s: string): FlagValue | { error: string } {
  switch (type) {
    case 'string':
      return s
    case 'stringSlice':
      // rqlited's StringSliceValue: comma-split, empty items dropped.
      return s.split(',').filter((x) => x !== '')
    case 'duration':
      try {
        return Number(parseGoDurationNs(s)) / 1e6
      } catch {
        return { error: 'parse error' }
      }
    case 'int':
    case 'uint': {
      const r = parseGoInt(s, type === 'int')
      return typeof r === 'bigint' ? Number(r) : { error: r }
    }
  }
}

/** `strconv.ParseBool`. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false
  return undefined
}

/**
 * `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)`: sign (signed only),
 * base prefix 0x/0o/0b or a leading 0 for octal, `_` between digits.
 * Returns the value, or Go flag's error text (`parse error` / `value out of range`).
 */
export function parseGoInt(s: string, signed: boolean): bigint | 'parse error' | 'value out of range' {
  let body = s
  let neg = false
  if (signed && (body[0] === '+' || body[0] === '-')) {
    neg = body[0] === '-'
    body = body.slice(1)
  }
  let base = 10
  let digits = body
  let prefixed = false
  if (/^0[xX]/.test(body)) [base, digits, prefixed] = [16, body.slice(2), true]
  else if (/^0[oO]/.test(body)) [base, digits, prefixed] = [8, body.slice(2), true]
  else if (/^0[bB]/.test(body)) [base, digits, prefixed] = [2, body.slice(2), true]
  else if (body.length > 1 && body[0] === '0') [base, digits] = [8, body.slice(1)]

  // Underscores must sit between digits (or right after a base prefix).
  if (digits.includes('_')) {
    const ok = (prefixed || base === 8 ? /^_?[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$/ : /^[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$/).test(digits)
    if (!ok) return 'parse error'
    digits = digits.replaceAll('_', '')
  }
  const charset = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16]
  if (!charset.test(digits)) return 'parse error'
  const mag = BigInt((base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '') + digits)
  const v = neg ? -mag : mag
  if (signed ? v < -(2n ** 63n) || v > 2n ** 63n - 1n : v > 2n ** 64n - 1n) return 'value out of range'
  return v
}

/** `strconv.Quote` (what `%q` prints), as used in flag error messages. */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (c === 0x07) out += '\\a'
    else if (c === 0x08) out += '\\b'
    else if (c === 0x0c) out += '\\f'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else if (c === 0x0b) out += '\\v'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'
    else out += ch
  }
  return out + '"'
}

/** How Go prints a flag's default (`flag.DefValue`). */
export function defValue(spec: FlagSpec): string {
  const d = spec.default
  switch (spec.type) {
    case 'duration':
      return formatGoDurationNs(BigInt(Math.round((d as number) * 1e6)))
    case 'stringSlice':
      return `[${(d as string[]).join(' ')}]`
    default:
      return String(d)
  }
}

const ZERO: Record<FlagType, string> = { string: '', bool: 'false', int: '0', uint: '0', duration: '0s', stringSlice: '[]' }
const TYPE_NAME: Record<FlagType, string> = { string: 'string', bool: '', int: 'int', uint: 'uint', duration: 'duration', stringSlice: 'value' }

/** `FlagSet.PrintDefaults()` output: flags sorted by name, Go's layout and `(default …)` notes. */
export function printDefaults(specs: readonly FlagSpec[]): string {
  const lines: string[] = []
  for (const spec of [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // A `backquoted` word in the usage names the argument, as flag.UnquoteUsage does.
    let usage = spec.usage
    let typeName = TYPE_NAME[spec.type]
    const bq = /`([^`]*)`/.exec(usage)
    if (bq) {
      typeName = bq[1]
      usage = usage.replace(/`([^`]*)`/, '$1')
    }
    let b = `  -${spec.name}`
    if (typeName) b += ' ' + typeName
    b += b.length <= 4 ? '\t' : '\n    \t'
    b += usage.replaceAll('\n', '\n    \t')
    const dv = defValue(spec)
    if (dv !== ZERO[spec.type]) b += spec.type === 'string' ? ` (default ${goQuote(dv)})` : ` (default ${dv})`
    lines.push(b + '\n')
  }
  return lines.join('')
}
