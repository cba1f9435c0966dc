// The shell used from scripts: statements piped on standard input and -e, against a real
// raftlited process. Output formats, exit status, errors, host selection by option and env.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { freePort } from '../support/free-port.ts'
import { runShellProcess } from '../support/raftlite-shell.ts'

let node: RaftlitedProcess
let port: string
const connect = () => ['-H', '127.0.0.1', '-p', port]

beforeAll(async () => {
  node = await startRaftlited()
  port = node.httpAddr.split(':')[1]
  const setup = await runShellProcess(connect(), [
    'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, score REAL);',
    `INSERT INTO people(name, age, score) VALUES ('fiona', 20, 1.5), ('declan, "dec"', NULL, 9223372036854775807);`,
  ].join('\n'))
  expect(setup.stderr).toBe('')
  expect(setup.stdout).toBe('0 row affected\n2 rows affected\n')
  expect(setup.code).toBe(0)
})

afterAll(async () => {
  await node?.stop()
})

const select = 'SELECT id, name, age FROM people ORDER BY id;'

describe('output modes', () => {
  test('column (the default): a ruled table, NULL spelled out', async () => {
    const run = await runShellProcess(connect(), select)
    expect(run.stdout).toBe(
      [
        '+----+---------------+------+',
        '| id | name          | age  |',
        '+----+---------------+------+',
        '| 1  | fiona         | 20   |',
        '| 2  | declan, "dec" | NULL |',
        '+----+---------------+------+',
        '',
      ].join('\n'),
    )
    expect(run.code).toBe(0)
  })

  test('csv quotes what needs quoting and leaves NULL empty', async () => {
    const run = await runShellProcess(connect(), `.mode csv\n${select}`)
    expect(run.stdout).toBe('id,name,age\n1,fiona,20\n2,"declan, ""dec""",\n')
  })

  test('json keeps int64 exact', async () => {
    const run = await runShellProcess(connect(), '.mode json\nSELECT id, score, 9223372036854775807 AS big, name FROM people ORDER BY id;')
    expect(JSON.parse(run.stdout.replace(/9223372036854775807/g, '"big"'))).toEqual([
      { id: 1, score: 1.5, big: 'big', name: 'fiona' },
      { id: 2, score: 9223372036854775807, big: 'big', name: 'declan, "dec"' },
    ])
    expect(run.stdout).toContain('"big":9223372036854775807,')
  })

  test('line: name = value, a blank line between rows', async () => {
    const run = await runShellProcess(connect(), `.mode line\n${select}`)
    expect(run.stdout).toBe('  id = 1\nname = fiona\n age = 20\n\n  id = 2\nname = declan, "dec"\n age = NULL\n')
  })

  test('markdown', async () => {
    const run = await runShellProcess(connect(), `.mode markdown\n${select}`)
    expect(run.stdout).toBe(['| id  | name          | age  |', '|-----|---------------|------|', '| 1   | fiona         | 20   |', '| 2   | declan, "dec" | NULL |', ''].join('\n'))
  })

  test('an unknown mode is refused with the list of modes', async () => {
    const run = await runShellProcess(connect(), '.mode xml\n')
    expect(run.stderr).toBe('Error: unknown mode "xml": use column, csv, json, line, markdown\n')
    expect(run.code).toBe(1)
  })
})

