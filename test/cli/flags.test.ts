import { describe, expect, test } from 'vitest'
import { FlagError, goQuote, parseFlags, parseGoBool, parseGoInt, printDefaults } from '../../src/cli/flags.ts'
import type { FlagSpec } from '../../src/cli/flags.ts'

const SPECS: FlagSpec[] = [
  { name: 'name', type: 'string', default: 'x', usage: 'a name' },
  { name: 'on', type: 'bool', default: false, usage: 'turn on' },
  { name: 'n', type: 'int', default: 5, usage: 'a count' },
  { name: 'u', type: 'uint', default: 0, usage: 'unsigned' },
  { name: 'd', type: 'duration', default: 3000, usage: 'a `period` to wait' },
  { name: 'list', type: 'stringSlice', default: [], usage: 'comma list' },
]

const parse = (...argv: string[]) => parseFlags(SPECS, argv)
const err = (...argv: string[]) => {
  try {
    parse(...argv)
  } catch (e) {
    expect(e).toBeInstanceOf(FlagError)
    return (e as FlagError).message
  }
  throw new Error('expected failure')
}

describe('parseFlags syntax', () => {
  test('value forms', () => {
    for (const argv of [['-name', 'y'], ['-name=y'], ['--name', 'y'], ['--name=y']]) {
      expect(parse(...argv).values.get('name'), argv.join(' ')).toBe('y')
    }
    expect(parse('-name=').values.get('name')).toBe('')
    expect(parse('-name=a=b').values.get('name')).toBe('a=b')
    expect(parse('-name', '-on').values.get('name')).toBe('-on') // the next arg is the value, whatever it looks like
  })

  test('defaults and set tracking', () => {
    const p = parse('-n', '7', '-name', 'a', '-n=8')
    expect(p.values.get('n')).toBe(8)
    expect(p.values.get('d')).toBe(3000)
    expect(p.set).toEqual(['n', 'name'])
  })

  test('booleans: -flag and -flag=value only', () => {
    expect(parse('-on').values.get('on')).toBe(true)
    expect(parse('-on=false').values.get('on')).toBe(false)
    expect(parse('--on=T').values.get('on')).toBe(true)
    const p = parse('-on', 'false')
    expect(p.values.get('on')).toBe(true)
    expect(p.args).toEqual(['false'])
  })

  test('stops at the first non-flag, after --, and treats "-" as positional', () => {
    expect(parse('-on', 'data', '-n', '1').args).toEqual(['data', '-n', '1'])
    expect(parse('--', '-on').args).toEqual(['-on'])
    expect(parse('-', '-on').args).toEqual(['-', '-on'])
    expect(parse().args).toEqual([])
  })

  test('typed values', () => {
    expect(parse('-d', '1m30s').values.get('d')).toBe(90000)
    expect(parse('-d=500ms').values.get('d')).toBe(500)
    expect(parse('-n', '0x10').values.get('n')).toBe(16)
    expect(parse('-n', '-010').values.get('n')).toBe(-8)
    expect(parse('-list', 'a,,b,').values.get('list')).toEqual(['a', 'b'])
  })

  test('errors use Go flag wording', () => {
    expect(err('-foo')).toBe('flag provided but not defined: -foo')
    expect(err('--foo=1')).toBe('flag provided but not defined: -foo')
    expect(err('-n')).toBe('flag needs an argument: -n')
    expect(err('-n', 'x')).toBe('invalid value "x" for flag -n: parse error')
    expect(err('-n', '99999999999999999999')).toBe('invalid value "99999999999999999999" for flag -n: value out of range')
    expect(err('-u', '-1')).toBe('invalid value "-1" for flag -u: parse error')
    expect(err('-d', '10')).toBe('invalid value "10" for flag -d: parse error')
    expect(err('-on=maybe')).toBe('invalid boolean value "maybe" for -on: parse error')
    expect(err('---on')).toBe('bad flag syntax: ---on')
    expect(err('-=x')).toBe('bad flag syntax: -=x')
  })

  test('-h and -help request usage', () => {
    for (const a of ['-h', '-help', '--help', '-h=1']) {
      try {
        parse(a)
        throw new Error('no throw')
      } catch (e) {
        expect((e as FlagError).kind, a).toBe('help')
      }
    }
  })
})

describe('Go number and bool syntax', () => {
  test('parseGoInt base 0', () => {
    expect(parseGoInt('42', true)).toBe(42n)
    expect(parseGoInt('+42', true)).toBe(42n)
    expect(parseGoInt('0x1F', true)).toBe(31n)
    expect(parseGoInt('0o17', true)).toBe(15n)
    expect(parseGoInt('017', true)).toBe(15n)
    expect(parseGoInt('0b101', true)).toBe(5n)
    expect(parseGoInt('1_000', true)).toBe(1000n)
    expect(parseGoInt('0x_1F', true)).toBe(31n)
    expect(parseGoInt('0', true)).toBe(0n)
    expect(parseGoInt('-9223372036854775808', true)).toBe(-9223372036854775808n)
    expect(parseGoInt('18446744073709551615', false)).toBe(18446744073709551615n)
    for (const bad of ['', '08', '1_', '_1', '1__0', '0x', '1.5', '1e3', ' 1', 'abc']) expect(parseGoInt(bad, true), bad).toBe('parse error')
    expect(parseGoInt('+1', false)).toBe('parse error')
    expect(parseGoInt('9223372036854775808', true)).toBe('value out of range')
    expect(parseGoInt('18446744073709551616', false)).toBe('value out of range')
  })

  test('parseGoBool', () => {
    expect(['1', 't', 'T', 'TRUE', 'true', 'True'].map(parseGoBool)).toEqual(Array(6).fill(true))
    expect(['0', 'f', 'F', 'FALSE', 'false', 'False'].map(parseGoBool)).toEqual(Array(6).fill(false))
    expect(parseGoBool('yes')).toBeUndefined()
    expect(parseGoBool('tRUE')).toBeUndefined()
  })

  test('goQuote', () => {
    expect(goQuote('a"b\\c\n\u0001é')).toBe('"a\\"b\\\\c\\n\\x01é"')
  })
})

describe('printDefaults', () => {
  test('Go layout: sorted, type names, defaults when non-zero', () => {
    expect(printDefaults(SPECS)).toBe(
      '  -d period\n    \ta period to wait (default 3s)\n' +
      '  -list value\n    \tcomma list\n' +
      '  -n int\n    \ta count (default 5)\n' +
      '  -name string\n    \ta name (default "x")\n' +
      '  -on\n    \tturn on\n' +
      '  -u uint\n    \tunsigned\n',
    )
  })

  test('single-letter bool keeps usage on the same line', () => {
    expect(printDefaults([{ name: 'v', type: 'bool', default: true, usage: 'verbose' }])).toBe('  -v\tverbose (default true)\n')
  })
})
