// The shell's pure parts: statement splitting, options, completion, history, rendering,
// suggestions, progress and JSON trees.
import { describe, expect, test } from 'vitest'
import { readJson } from '../../src/api/json-reader.ts'
import { complete } from '../../src/shell/completion.ts'
import { nearestCommand } from '../../src/shell/dot-commands.ts'
import { addHistory, formatHistory, historyEntry, historySize, parseHistory } from '../../src/shell/history.ts'
import { jsonTree } from '../../src/shell/json-tree.ts'
import { formatBytes, formatProgress } from '../../src/shell/progress-meter.ts'
import { renderRows } from '../../src/shell/render-rows.ts'
import { parseShellCommandLine, ShellUsageError } from '../../src/shell/shell-options.ts'
import { isBlankSql, splitStatements } from '../../src/shell/split-statements.ts'

describe('splitStatements', () => {
  test.each([
    ['SELECT 1', [], 'SELECT 1'],
    ['SELECT 1;', ['SELECT 1;'], ''],
    ['SELECT 1; SELECT 2;\n', ['SELECT 1;', 'SELECT 2;'], '\n'],
    ["SELECT 'a;b'; SELECT \"c;\"", ["SELECT 'a;b';"], ' SELECT "c;"'],
    ["SELECT 'it''s;'", [], "SELECT 'it''s;'"],
    ['SELECT 1 -- not yet;\n', [], 'SELECT 1 -- not yet;\n'],
    ['SELECT /* ; */ 1;', ['SELECT /* ; */ 1;'], ''],
    ['SELECT [a;b] FROM t;', ['SELECT [a;b] FROM t;'], ''],
    [';;', [], ''],
    ['CREATE TRIGGER t AFTER INSERT ON x BEGIN INSERT INTO y VALUES (1);', [], 'CREATE TRIGGER t AFTER INSERT ON x BEGIN INSERT INTO y VALUES (1);'],
    ['CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END; SELECT 2;', ['CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;', 'SELECT 2;'], ''],
    ['CREATE TABLE trigger_log (end_at TEXT);', ['CREATE TABLE trigger_log (end_at TEXT);'], ''],
  ])('%j', (text, statements, rest) => {
    expect(splitStatements(text)).toEqual({ statements, rest })
  })

  test('blank SQL is whitespace and comments only', () => {
    expect(isBlankSql(' \n-- hi\n/* x */ ')).toBe(true)
    expect(isBlankSql('-- hi\nSELECT')).toBe(false)
  })
})

describe('command line', () => {
  const run = (argv: string[], env = {}) => {
    const parsed = parseShellCommandLine(argv, env)
    if (parsed.kind !== 'run') throw new Error(parsed.kind)
    return parsed.options
  }

  test('defaults are rqlite\'s', () => {
    expect(run([])).toEqual({ scheme: 'http', host: '127.0.0.1', port: 4001, prefix: '/', credentials: undefined, insecure: false, caCert: undefined, clientCert: undefined, clientKey: undefined, alternatives: [], httpTimeoutMs: 30_000, execute: [] })
  })

  test('short and long forms, with or without =', () => {
    const o = run(['-H', 'db.example', '--port=4011', '-s=https', '--prefix', 'rq', '-u', 'bob:se:cret', '-i', '-t', '1m30s', '-a', 'h2:4001, h3:4001', '-e', 'SELECT 1', '--execute', '.tables'])
    expect(o).toMatchObject({ host: 'db.example', port: 4011, scheme: 'https', prefix: '/rq/', credentials: 'bob:se:cret', insecure: true, httpTimeoutMs: 90_000, alternatives: ['h2:4001', 'h3:4001'], execute: ['SELECT 1', '.tables'] })
  })

  test('RAFTLITE_HOST wins over RQLITE_HOST; -H, -p or -s wins over both', () => {
    expect(run([], { RQLITE_HOST: 'https://a:1', RAFTLITE_HOST: 'b:2' })).toMatchObject({ scheme: 'http', host: 'b', port: 2 })
    expect(run([], { RQLITE_HOST: 'https://a:1' })).toMatchObject({ scheme: 'https', host: 'a', port: 1 })
    expect(run([], { RQLITE_HOST: 'a' })).toMatchObject({ host: 'a', port: 4001 })
    expect(run(['-p', '9'], { RQLITE_HOST: 'https://a:1' })).toMatchObject({ scheme: 'http', host: '127.0.0.1', port: 9 })
  })

  test('help and version', () => {
    expect(parseShellCommandLine(['-h'])).toEqual({ kind: 'help' })
    expect(parseShellCommandLine(['--version'])).toEqual({ kind: 'version' })
  })

  test.each([
    [['-p', '70000'], 'invalid port "70000": a number from 1 to 65535'],
    [['-s', 'ftp'], 'invalid scheme "ftp": use http or https'],
    [['-u', 'bob'], 'invalid credentials: use -u username:password'],
    [['-t', 'soon'], 'invalid HTTP timeout "soon": a duration such as 30s or 1m'],
    [['-a', 'h2'], 'invalid alternative "h2": use host:port'],
    [['--bogus'], 'unknown option: --bogus'],
    [['-H'], 'option -H/--host needs a value'],
    [['stray'], 'unexpected argument: stray'],
    [['--insecure=maybe'], 'option --insecure takes true or false, not "maybe"'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseShellCommandLine(argv)).toThrow(new ShellUsageError(message))
  })

  test('a bad RQLITE_HOST is refused clearly', () => {
    expect(() => parseShellCommandLine([], { RQLITE_HOST: 'ftp://x' })).toThrow('invalid scheme in "ftp://x": use http or https')
  })
})

