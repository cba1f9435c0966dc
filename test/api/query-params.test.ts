import { describe, expect, test } from 'vitest'
import { parseAtoi, parseGoQuery, parseQueryParams } from '../../src/api/query-params.ts'
import { RequestError } from '../../src/api/request-error.ts'

function errorOf(q: string): string {
  try {
    parseQueryParams(q)
  } catch (e) {
    expect(e).toBeInstanceOf(RequestError)
    expect((e as RequestError).status).toBe(400)
    return (e as RequestError).message
  }
  throw new Error(`expected ${q} to fail`)
}

describe('presence semantics', () => {
  test('flags are on when present, whatever the value', () => {
    for (const q of ['transaction', 'transaction=true', 'transaction=false', 'transaction=0', 'transaction=']) {
      expect(parseQueryParams(q).transaction, q).toBe(true)
    }
    expect(parseQueryParams('').transaction).toBe(false)
  })

  test('all boolean flags', () => {
    const p = parseQueryParams('?pretty&timings&associative&blob_array&raft_index&queue&wait&noleader&nonvoters&redirect' +
      '&norwrandom&norwtime&noparse&bypass&sync&vacuum&compress&qualify_columns&freshness=1s&freshness_strict')
    for (const k of ['pretty', 'timings', 'associative', 'blobArray', 'raftIndex', 'queue', 'wait', 'noleader', 'nonvoters',
      'redirect', 'norwrandom', 'norwtime', 'noparse', 'bypass', 'sync', 'vacuum', 'compress', 'qualifyColumns', 'freshnessStrict'] as const) {
      expect(p[k], k).toBe(true)
    }
    expect(parseQueryParams('').pretty).toBe(false)
  })

  test('keys are case-sensitive; first value wins', () => {
    expect(parseQueryParams('Pretty').pretty).toBe(false)
    expect(parseQueryParams('level=none&level=strong').level).toBe('none')
    expect(parseQueryParams('q=SELECT%201&q=').query).toBe('SELECT 1')
  })

  test('accepts a URL', () => {
    const p = parseQueryParams(new URL('http://localhost:4001/db/query?pretty&timings&q=SELECT%20*%20FROM%20foo'))
    expect(p.query).toBe('SELECT * FROM foo')
    expect(p.pretty && p.timings).toBe(true)
  })
})

describe('typed values', () => {
  test('durations in ms', () => {
    const p = parseQueryParams('timeout=2s&db_timeout=500ms&linearizable_timeout=1m30s&freshness=1.5s')
    expect(p.timeoutMs).toBe(2000)
    expect(p.dbTimeoutMs).toBe(500)
    expect(p.linearizableTimeoutMs).toBe(90000)
    expect(p.freshnessMs).toBe(1500)
    const d = parseQueryParams('')
    expect([d.timeoutMs, d.dbTimeoutMs, d.linearizableTimeoutMs, d.freshnessMs]).toEqual([null, null, null, 0])
  })

  test('integers', () => {
    expect(parseQueryParams('retries=3&trailing_logs=-1')).toMatchObject({ retries: 3, trailingLogs: -1 })
    expect(parseQueryParams('retries=%2B7').retries).toBe(7)
    // An unescaped + is a space after decoding, so Atoi rejects it (as in Go).
    expect(() => parseQueryParams('retries=+7')).toThrow('retries is not a valid integer')
    expect(parseQueryParams('').retries).toBeNull()
  })

  test('level: case-insensitive, unknown/absent → weak', () => {
    expect(parseQueryParams('level=NONE').level).toBe('none')
    expect(parseQueryParams('level=Linearizable').level).toBe('linearizable')
    expect(parseQueryParams('level=strong').level).toBe('strong')
    expect(parseQueryParams('level=auto').level).toBe('auto')
    expect(parseQueryParams('level=bogus').level).toBe('weak')
    expect(parseQueryParams('').level).toBe('weak')
  })

  test('fmt, key, ver, tables', () => {
    expect(parseQueryParams('fmt=SQL').backupFormat).toBe('sql')
    expect(parseQueryParams('fmt=delete').backupFormat).toBe('delete')
    expect(parseQueryParams('fmt=zip').backupFormat).toBe('binary')
    expect(parseQueryParams('key=store.raft&ver=2')).toMatchObject({ key: 'store.raft', ver: '2' })
    expect(parseQueryParams('tables=a,%20b,,c%20').tables).toEqual(['a', 'b', 'c'])
    expect(parseQueryParams('').tables).toEqual([])
  })

  test('q decoding: + is a space, percent escapes are UTF-8', () => {
    expect(parseQueryParams('q=SELECT+*+FROM+t+WHERE+n%3D%27%C3%A9%27').query).toBe("SELECT * FROM t WHERE n='é'")
    expect(parseQueryParams('').query).toBeUndefined()
  })
})

