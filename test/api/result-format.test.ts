import { describe, expect, test } from 'vitest'
import { toJson } from '../../src/api/json-writer.ts'
import { buildEnvelope, decodeUtf8Go, formatResults, isTextType } from '../../src/api/result-format.ts'
import type { FormatOptions, StatementResult } from '../../src/api/result-format.ts'

const json = (results: StatementResult[], opts: FormatOptions = {}) =>
  toJson(buildEnvelope({ results: formatResults(results, opts) }))

const rows = (columns: string[], decltypes: string[], r: unknown[][]): StatementResult =>
  ({ kind: 'rows', rows: { columns, decltypes, rows: r as never } })

describe('execute results', () => {
  test('doc example with timings', () => {
    const out = toJson(buildEnvelope({
      results: formatResults([
        { kind: 'exec', lastInsertId: 0n, rowsAffected: 0n, time: 0.000211 },
        { kind: 'exec', lastInsertId: 1n, rowsAffected: 1n, time: 0.00008 },
        { kind: 'exec', lastInsertId: 2n, rowsAffected: 1n, time: 0.00005 },
      ], { timings: true }),
      time: 0.0123,
    }))
    expect(out).toBe('{"results":[{"time":0.000211},{"last_insert_id":1,"rows_affected":1,"time":0.00008},' +
      '{"last_insert_id":2,"rows_affected":1,"time":0.00005}],"time":0.0123}')
  })

  test('zero counters are omitted: CREATE TABLE → {}', () => {
    expect(json([{ kind: 'exec', lastInsertId: 0n, rowsAffected: 0n }])).toBe('{"results":[{}]}')
  })

  test('no time without timings', () => {
    expect(json([{ kind: 'exec', lastInsertId: 1n, rowsAffected: 1n, time: 0.1 }])).toBe(
      '{"results":[{"last_insert_id":1,"rows_affected":1}]}')
  })

  test('error slot and exec error field', () => {
    expect(json([{ kind: 'error', error: 'near "blah": syntax error' }])).toBe(
      '{"results":[{"error":"near \\"blah\\": syntax error"}]}')
    expect(json([{ kind: 'exec', lastInsertId: 0n, rowsAffected: 0n, error: 'x' }])).toBe('{"results":[{"error":"x"}]}')
  })

  test('associative adds rows:null', () => {
    expect(json([{ kind: 'exec', lastInsertId: 1n, rowsAffected: 1n }], { associative: true, unified: true })).toBe(
      '{"results":[{"last_insert_id":1,"rows_affected":1,"rows":null}]}')
    expect(json([{ kind: 'exec', lastInsertId: 0n, rowsAffected: 0n }], { associative: true })).toBe(
      '{"results":[{"rows":null}]}')
  })

  test('int64 counters stay exact', () => {
    expect(json([{ kind: 'exec', lastInsertId: 9223372036854775807n, rowsAffected: 1n }])).toBe(
      '{"results":[{"last_insert_id":9223372036854775807,"rows_affected":1}]}')
  })
})

