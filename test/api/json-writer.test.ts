import { describe, expect, test } from 'vitest'
import { base64, compareUtf8, formatFloat, JsonEncodeError, quote, RawJson, sortedKeys, sortObject, toJson } from '../../src/api/json-writer.ts'

describe('toJson compact', () => {
  test('scalars', () => {
    expect(toJson(null)).toBe('null')
    expect(toJson(true)).toBe('true')
    expect(toJson(20)).toBe('20')
    expect(toJson(1.5)).toBe('1.5')
    expect(toJson('x')).toBe('"x"')
  })

  test('bigint is emitted exactly', () => {
    expect(toJson(9223372036854775807n)).toBe('9223372036854775807')
    expect(toJson(-9223372036854775808n)).toBe('-9223372036854775808')
    expect(toJson([1653314298877648934n])).toBe('[1653314298877648934]')
  })

  test('keys keep insertion order, undefined props are skipped', () => {
    expect(toJson({ results: [], error: undefined, time: 0.5 })).toBe('{"results":[],"time":0.5}')
    expect(toJson({ b: 1, a: 2 })).toBe('{"b":1,"a":2}')
    expect(toJson([undefined])).toBe('[null]')
  })

  test('Uint8Array → base64', () => {
    expect(toJson(new Uint8Array([0xde, 0xad, 0xbe, 0xef]))).toBe('"3q2+7w=="')
    expect(toJson(new Uint8Array([]))).toBe('""')
  })

  test('no trailing newline', () => {
    expect(toJson({ results: [] }).endsWith('}')).toBe(true)
  })

  test('RawJson is inserted verbatim', () => {
    expect(toJson({ a: new RawJson('{"x":[1,2]}') })).toBe('{"a":{"x":[1,2]}}')
  })
})

describe('string escaping like Go encoding/json', () => {
  test('HTML characters and line separators', () => {
    expect(quote('<a href="x">&</a>')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"')
    expect(quote('\u2028\u2029')).toBe('"\\u2028\\u2029"')
  })

  test('control characters', () => {
    expect(quote('\n\r\t\b\f')).toBe('"\\n\\r\\t\\b\\f"')
    expect(quote('\u0000\u0001\u001f\u007f')).toBe('"\\u0000\\u0001\\u001f\u007f"')
    expect(quote('a\\b')).toBe('"a\\\\b"')
  })

  test('non-ASCII passes through; lone surrogates become \\ufffd', () => {
    expect(quote('é😀')).toBe('"é😀"')
    expect(quote('a\uD800b')).toBe('"a\\ufffdb"')
    expect(quote('\uDC00')).toBe('"\\ufffd"')
  })
})

describe('floats like Go', () => {
  test('decimal vs exponent thresholds', () => {
    expect(formatFloat(0.000211)).toBe('0.000211')
    expect(formatFloat(1.846e-5)).toBe('0.00001846')
    expect(formatFloat(0.000001)).toBe('0.000001')
    expect(formatFloat(1e-7)).toBe('1e-7')
    expect(formatFloat(1.5e-7)).toBe('1.5e-7')
    expect(formatFloat(1e20)).toBe('100000000000000000000')
    expect(formatFloat(1e21)).toBe('1e+21')
    expect(formatFloat(123456789.125)).toBe('123456789.125')
    expect(formatFloat(3.14)).toBe('3.14')
    expect(formatFloat(5e-324)).toBe('5e-324')
    expect(formatFloat(1.7976931348623157e308)).toBe('1.7976931348623157e+308')
  })

  test('-0 keeps its sign', () => {
    expect(formatFloat(-0)).toBe('-0')
    expect(formatFloat(0)).toBe('0')
  })

  test('NaN and Inf are unsupported values', () => {
    expect(() => toJson(NaN)).toThrow(JsonEncodeError)
    expect(() => toJson(NaN)).toThrow('json: unsupported value: NaN')
    expect(() => toJson([Infinity])).toThrow('json: unsupported value: +Inf')
    expect(() => toJson({ a: -Infinity })).toThrow('json: unsupported value: -Inf')
  })
})

describe('pretty (MarshalIndent with 4 spaces)', () => {
  test('nested structure', () => {
    const v = { results: [{ columns: ['id', 'name'], types: ['integer', 'text'], values: [[1n, 'fiona']] }], time: 0.5 }
    expect(toJson(v, { pretty: true })).toBe(
      [
        '{',
        '    "results": [',
        '        {',
        '            "columns": [',
        '                "id",',
        '                "name"',
        '            ],',
        '            "types": [',
        '                "integer",',
        '                "text"',
        '            ],',
        '            "values": [',
        '                [',
        '                    1,',
        '                    "fiona"',
        '                ]',
        '            ]',
        '        }',
        '    ],',
        '    "time": 0.5',
        '}',
      ].join('\n'),
    )
  })

  test('empty containers stay compact', () => {
    expect(toJson({ results: [], m: {} }, { pretty: true })).toBe('{\n    "results": [],\n    "m": {}\n}')
    expect(toJson([], { pretty: true })).toBe('[]')
    expect(toJson({ a: undefined }, { pretty: true })).toBe('{}')
  })

  test('matches JSON.stringify(v, null, 4) for plain data', () => {
    const v = { a: [1, 'x', { b: null, c: [[]] }], d: true }
    expect(toJson(v, { pretty: true })).toBe(JSON.stringify(v, null, 4))
  })

  test('raw JSON is re-indented', () => {
    expect(toJson({ a: new RawJson('{"x":[1,"a,b"],"y":{}}') }, { pretty: true })).toBe(
      JSON.stringify({ a: { x: [1, 'a,b'], y: {} } }, null, 4),
    )
  })
})

describe('Go map ordering', () => {
  test('sortedKeys sorts by UTF-8 bytes', () => {
    expect(sortedKeys({ name: 1, age: 2, id: 3 })).toEqual(['age', 'id', 'name'])
    expect(sortedKeys({ b: 1, B: 2, _: 3 })).toEqual(['B', '_', 'b'])
    // U+FF61 is below U+1F600 in code points though above its surrogates in UTF-16.
    expect(sortedKeys({ '\u{1F600}': 1, '\uFF61': 2 })).toEqual(['\uFF61', '\u{1F600}'])
  })

  test('compareUtf8 and sortObject', () => {
    expect(compareUtf8('a', 'ab')).toBeLessThan(0)
    expect(compareUtf8('b', 'a')).toBeGreaterThan(0)
    expect(Object.keys(sortObject({ z: 1, a: 2 }))).toEqual(['a', 'z'])
  })

  test('base64 padding', () => {
    expect(base64(new Uint8Array([1]))).toBe('AQ==')
    expect(base64(new Uint8Array([1, 2]))).toBe('AQI=')
    expect(base64(new Uint8Array([1, 2, 3]))).toBe('AQID')
    expect(base64(new Uint8Array([255, 254, 253, 252]))).toBe('//79/A==')
  })
})