describe('errors (text bodies, 400)', () => {
  test('durations', () => {
    expect(errorOf('timeout=5')).toBe('timeout is not a valid duration')
    expect(errorOf('freshness=abc')).toBe('freshness is not a valid duration')
    expect(errorOf('db_timeout=')).toBe('db_timeout is not a valid duration')
    expect(errorOf('linearizable_timeout=1x')).toBe('linearizable_timeout is not a valid duration')
  })

  test('integers', () => {
    expect(errorOf('retries=abc')).toBe('retries is not a valid integer')
    expect(errorOf('trailing_logs=1.5')).toBe('trailing_logs is not a valid integer')
    expect(errorOf('retries=')).toBe('retries is not a valid integer')
    expect(errorOf('retries=99999999999999999999')).toBe('retries is not a valid integer')
  })

  test('freshness_strict requires freshness', () => {
    expect(errorOf('freshness_strict')).toBe('freshness_strict requires freshness')
  })

  test('validation order: freshness_strict, durations, integers, q', () => {
    expect(errorOf('q=&retries=x&timeout=x&freshness_strict')).toBe('freshness_strict requires freshness')
    expect(errorOf('q=&retries=x&db_timeout=x&timeout=x')).toBe('timeout is not a valid duration')
    expect(errorOf('q=&trailing_logs=x&retries=x')).toBe('retries is not a valid integer')
    expect(errorOf('q=')).toBe('query parameter not set')
    expect(errorOf('q')).toBe('query parameter not set')
  })

  test('url.ParseQuery errors', () => {
    expect(errorOf('a=1;b=2')).toBe('invalid semicolon separator in query')
    expect(errorOf('q=%zz')).toBe('invalid URL escape "%zz"')
    expect(errorOf('q=abc%')).toBe('invalid URL escape "%"')
  })
})

describe('helpers', () => {
  test('parseGoQuery skips empty segments', () => {
    expect([...parseGoQuery('&&a=1&&b&')]).toEqual([['a', '1'], ['b', '']])
  })

  test('parseGoQuery unescapes as url.QueryUnescape: + is a space, %XX a byte, bytes read as UTF-8', () => {
    const q = (s: string) => parseGoQuery(`q=${s}`).get('q')
    expect(q('a+b%2Bc%20d')).toBe('a b+c d')
    expect(q('caf%C3%A9+%F0%9F%98%80')).toBe('café 😀')
    expect(q('SELECT+*+FROM+t+WHERE+v%3D%27%25x%27')).toBe("SELECT * FROM t WHERE v='%x'")
    expect(q('%FF+ok')).toBe('\uFFFD ok') // not UTF-8: replaced, not refused
    expect(q('%C3')).toBe('\uFFFD') // a sequence cut short
    expect(q('ü+%C3%BC')).toBe('ü ü') // raw non-ASCII passes through
  })

  test('parseAtoi', () => {
    expect(parseAtoi('-12')).toBe(-12)
    expect(parseAtoi(' 1')).toBeUndefined()
    expect(parseAtoi('0x10')).toBeUndefined()
  })
})
