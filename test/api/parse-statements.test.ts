import { describe, expect, test } from 'vitest'
import { hexBlob, numberValue, parseStatements, parseTextPlainBody } from '../../src/api/parse-statements.ts'
import { RequestError } from '../../src/api/request-error.ts'

function errorOf(body: string): string {
  try {
    parseStatements(body)
  } catch (e) {
    expect(e).toBeInstanceOf(RequestError)
    expect((e as RequestError).status).toBe(400)
    return (e as RequestError).message
  }
  throw new Error(`expected ${body} to fail`)
}

describe('parseStatements: body forms', () => {
  test('simple strings', () => {
    expect(parseStatements('["SELECT * FROM foo", "SELECT * FROM bar"]')).toEqual([
      { sql: 'SELECT * FROM foo', positional: [], named: null },
      { sql: 'SELECT * FROM bar', positional: [], named: null },
    ])
  })

  test('doc example: create, positional and named in one body', () => {
    const body = `["CREATE TABLE foo (id INTEGER NOT NULL PRIMARY KEY, name TEXT, age INTEGER)",
      ["INSERT INTO foo(name, age) VALUES(?, ?)", "fiona", 20],
      ["INSERT INTO foo(name, age) VALUES(:n, :a)", {"n": "declan", "a": null}]]`
    const s = parseStatements(body)
    expect(s).toHaveLength(3)
    expect(s[1]).toEqual({ sql: 'INSERT INTO foo(name, age) VALUES(?, ?)', positional: ['fiona', 20n], named: null })
    expect(s[2]).toEqual({ sql: 'INSERT INTO foo(name, age) VALUES(:n, :a)', positional: [], named: { n: 'declan', a: null } })
  })

  test('[sql] alone has no params; mixing string and array elements is fine', () => {
    expect(parseStatements('[["SELECT 1"], "SELECT 2"]')).toEqual([
      { sql: 'SELECT 1', positional: [], named: null },
      { sql: 'SELECT 2', positional: [], named: null },
    ])
  })

  test('any mix of objects and scalars after the SQL', () => {
    const [s] = parseStatements('[["q", 1, {"a": 2}, "x", {"b": 3, "a": 4}]]')
    expect(s.positional).toEqual([1n, 'x'])
    expect(s.named).toEqual({ a: 4n, b: 3n })
  })

  test('empty-named object key binds positionally (sql.Named(""))', () => {
    const [s] = parseStatements('[["q", {"": 7}]]')
    expect(s.positional).toEqual([7n])
    expect(s.named).toEqual({})
  })

  test('empty SQL is kept (executor skips it)', () => {
    expect(parseStatements('["", ["", 1]]').map((s) => s.sql)).toEqual(['', ''])
  })

  test('trailing content after the array is ignored, like Go\'s streaming decoder', () => {
    expect(parseStatements('["SELECT 1"] garbage')).toHaveLength(1)
  })

  test('whitespace and escapes', () => {
    const [s] = parseStatements(' \r\n\t[ "a\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00" ] ')
    expect(s.sql).toBe('a"b\\c/\n\u00e9\u{1F600}')
  })

  test('lone surrogate escapes become U+FFFD instead of failing', () => {
    expect(parseStatements('["\\ud800x"]')[0].sql).toBe('\uFFFDx')
    expect(parseStatements('["\\udc00"]')[0].sql).toBe('\uFFFD')
  })
})