describe('query results', () => {
  test('doc example', () => {
    const out = toJson(buildEnvelope({
      results: formatResults([{
        kind: 'rows', time: 0.00015,
        rows: { columns: ['id', 'name', 'age'], decltypes: ['INTEGER', 'TEXT', 'INTEGER'], rows: [[1n, 'fiona', 20n], [2n, 'declan', null]] },
      }], { timings: true }),
      time: 0.00022,
    }))
    expect(out).toBe('{"results":[{"columns":["id","name","age"],"types":["integer","text","integer"],' +
      '"values":[[1,"fiona",20],[2,"declan",null]],"time":0.00015}],"time":0.00022}')
  })

  test('zero rows: values omitted', () => {
    expect(json([rows(['id', 'name'], ['INTEGER', 'TEXT'], [])])).toBe(
      '{"results":[{"columns":["id","name"],"types":["integer","text"]}]}')
  })

  test('declared types are lower-cased verbatim', () => {
    expect(json([rows(['a', 'b', 'c'], ['VARCHAR(64)', 'Int', 'DATE'], [])])).toBe(
      '{"results":[{"columns":["a","b","c"],"types":["varchar(64)","int","date"]}]}')
  })

  test('empty decltype inferred from the first row', () => {
    expect(json([rows(['COUNT(*)', 'r', 's'], ['', '', ''], [[3n, 1.5, 'x'], [4n, 2.5, 'y']])])).toBe(
      '{"results":[{"columns":["COUNT(*)","r","s"],"types":["integer","real","text"],"values":[[3,1.5,"x"],[4,2.5,"y"]]}]}')
  })

  test('empty decltype stays "" with no rows (PRAGMA foreign_keys)', () => {
    expect(json([rows(['foreign_keys'], [''], [])])).toBe('{"results":[{"columns":["foreign_keys"],"types":[""]}]}')
  })

  test('type filling stops at the first NULL, as rqlite\'s populateEmptyTypes does', () => {
    expect(json([rows(['a', 'b', 'c'], ['', '', ''], [[1n, null, 2n], [1n, 2n, 3n]])])).toBe(
      '{"results":[{"columns":["a","b","c"],"types":["integer","",""],"values":[[1,null,2],[1,2,3]]}]}')
  })

  test('BLOB → base64, or byte array with blob_array', () => {
    const r = rows(['b'], ['BLOB'], [[new Uint8Array([222, 173, 190, 239])]])
    expect(json([r])).toBe('{"results":[{"columns":["b"],"types":["blob"],"values":[["3q2+7w=="]]}]}')
    expect(json([r], { blobArray: true })).toBe('{"results":[{"columns":["b"],"types":["blob"],"values":[[[222,173,190,239]]]}]}')
  })

  test('BLOB under a text-affinity or empty type becomes text', () => {
    expect(json([rows(['t', 'v', 'x'], ['TEXT', 'NVARCHAR(10)', ''], [[new Uint8Array([0x68, 0x69]), new Uint8Array([0x41]), new Uint8Array([0x42])]])])).toBe(
      '{"results":[{"columns":["t","v","x"],"types":["text","nvarchar(10)","text"],"values":[["hi","A","B"]]}]}')
    // After the first row the inferred type decides: integer is not text, so a later blob stays a blob.
    expect(json([rows(['x'], [''], [[1n], [new Uint8Array([1])]])])).toBe(
      '{"results":[{"columns":["x"],"types":["integer"],"values":[[1],["AQ=="]]}]}')
  })

  test('invalid UTF-8 in blob-as-text becomes U+FFFD per byte', () => {
    expect(decodeUtf8Go(new Uint8Array([0x61, 0xff, 0xe2, 0x82]))).toBe('a\uFFFD\uFFFD\uFFFD')
    expect(decodeUtf8Go(new Uint8Array([0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]))).toBe('€😀')
    expect(decodeUtf8Go(new Uint8Array([0xc0, 0x80, 0xed, 0xa0, 0x80]))).toBe('\uFFFD'.repeat(5))
  })

  test('boolean decltype: integer > 0 → true', () => {
    expect(json([rows(['b'], ['BOOLEAN'], [[1n], [0n], [-1n], [5n], ['yes']])])).toBe(
      '{"results":[{"columns":["b"],"types":["boolean"],"values":[[true],[false],[false],[true],["yes"]]}]}')
  })

  test('date/datetime/timestamp conversions', () => {
    expect(json([rows(['d', 'dt', 'ts'], ['DATE', 'DATETIME', 'TIMESTAMP'], [
      ['2004-02-14', '2021-10-22 19:39:32.016087', 1076716800n],
      ['garbage', 1634931572016n, 2.5],
    ])])).toBe('{"results":[{"columns":["d","dt","ts"],"types":["date","datetime","timestamp"],"values":[' +
      '["2004-02-14T00:00:00Z","2021-10-22T19:39:32.016087Z","2004-02-14T00:00:00Z"],' +
      '["0001-01-01T00:00:00Z","2021-10-22T19:39:32.016Z",2.5]]}]}')
  })

  test('a time that cannot be marshalled fails the statement', () => {
    expect(json([rows(['d'], ['DATE'], [[999999999999n]])])).toBe(
      '{"results":[{"error":"Time.MarshalText: year outside of range [0,9999]"}]}')
  })

  test('int64 values exact; REAL keeps float formatting', () => {
    expect(json([rows(['r', 'f'], ['', ''], [[-9223372036854775808n, 1e-7]])])).toBe(
      '{"results":[{"columns":["r","f"],"types":["integer","real"],"values":[[-9223372036854775808,1e-7]]}]}')
  })

  test('query error: only the error', () => {
    expect(json([{ kind: 'rows', rows: { columns: [], decltypes: [], rows: [] }, error: 'no such table: bar', time: 1 }], { timings: true })).toBe(
      '{"results":[{"error":"no such table: bar"}]}')
  })

  test('RETURNING-style rows inside an execute batch', () => {
    expect(json([rows(['id', 'name'], ['INTEGER', 'TEXT'], [[2n, 'declan']])])).toBe(
      '{"results":[{"columns":["id","name"],"types":["integer","text"],"values":[[2,"declan"]]}]}')
  })
})

