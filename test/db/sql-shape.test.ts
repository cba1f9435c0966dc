// A SQL text's shape (src/db/sql-shape.ts): literals become `?`, names and keywords stay.
import { expect, test } from 'vitest'
import { sqlShape } from '../../src/db/sql-shape.ts'

test.each([
  ['SELECT * FROM bench WHERE id = 17', 'SELECT * FROM bench WHERE id = ?'],
  ['SELECT * FROM bench WHERE id = 18', 'SELECT * FROM bench WHERE id = ?'],
  ["SELECT v FROM kv WHERE k = 'it''s' AND n > -2.5e-3", 'SELECT v FROM kv WHERE k = ? AND n > -?'],
  ["SELECT x'00ff', X'AB', hex(x) FROM t1", 'SELECT ?, ?, hex(x) FROM t1'],
  ['SELECT "col 1", [t 2].a, `c3` FROM t2 WHERE a IN (1, 0x1F, .5)', 'SELECT "col 1", [t 2].a, `c3` FROM t2 WHERE a IN (?, ?, ?)'],
  ['SELECT count(*) FROM t', 'SELECT count(*) FROM t'],
  ["SELECT 'unterminated", 'SELECT ?'],
])('%s', (sql, shape) => {
  expect(sqlShape(sql)).toBe(shape)
})