describe('parseStatements: parameter typing', () => {
  const one = (p: string) => parseStatements(`[["q", ${p}]]`)[0].positional[0]

  test('integers are bigint, exact over int64', () => {
    expect(one('20')).toBe(20n)
    expect(one('-5')).toBe(-5n)
    expect(one('-0')).toBe(0n)
    expect(one('9223372036854775807')).toBe(9223372036854775807n)
    expect(one('-9223372036854775808')).toBe(-9223372036854775808n)
    expect(one('1676555296046783000')).toBe(1676555296046783000n)
  })

  test('non-integer syntax is REAL, even when integral', () => {
    expect(one('20.0')).toBe(20)
    expect(typeof one('20.0')).toBe('number')
    expect(one('1.5')).toBe(1.5)
    expect(one('1e3')).toBe(1000)
    expect(one('-0.0')).toBe(-0)
  })

  test('integers beyond int64 fall back to REAL (strconv ParseInt range error → ParseFloat)', () => {
    expect(one('9223372036854775808')).toBe(9223372036854775808)
    expect(typeof one('-9223372036854775809')).toBe('number')
  })

  test('numbers beyond float64 are rejected', () => {
    expect(errorOf('[["q", 1e400]]')).toBe('invalid number 1e400')
  })

  test('booleans and null', () => {
    expect(parseStatements('[["q", true, false, null]]')[0].positional).toEqual([true, false, null])
  })

  test('hex-literal strings are BLOBs', () => {
    expect(one(`"x'DEADbeef'"`)).toEqual(new Uint8Array([0xde, 0xad, 0xbe, 0xef]))
    expect(one(`"  X'00ff'  "`)).toEqual(new Uint8Array([0, 255]))
    expect(one(`"x''"`)).toEqual(new Uint8Array([]))
  })

  test('strings that only look like hex literals stay TEXT', () => {
    expect(one(`"x'abc'"`)).toBe("x'abc'") // odd length
    expect(one(`"x'zz'"`)).toBe("x'zz'") // not hex
    expect(one(`"x'00"`)).toBe("x'00")
    expect(one(`"hello"`)).toBe('hello')
  })

  test('arrays of byte integers are BLOBs, anything else is unsupported', () => {
    expect(one('[222, 173, 190, 239]')).toEqual(new Uint8Array([222, 173, 190, 239]))
    expect(one('[]')).toEqual(new Uint8Array([]))
    expect(errorOf('[["q", [256]]]')).toBe('unsupported type')
    expect(errorOf('[["q", [-1]]]')).toBe('unsupported type')
    expect(errorOf('[["q", [1.5]]]')).toBe('unsupported type')
    expect(errorOf('[["q", ["a"]]]')).toBe('unsupported type')
    expect(errorOf('[["q", [[1]]]]')).toBe('unsupported type')
  })

  test('named parameter values use the same typing; nested objects are unsupported', () => {
    const [s] = parseStatements(`[["q", {"i": 1, "f": 1.0, "b": "x'01'", "a": [1, 2]}]]`)
    expect(s.named).toEqual({ i: 1n, f: 1, b: new Uint8Array([1]), a: new Uint8Array([1, 2]) })
    expect(errorOf('[["q", {"o": {"x": 1}}]]')).toBe('unsupported type')
  })
})

describe('parseStatements: errors', () => {
  test('unparsable → invalid JSON body', () => {
    for (const b of ['', '   ', 'nope', '["SELECT 1"', '["a" "b"]', '["a",]', '[,]', '[["a", 1]', '[["a" 1]]',
      '[["a", 01]]', '[["a", 1.]]', '[["a", tru]]', '["a\u0001"]', '["\\x"]', '[["a"}]', '[tru]', '["a"}']) {
      expect(errorOf(b), b).toBe('invalid JSON body')
    }
  })

  test('not an array, or bad element → invalid request', () => {
    for (const b of ['{"a": 1}', '{', '"SELECT 1"', '123', 'null', '[1]', '[null]', '[{"a":1}]', '[[1]]',
      '[[1, "x", 2]]', '[[true, "x"]]', '[[]]', '["ok", 5]']) {
      expect(errorOf(b), b).toBe('invalid request')
    }
  })

  test('errors are reported in reading order, like the streaming Go decoder', () => {
    expect(errorOf('[1, "x"')).toBe('invalid request')
    expect(errorOf('["a", 1')).toBe('invalid request')
    expect(errorOf('[["q", [300]], ')).toBe('unsupported type')
  })

  test('[] → no statements', () => {
    expect(errorOf('[]')).toBe('no statements')
    expect(errorOf(' [ ] ')).toBe('no statements')
  })
})

describe('helpers', () => {
  test('parseTextPlainBody: the whole body is one statement', () => {
    expect(parseTextPlainBody('INSERT INTO t VALUES(1); DELETE FROM t')).toEqual([
      { sql: 'INSERT INTO t VALUES(1); DELETE FROM t', positional: [], named: null },
    ])
  })

  test('numberValue and hexBlob', () => {
    expect(numberValue('7')).toBe(7n)
    expect(numberValue('7e0')).toBe(7)
    expect(hexBlob('x')).toBeUndefined()
  })
})