describe('associative', () => {
  test('doc /db/request example', () => {
    const out = json([
      { kind: 'exec', lastInsertId: 1n, rowsAffected: 1n },
      rows(['id', 'name', 'age'], ['INTEGER', 'TEXT', 'INTEGER'], [[1n, 'fiona', 20n]]),
      { kind: 'error', error: 'no such table: bar' },
    ], { associative: true, unified: true })
    expect(out).toBe('{"results":[{"last_insert_id":1,"rows_affected":1,"rows":null},' +
      '{"types":{"age":"integer","id":"integer","name":"text"},"rows":[{"age":20,"id":1,"name":"fiona"}]},' +
      '{"error":"no such table: bar"}]}')
  })

  test('rows always present, [] when none', () => {
    expect(json([rows(['id'], ['INTEGER'], [])], { associative: true })).toBe('{"results":[{"types":{"id":"integer"},"rows":[]}]}')
  })

  test('/db/query errors keep rows:[] (AssociativeRows), unified ones do not', () => {
    expect(json([{ kind: 'error', error: 'e' }], { associative: true })).toBe('{"results":[{"rows":[],"error":"e"}]}')
    expect(json([{ kind: 'rows', rows: { columns: [], decltypes: [], rows: [] }, error: 'e' }], { associative: true, unified: true })).toBe(
      '{"results":[{"rows":[],"error":"e"}]}')
  })

  test('duplicate column names: last wins, as with a Go map', () => {
    expect(json([rows(['a', 'a'], ['INTEGER', 'TEXT'], [[1n, 'x']])], { associative: true })).toBe(
      '{"results":[{"types":{"a":"text"},"rows":[{"a":"x"}]}]}')
  })

  test('timings in associative rows', () => {
    expect(json([{ ...rows(['x'], [''], [[1n]]), time: 0.5 } as StatementResult], { associative: true, timings: true })).toBe(
      '{"results":[{"types":{"x":"integer"},"rows":[{"x":1}],"time":0.5}]}')
  })
})

describe('envelope', () => {
  test('results always present', () => {
    expect(toJson(buildEnvelope({ results: [] }))).toBe('{"results":[]}')
  })

  test('request-level error', () => {
    expect(toJson(buildEnvelope({ results: [], error: 'stale read' }))).toBe('{"results":[],"error":"stale read"}')
  })

  test('queued write', () => {
    expect(toJson(buildEnvelope({ results: [], sequenceNumber: 1653314298877648934n }))).toBe(
      '{"results":[],"sequence_number":1653314298877648934}')
  })

  test('key order: results, error, time, sequence_number, raft_index', () => {
    expect(toJson(buildEnvelope({ raftIndex: 7n, sequenceNumber: 2, time: 0.5, error: 'e', results: [] }))).toBe(
      '{"results":[],"error":"e","time":0.5,"sequence_number":2,"raft_index":7}')
    expect(toJson(buildEnvelope({ results: [], raftIndex: 0n, time: 0 }))).toBe('{"results":[]}')
  })

  test('isTextType', () => {
    for (const t of ['text', 'json', '', 'varchar(10)', 'nchar', 'native character', 'nvarchar', 'clob', 'varying character(3)']) {
      expect(isTextType(t), t).toBe(true)
    }
    for (const t of ['blob', 'integer', 'date', 'character', 'string']) expect(isTextType(t), t).toBe(false)
  })
})
