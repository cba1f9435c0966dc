// -http-max-result-bytes is enforced where rows are produced: a read stops as soon as its rows
// exceed the cap, so a query whose whole result would be huge is never collected in memory.
import { expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { ResultTooLargeError, rowBytes } from '../../src/sqlite/result-cap.ts'

const TEN_MILLION = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 10000000) SELECT x FROM c'
const MIB = 1024 * 1024
const q = (sql: string) => ({ sql, positional: [], named: null })

test('a 10-million-row result with a 1 MiB cap stops after the rows that fill the cap', async () => {
  const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
  let caught: unknown
  try {
    db.query([q(TEN_MILLION)], { maxResultBytes: MIB })
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(ResultTooLargeError)
  const error = caught as ResultTooLargeError
  // Each row [x] counts rowBytes([x]) bytes: the loop stopped on the first row over the cap.
  const perRow = rowBytes([1])
  expect(error.rowsRead).toBe(Math.floor(MIB / perRow) + 1)
  expect(error.message).toBe(`query result too large: over ${MIB} bytes (-http-max-result-bytes), stopped reading after ${error.rowsRead} rows; select fewer rows or columns`)
  // The connection is usable afterwards, and a result under the cap is whole.
  const small = db.query([q('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 1000) SELECT x FROM c')], { maxResultBytes: MIB })
  expect(small[0]).toMatchObject({ kind: 'rows' })
  expect(small[0].kind === 'rows' && small[0].rows.rows.length).toBe(1000)
  db.close()
})

test('the cap is shared by the statements of one request', async () => {
  const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
  const rows600 = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 600) SELECT x FROM c'
  const cap = rowBytes([1]) * 1000
  expect(db.query([q(rows600)], { maxResultBytes: cap })[0].kind).toBe('rows')
  expect(() => db.query([q(rows600), q(rows600)], { maxResultBytes: cap })).toThrow(/stopped reading after 401 rows/)
  // Without a cap (the library's default) everything is read.
  const all = db.query([q(rows600), q(rows600)])
  expect(all.map((r) => r.kind === 'rows' && r.rows.rows.length)).toEqual([600, 600])
  db.close()
})
