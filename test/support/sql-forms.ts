/**
 * Seeded generators of SQL spellings for the confinement tests: the same seed gives the same
 * statements, so a failure names its seed and can be replayed. No dependency: a mulberry32 PRNG.
 */
export class Gen {
  #state: number

  constructor(readonly seed: number) {
    this.#state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }

  chance(p: number): boolean {
    return this.next() < p
  }
}

/** Each letter upper- or lower-cased at random. */
export function randomCase(g: Gen, word: string): string {
  return [...word].map((c) => (g.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('')
}

/** What may separate two tokens: whitespace, block or line comments, or several of them. */
export function gap(g: Gen, required = true): string {
  const pieces = [' ', '  ', '\t', '\n', '\r\n', '/* x */', '/**/', '/* ; PRAGMA */', '-- note ; \n']
  let out = required || g.chance(0.5) ? g.pick(pieces) : ''
  while (g.chance(0.3)) out += g.pick(pieces)
  // A comment alone between two words is a separator; so is whitespace.
  return out
}

/** An optional schema prefix (`main.`, `"main" .`, `[main].` …) as SQLite accepts it. */
export function schemaPrefix(g: Gen): string {
  if (g.chance(0.4)) return ''
  const name = g.pick(['main', 'MAIN', '"main"', '[main]', '`main`', 'Main'])
  return `${name}${gap(g, false)}.${gap(g, false)}`
}

/** Harmless statements put before or after the one under test in a `;` chain. */
const NEIGHBOURS = ['SELECT 1', 'SELECT 2 AS two', "SELECT 'a;b'", 'CREATE TABLE IF NOT EXISTS neighbour (x)', '/* only a comment */']

/** Wraps `statement` in a `;` chain, leading and trailing noise, at random. */
export function inChain(g: Gen, statement: string): string {
  let sql = `${gap(g, false)}${statement}${gap(g, false)}`
  if (g.chance(0.4)) sql = `${g.pick(NEIGHBOURS)};${gap(g, false)}${sql}`
  if (g.chance(0.2)) sql = `;${sql}`
  if (g.chance(0.4)) sql = `${sql};`
  if (g.chance(0.3)) sql = `${sql};${gap(g, false)}${g.pick(NEIGHBOURS)}`
  return sql
}

/** The pragmas rqlite refuses to set (and locking_mode), with values each accepts (and some it does not). */
const SETTABLE: Record<string, readonly string[]> = {
  journal_mode: ['DELETE', "'delete'", '"off"', 'memory', 'TRUNCATE', 'persist', 'wal', 'OFF'],
  synchronous: ['0', '1', '2', '3', 'OFF', 'NORMAL', "'full'", 'extra'],
  wal_autocheckpoint: ['1', '1000', '-1', "'5'", '0'],
  query_only: ['1', 'ON', 'true', "'yes'"],
  // raftlite's addition: the loop's reader shares the WAL index through the locks.
  locking_mode: ['EXCLUSIVE', "'exclusive'", 'normal'],
}

/** A statement that sets a refused pragma (or runs a checkpoint), in some syntactic form. */
export function disallowedPragma(g: Gen): string {
  const checkpoint = g.chance(0.2)
  const name = checkpoint ? 'wal_checkpoint' : g.pick(Object.keys(SETTABLE))
  const head = `${randomCase(g, 'pragma')}${gap(g)}${schemaPrefix(g)}${randomCase(g, name)}`
  if (checkpoint) {
    if (g.chance(0.3)) return head // running a checkpoint is refused too, argument or not
    const mode = randomCase(g, g.pick(['TRUNCATE', 'PASSIVE', 'FULL', 'RESTART']))
    return g.chance(0.5) ? `${head}${gap(g, false)}(${gap(g, false)}${mode}${gap(g, false)})` : `${head}${gap(g, false)}=${gap(g, false)}${mode}`
  }
  const value = g.pick(SETTABLE[name])
  return g.chance(0.5)
    ? `${head}${gap(g, false)}=${gap(g, false)}${value}`
    : `${head}${gap(g, false)}(${gap(g, false)}${value}${gap(g, false)})`
}

/** A statement that only reads one of those pragmas: allowed. */
export function readablePragma(g: Gen): string {
  const name = g.pick(['journal_mode', 'synchronous', 'wal_autocheckpoint', 'query_only', 'foreign_keys'])
  // (wal_autocheckpoint has no table-valued function)
  if (g.chance(0.3) && name !== 'wal_autocheckpoint') return `SELECT * FROM ${randomCase(g, `pragma_${name}`)}`
  return `${randomCase(g, 'pragma')}${gap(g)}${schemaPrefix(g)}${randomCase(g, name)}`
}

/** A SQL expression whose value is `path`, spelled one of many ways; `params` holds bound values. */
export function filenameExpr(g: Gen, path: string): { sql: string; params: string[] } {
  const quoted = (s: string) => `'${s.replaceAll("'", "''")}'`
  const hex = [...new TextEncoder().encode(path)].map((b) => b.toString(16).padStart(2, '0')).join('')
  const half = Math.max(1, Math.floor(path.length / 2))
  switch (g.int(9)) {
    case 0:
      return { sql: quoted(path), params: [] }
    case 1:
      return { sql: `"${path}"`, params: [] } // a double-quoted string (DQS is on, as in rqlite)
    case 2:
      return { sql: `${quoted(path.slice(0, half))}${gap(g, false)}||${gap(g, false)}${quoted(path.slice(half))}`, params: [] }
    case 3:
      return { sql: `${randomCase(g, 'char')}(${[...path].map((c) => c.charCodeAt(0)).join(',')})`, params: [] }
    case 4:
      return { sql: `CAST(x'${hex}' AS TEXT)`, params: [] }
    case 5:
      return { sql: quoted(`file:${path}?mode=rwc`), params: [] } // a URI filename
    case 6:
      return { sql: '?', params: [path] }
    case 7:
      return { sql: `${randomCase(g, 'lower')}(${quoted(path)})`, params: [] }
    default:
      return { sql: `${randomCase(g, 'printf')}('%s', ${quoted(path)})`, params: [] }
  }
}

/** A statement that would make SQLite open `path`: ATTACH or VACUUM INTO, in some form. */
export function fileNamingStatement(g: Gen, path: string): { sql: string; params: string[] } {
  const target = filenameExpr(g, path)
  if (g.chance(0.5)) {
    const keyword = g.chance(0.5) ? `${gap(g)}${randomCase(g, 'database')}` : ''
    const alias = g.pick(['e', '"e"', '[e]', '`e`', 'E'])
    const then = g.chance(0.6) ? `;${gap(g, false)}CREATE TABLE e.t(x); INSERT INTO e.t VALUES (1)` : ''
    return { sql: `${gap(g, false)}${randomCase(g, 'attach')}${keyword}${gap(g)}${target.sql}${gap(g)}${randomCase(g, 'as')}${gap(g)}${alias}${then}`, params: target.params }
  }
  const schema = g.chance(0.4) ? `${gap(g)}${g.pick(['main', 'MAIN', '"main"', '[main]'])}` : ''
  return { sql: inChain(g, `${randomCase(g, 'vacuum')}${schema}${gap(g)}${randomCase(g, 'into')}${gap(g)}${target.sql}`), params: target.params }
}
