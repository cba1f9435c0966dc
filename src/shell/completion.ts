/**
 * Tab completion: dot-commands at the start of a line, table names after `.schema`, `.dump`
 * and `.changes`, and otherwise SQL keywords, table and column names. Pure: the caller supplies
 * the names it knows (`SchemaNames`).
 */
import { DOT_COMMANDS } from './dot-commands.ts'

export interface SchemaNames {
  tables: string[]
  columns: string[]
}

const KEYWORDS = (
  'ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BLOB BY CASCADE CASE CAST CHECK COLLATE ' +
  'COLUMN COMMIT CONFLICT CONSTRAINT COUNT CREATE CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DEFAULT DEFERRABLE DEFERRED DELETE DESC DISTINCT DROP EACH ' +
  'ELSE END ESCAPE EXCEPT EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FOREIGN FROM FULL GLOB GROUP HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED ' +
  'INNER INSERT INSTEAD INTEGER INTERSECT INTO IS ISNULL JOIN KEY LEFT LIKE LIMIT MATCH NATURAL NOT NOTNULL NULL OF OFFSET ON OR ORDER ' +
  'OUTER OVER PARTITION PLAN PRAGMA PRIMARY QUERY RAISE REAL RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ' +
  'ROLLBACK ROW ROWID SAVEPOINT SELECT SET STRICT TABLE TEMP TEMPORARY TEXT THEN TO TRANSACTION TRIGGER UNION UNIQUE UPDATE USING VACUUM ' +
  'VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT'
).split(' ')

const TABLE_ARG_COMMANDS = new Set(['schema', 'dump', 'changes'])

/** Completions for the word before the cursor, and that word (readline's completer contract). */
export function complete(lineBeforeCursor: string, names: SchemaNames): [string[], string] {
  const dot = /^\s*(\.\w*)$/.exec(lineBeforeCursor)
  if (dot) {
    const word = dot[1]
    const lower = word.toLowerCase()
    return [DOT_COMMANDS.map((c) => `.${c.name}`).filter((n) => n.startsWith(lower)), word]
  }
  const word = /[\w$.]*$/.exec(lineBeforeCursor)?.[0] ?? ''
  const command = /^\s*\.(\w+)\s/.exec(lineBeforeCursor)?.[1]?.toLowerCase()
  if (command !== undefined) {
    if (!TABLE_ARG_COMMANDS.has(command)) return [[], word]
    // The word stops at a comma, so each name of a list `a,b` completes alone.
    return [startingWith(names.tables, word), word]
  }
  // `table.col`: columns after a dot.
  const dotAt = word.lastIndexOf('.')
  if (dotAt >= 0) {
    const head = word.slice(0, dotAt + 1)
    return [startingWith(names.columns, word.slice(dotAt + 1)).map((c) => head + c), word]
  }
  const upper = word === '' || word !== word.toLowerCase()
  const keywords = startingWith(KEYWORDS, word).map((k) => (upper ? k : k.toLowerCase()))
  const found = [...new Set([...startingWith(names.tables, word), ...startingWith(names.columns, word), ...keywords])]
  return [word === '' ? [] : found, word]
}

function startingWith(candidates: string[], prefix: string): string[] {
  const p = prefix.toLowerCase()
  return candidates.filter((c) => c.toLowerCase().startsWith(p))
}