describe('completion', () => {
  const names = { tables: ['people', 'pets'], columns: ['id', 'name'] }

  test('dot-commands at the start of a line', () => {
    expect(complete('.ta', names)).toEqual([['.tables'], '.ta'])
    expect(complete('.s', names)[0]).toEqual(['.schema', '.show', '.snapshot', '.status', '.stepdown', '.sysdump'])
  })

  test('tables after .schema, .dump and .changes; a list after commas', () => {
    expect(complete('.schema pe', names)).toEqual([['people', 'pets'], 'pe'])
    expect(complete('.dump out.sql people,pe', names)).toEqual([['people', 'pets'], 'pe'])
    expect(complete('.mode c', names)).toEqual([[], 'c'])
  })

  test('SQL: tables, columns and keywords, in the case typed', () => {
    expect(complete('SELECT * FROM peo', names)).toEqual([['people'], 'peo'])
    expect(complete('SELECT na', names)).toEqual([['name', 'natural'], 'na'])
    expect(complete('SELECT * FR', names)).toEqual([['FROM'], 'FR'])
    expect(complete('SELECT people.i', names)).toEqual([['people.id'], 'people.i'])
    expect(complete('SELECT ', names)).toEqual([[], ''])
  })
})

describe('history', () => {
  test('size from RAFTLITE_HISTFILESIZE, then RQLITE_HISTFILESIZE, default 100', () => {
    expect(historySize({})).toBe(100)
    expect(historySize({ RQLITE_HISTFILESIZE: '5' })).toBe(5)
    expect(historySize({ RAFTLITE_HISTFILESIZE: '0', RQLITE_HISTFILESIZE: '5' })).toBe(0)
    expect(historySize({ RAFTLITE_HISTFILESIZE: 'lots' })).toBe(100)
  })

  test('a file keeps the newest entries, one a line', () => {
    expect(parseHistory('a\nb\n\nc\n', 2)).toEqual(['b', 'c'])
    expect(formatHistory(['a', 'b', 'c'], 2)).toBe('b\nc\n')
    expect(historyEntry(['SELECT a,', '  b', '', 'FROM t;'])).toBe('SELECT a, b FROM t;')
    expect(addHistory(['a'], 'a', 3)).toEqual(['a'])
    expect(addHistory(['a', 'b', 'c'], 'd', 3)).toEqual(['b', 'c', 'd'])
    expect(addHistory(['a'], 'b', 0)).toEqual(['a'])
  })
})

describe('rendering', () => {
  const text = (t: string) => ({ kind: 'text' as const, text: t })

  test('control characters are shown escaped, never sent to the terminal', () => {
    const lines = renderRows('column', { columns: ['v'], rows: [[text('a\nb\u001b[2J')]] })
    expect(lines).toEqual(['+-------------+', '| v           |', '+-------------+', '| a\\nb\\x1b[2J |', '+-------------+'])
  })

  test('an empty result is a header alone; markdown escapes pipes', () => {
    expect(renderRows('column', { columns: ['a'], rows: [] })).toEqual(['+---+', '| a |', '+---+'])
    expect(renderRows('json', { columns: ['a'], rows: [] })).toEqual(['[]'])
    expect(renderRows('markdown', { columns: ['a|b'], rows: [[text('x')]] })).toEqual(['| a\\|b |', '|------|', '| x    |'])
  })

  test('csv quotes leading or trailing spaces, quotes and line breaks', () => {
    expect(renderRows('csv', { columns: ['a'], rows: [[text(' x')], [text('say "hi"')], [text('1\n2')]] })).toEqual(['a', '" x"', '"say ""hi"""', '"1\n2"'])
  })
})

describe('small helpers', () => {
  test('the nearest command, or none when nothing is close', () => {
    expect(nearestCommand('tabels')).toBe('tables')
    expect(nearestCommand('bakup')).toBe('backup')
    expect(nearestCommand('stat')).toBe('status')
    expect(nearestCommand('xyzzy')).toBeUndefined()
  })

  test('progress: bytes, percentage and rate', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatProgress('backup', 1024 * 1024, 500, 4 * 1024 * 1024)).toBe('backup [######..................]  25% 1.0 MiB / 4.0 MiB  2.0 MiB/s')
    expect(formatProgress('dump', 2048, 1000)).toBe('dump 2.0 KiB  2.0 KiB/s')
  })

  test('JSON as a sorted key: value tree', () => {
    expect(jsonTree(readJson('{"b":{"y":1,"x":[1,{"k":"v"}]},"a":"s","e":{},"n":null}'))).toEqual(['a: s', 'b:', '  x:', '    - 1', '    - k: v', '  y: 1', 'e: {}', 'n: null'])
  })
})