describe('statements', () => {
  test('a statement may span lines until ";", and several may share a line', async () => {
    const run = await runShellProcess(connect(), `SELECT\n  name\nFROM people\nWHERE id = 1;  SELECT 'a;b' AS s; SELECT 2 AS n;\n`)
    expect(run.stdout).toBe('+-------+\n| name  |\n+-------+\n| fiona |\n+-------+\n+-----+\n| s   |\n+-----+\n| a;b |\n+-----+\n+---+\n| n |\n+---+\n| 2 |\n+---+\n')
  })

  test('a trigger body keeps its semicolons', async () => {
    const run = await runShellProcess(
      connect(),
      ['CREATE TABLE audit (n INTEGER);', 'CREATE TRIGGER t AFTER INSERT ON people BEGIN', '  INSERT INTO audit VALUES (1);', '  INSERT INTO audit VALUES (2);', 'END;', `INSERT INTO people(name) VALUES ('x');`, 'SELECT count(*) AS c FROM audit;', 'DROP TRIGGER t;', `DELETE FROM people WHERE name = 'x';`, 'DROP TABLE audit;'].join('\n'),
    )
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('| 2 |')
  })

  test('the last statement runs without ";" at the end of input', async () => {
    const run = await runShellProcess(connect(), 'SELECT 7 AS n')
    expect(run.stdout).toContain('| 7 |')
  })

  test('errors print as "Error: …" and make the exit status 1; the script goes on', async () => {
    const run = await runShellProcess(connect(), 'SELECT * FROM nope;\nSELECT 1 AS one;\n')
    expect(run.stderr).toBe('Error: no such table: nope\n')
    expect(run.stdout).toContain('| one |')
    expect(run.code).toBe(1)
  })

  test('a request-level error (a refused pragma) is an error too', async () => {
    const run = await runShellProcess(connect(), 'PRAGMA journal_mode=DELETE;\n')
    expect(run.stderr).toBe('Error: disallowed pragma\n')
    expect(run.code).toBe(1)
  })

  test('.timer on adds the time of writes and reads', async () => {
    const run = await runShellProcess(connect(), `.timer on\nUPDATE people SET age = 21 WHERE id = 1;\nSELECT 1 AS x;\n`)
    expect(run.stdout).toMatch(/^1 row affected \(\d+\.\d{6} sec\)\n/)
    expect(run.stdout).toMatch(/Run Time: \d+\.\d{6} seconds\n$/)
  })

  test('-e runs one statement or dot-command and exits', async () => {
    const ok = await runShellProcess([...connect(), '-e', 'SELECT name FROM people WHERE id = 1', '-e', '.mode csv', '-e', 'SELECT 3 AS n'])
    expect(ok.stdout).toBe('+-------+\n| name  |\n+-------+\n| fiona |\n+-------+\nn\n3\n')
    expect(ok.code).toBe(0)
    const bad = await runShellProcess([...connect(), '--execute=SELEC 1'])
    expect(bad.stderr).toBe('Error: near "SELEC": syntax error\n')
    expect(bad.code).toBe(1)
  })

  test('.read runs a file; .output sends results to a file', async () => {
    const dir = tempDataDir('raftlite-shell-')
    const script = join(dir, 'script.sql')
    const out = join(dir, 'out.txt')
    writeFileSync(script, '.mode csv\nSELECT name FROM people WHERE id = 1;\n')
    const run = await runShellProcess(connect(), `.output ${out}\n.read ${script}\n.output\nSELECT 5 AS n;\n`)
    expect(run.stdout).toBe('n\n5\n')
    const { readFileSync } = await import('node:fs')
    expect(readFileSync(out, 'utf8')).toBe('name\nfiona\n')
  })

  test('a .read of a file that reads itself stops with an error', async () => {
    const dir = tempDataDir('raftlite-shell-')
    const script = join(dir, 'loop.sql')
    writeFileSync(script, `SELECT 1 AS once;\n.read ${script}\n`)
    const run = await runShellProcess(connect(), `.read ${script}\n`)
    expect(run.stderr).toBe('Error: .read nested more than 16 deep\n')
    expect(run.stdout.match(/\| once \|/g)).toHaveLength(16)
    expect(run.code).toBe(1)
  })

  test('a statement typed before .read is not continued by the file', async () => {
    const dir = tempDataDir('raftlite-shell-')
    const script = join(dir, 'one.sql')
    writeFileSync(script, 'SELECT 2 AS two;\n')
    const run = await runShellProcess(connect(), `.read ${script}\nSELECT 3\nAS three;\n`)
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('| two |')
    expect(run.stdout).toContain('| three |')
  })

  test('exit stops reading input', async () => {
    const run = await runShellProcess(connect(), 'SELECT 1 AS a;\n.exit\nSELECT * FROM nope;\n')
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
  })
})

describe('connecting', () => {
  test('RAFTLITE_HOST and RQLITE_HOST name the node; -H/-p win over them', async () => {
    const viaEnv = await runShellProcess(['-e', 'SELECT 1 AS a'], '', { env: { RAFTLITE_HOST: `http://127.0.0.1:${port}` } })
    expect(viaEnv.stdout).toContain('| 1 |')
    const viaRqlite = await runShellProcess(['-e', 'SELECT 1 AS a'], '', { env: { RQLITE_HOST: `127.0.0.1:${port}` } })
    expect(viaRqlite.stdout).toContain('| 1 |')
    const overridden = await runShellProcess([...connect(), '-e', 'SELECT 1 AS a'], '', { env: { RAFTLITE_HOST: `127.0.0.1:${await freePort()}` } })
    expect(overridden.code).toBe(0)
  })

  test('an unreachable node is an error naming it, exit status 1', async () => {
    const unused = await freePort()
    const run = await runShellProcess(['-p', String(unused), '-e', 'SELECT 1'])
    expect(run.stderr).toBe(`Error: cannot reach 127.0.0.1:${unused}: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${unused})\n`)
    expect(run.code).toBe(1)
  })

  test('a bad command line exits 2 with usage; -h and -v exit 0', async () => {
    const bad = await runShellProcess(['-p', 'abc'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('Error: invalid port "abc"')
    expect(bad.stderr).toContain('Usage: raftlite [options]')
    const help = await runShellProcess(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('-a, --alternatives')
    const version = await runShellProcess(['-v'])
    expect(version.stdout).toMatch(/^raftlite \d+\.\d+\.\d+\n$/)
  })
})
