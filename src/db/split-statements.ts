/**
 * Splits SQL text (a dump, a script) into its statements, each ending at a `;` after which
 * SQLite's own tokenizer (`sqlite3_complete`) finds the statement whole: semicolons inside
 * strings, comments and trigger bodies do not end one. Statements of a script must run one at a
 * time, each compiled after the one before ran (an INSERT into the table the CREATE before it
 * makes), so a script cannot be compiled as a whole.
 */
export function splitStatements(sql: string, isComplete: (text: string) => boolean): string[] {
  const out: string[] = []
  let start = 0
  for (let end = sql.indexOf(';'); end !== -1; end = sql.indexOf(';', end + 1)) {
    const candidate = sql.slice(start, end + 1)
    if (!isComplete(candidate)) continue
    if (candidate.replace(/;$/, '').trim() !== '') out.push(candidate.trim())
    start = end + 1
  }
  const rest = sql.slice(start).trim()
  if (rest !== '') out.push(rest)
  return out
}
