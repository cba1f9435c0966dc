/**
 * What `/db/sql` reports. raftlite does not rewrite SQL: every write is applied with the time
 * and random seed fixed in its log entry, so the text is replicated as sent. We still list the
 * non-deterministic functions a statement visibly uses, so a user can see what is pinned.
 */
const RANDOM = /\brandom(?:blob)?\s*\(/i
const TIME = /\b(?:date|time|datetime|julianday|unixepoch|strftime|timediff)\s*\(|\bcurrent_(?:timestamp|date|time)\b|'now'/i

export interface SqlReport {
  original: string
  rewritten: string
  /** Sources of non-determinism in the text that raftlite pins per write. */
  pinned: string[]
}

export function describeStatement(sql: string): SqlReport {
  const pinned: string[] = []
  if (RANDOM.test(sql)) pinned.push('random')
  if (TIME.test(sql)) pinned.push('time')
  return { original: sql, rewritten: sql, pinned }
}
