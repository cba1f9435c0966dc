// The shell in a real terminal (tmux), typed at as a person would, against a real raftlited:
// connecting, tables and errors, multi-line input, history across restarts, Ctrl-C, Ctrl-D,
// tab completion, .tables/.schema, and $PAGER for long results.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { shellCommand } from '../support/raftlite-shell.ts'
import type { Runtime } from '../support/raftlited-process.ts'
import { Terminal } from '../support/tmux.ts'

let node: RaftlitedProcess
let home: string
const open: Terminal[] = []

beforeAll(async () => {
  node = await startRaftlited()
})

afterAll(async () => {
  await node?.stop()
})

afterEach(() => {
  for (const t of open.splice(0)) t.close()
})

const prompt = () => `${node.httpAddr}> `

/** Starts the shell in a fresh terminal and waits for its first prompt. */
async function startShell(env: Record<string, string> = {}, extra: string[] = [], size: { columns?: number; rows?: number } = {}): Promise<Terminal> {
  const [cmd, args] = shellCommand('node')
  const terminal = new Terminal([cmd, ...args, '-H', '127.0.0.1', '-p', node.httpAddr.split(':')[1], ...extra], { env: { HOME: home, ...env }, ...size })
  open.push(terminal)
  await terminal.waitFor(new RegExp(`${escape(prompt().trimEnd())}$`))
  return terminal
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

test('connects, shows a query as a table and an error', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const t = await startShell()
  expect(t.screen()).toContain(`Welcome to the raftlite shell.\nEnter ".help" for usage hints.\nConnected to ${node.url} running version v`)
  t.line('CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);')
  await t.waitFor(/0 row affected\n.*>$/)
  t.line(`INSERT INTO people(name) VALUES ('fiona'), ('declan');`)
  await t.waitFor(/2 rows affected\n.*>$/)
  t.line('SELECT * FROM people;')
  await t.waitFor(/\+----\+--------\+\n\| id \| name   \|\n\+----\+--------\+\n\| 1  \| fiona  \|\n\| 2  \| declan \|\n\+----\+--------\+\n.*>$/)
  t.line('SELECT * FROM nobody;')
  await t.waitFor(/Error: no such table: nobody\n.*>$/)
})

test('a statement runs over several lines until ";", and comes back from history after a restart', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const first = await startShell()
  first.line('SELECT name')
  await first.waitFor(/ +\.\.\.>$/)
  first.line('FROM people')
  first.line('WHERE id = 2;')
  await first.waitFor(/\| declan \|\n\+--------\+\n.*>$/)
  first.line('.mode csv')
  first.press('C-d')
  await first.waitFor(/bye~$/m)
  expect(readFileSync(join(home, '.raftlite_history'), 'utf8')).toBe('SELECT name FROM people WHERE id = 2;\n.mode csv\n')

  // A new session: Up twice recalls the whole statement typed over three lines.
  const second = await startShell()
  second.press('Up', 'Up')
  await second.waitFor(/> SELECT name FROM people WHERE id = 2;$/)
  second.press('Enter')
  await second.waitFor(/\| declan \|\n\+--------\+\n.*>$/)
})

test('the history file keeps RAFTLITE_HISTFILESIZE entries; 0 keeps none', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const t = await startShell({ RAFTLITE_HISTFILESIZE: '2' })
  for (const n of [1, 2, 3]) {
    t.line(`SELECT ${n} AS n;`)
    await t.waitFor(new RegExp(`\\| ${n} +\\|\\n\\+---\\+\\n.*>$`))
  }
  expect(readFileSync(join(home, '.raftlite_history'), 'utf8')).toBe('SELECT 2 AS n;\nSELECT 3 AS n;\n')
  t.close()

  const none = tempDataDir('raftlite-shell-home-')
  home = none
  const off = await startShell({ RAFTLITE_HISTFILESIZE: '0' })
  off.line('SELECT 4 AS n;')
  await off.waitFor(/\| 4 +\|\n\+---\+\n.*>$/)
  expect(existsSync(join(none, '.raftlite_history'))).toBe(false)
})

test('Ctrl-C cancels a running query; on a line being typed it drops the line; Ctrl-D exits', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const t = await startShell()
  t.line('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000000) SELECT count(*) AS n FROM c;')
  await new Promise((r) => setTimeout(r, 300))
  t.press('C-c')
  await t.waitFor(/Error: interrupted\n.*>$/)
  // The next statement runs once the node is done; the cancelled count is never printed.
  t.line(`SELECT 'after' AS a;`)
  await t.waitFor(/\| after \|\n\+-------\+\n.*>$/, 30_000)
  expect(t.screen()).not.toContain('5000000 |')

  t.type('SELECT half a state')
  t.press('C-c')
  await t.waitFor(/SELECT half a state\^C\n.*>$/)
  t.line('SELECT 9 AS n;')
  await t.waitFor(/\| 9 \|\n\+---\+\n.*>$/)

  // A statement left open over lines is dropped whole by Ctrl-C.
  t.line('SELECT 8')
  await t.waitFor(/\.\.\.>$/)
  t.press('C-c')
  await t.waitFor(new RegExp(`\\^C\\n${escape(prompt().trimEnd())}$`))
  t.line('AS oops;')
  await t.waitFor(/Error: near "AS": syntax error\n.*>$/)

  // Ctrl-D never runs half a statement: this DELETE has no WHERE yet.
  t.line('DELETE FROM people')
  await t.waitFor(/\.\.\.>$/)
  t.press('C-d')
  await t.waitFor(/\(an unfinished statement was not run\)\nbye~$/m)
  const count = await (await fetch(`${node.url}/db/query?q=${encodeURIComponent('SELECT count(*) FROM people')}`)).json()
  expect(count.results[0].values).toEqual([[2]])
})

test('lines typed while a statement runs are kept, in order, cursor and all', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const t = await startShell()
  t.line('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 300000) SELECT count(*) AS n FROM c;')
  // Half a line typed while the count runs; the rest after its result and the new prompt.
  t.type(`SELECT 'typed`)
  await t.waitFor(/\| 300000 \|\n\+--------\+\n.*> SELECT 'typed$/, 30_000)
  t.line(` ahead' AS t;`)
  await t.waitFor(/\| typed ahead \|\n\+-------------\+\n.*>$/)
  expect(t.screen()).not.toContain('Error')
})

test('Tab completes table names, column names and dot-commands; .tables and .schema', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const t = await startShell()
  // "nam": "na" would also offer NATURAL, and a Tab then completes nothing.
  t.type('SELECT nam')
  t.press('Tab')
  await t.waitFor(/> SELECT name$/)
  t.type(' FROM peo')
  t.press('Tab')
  await t.waitFor(/> SELECT name FROM people$/)
  t.line(' WHERE id = 1;')
  await t.waitFor(/\| fiona \|\n\+-------\+\n.*>$/)

  t.type('.tab')
  t.press('Tab')
  await t.waitFor(/> \.tables$/)
  t.press('Enter')
  await t.waitFor(/\| name   \|\n\+--------\+\n\| people \|\n\+--------\+\n.*>$/)
  t.type('.sch')
  t.press('Tab')
  t.type(' pe')
  t.press('Tab')
  await t.waitFor(/> \.schema people$/)
  t.press('Enter')
  await t.waitFor(/\| CREATE TABLE people \(id INTEGER PRIMARY KEY, name TEXT\) \|\n\+-+\+\n.*>$/)
})

test('a result taller than the terminal goes through $PAGER', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const paged = join(home, 'paged.txt')
  const pager = join(home, 'pager.sh')
  writeFileSync(pager, `#!/bin/sh\ncat > '${paged}'\n`, { mode: 0o755 })
  const t = await startShell({ PAGER: pager }, [], { rows: 12 })
  t.line('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 30) SELECT x FROM c;')
  await t.waitFor(/>$/)
  const deadline = Date.now() + 10_000
  while (!existsSync(paged) || !readFileSync(paged, 'utf8').includes('| 30 |')) {
    if (Date.now() > deadline) throw new Error(`nothing paged; the terminal shows:\n${t.screen()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  expect(readFileSync(paged, 'utf8').split('\n')).toHaveLength(30 + 5)
  // A short result prints in place.
  t.line('SELECT 1 AS one;')
  await t.waitFor(/\| one \|\n\+-----\+\n\| 1   \|\n\+-----\+\n.*>$/)
})

test('a $PAGER that cannot run does not lose the result', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const t = await startShell({ PAGER: join(home, 'no-such-pager') }, [], { rows: 12 })
  t.line('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 30) SELECT x FROM c;')
  await t.waitFor(/\| 29 \|\n\| 30 \|\n\+----\+\n.*>$/)
})

test('Home and End move to the ends of the line; Down walks back through history', async () => {
  home = tempDataDir('raftlite-shell-home-')
  const t = await startShell()
  t.type('41 + 1 AS n')
  t.press('Home')
  t.type('SELECT ')
  t.press('End')
  t.line(';')
  await t.waitFor(/\| 42 \|\n\+----\+\n.*>$/)
  t.line('SELECT 7 AS n;')
  await t.waitFor(/\| 7 \|\n\+---\+\n.*>$/)
  t.press('Up', 'Up')
  await t.waitFor(/> SELECT 41 \+ 1 AS n;$/)
  t.press('Down')
  await t.waitFor(/> SELECT 7 AS n;$/)
})

test.each<Runtime>(['deno', 'bun'])('on %s the terminal works the same: a table, Ctrl-C on a line, Ctrl-D', async (runtime) => {
  home = tempDataDir('raftlite-shell-home-')
  const [cmd, args] = shellCommand(runtime)
  const t = new Terminal([cmd, ...args, '-p', node.httpAddr.split(':')[1]], { env: { HOME: home } })
  open.push(t)
  await t.waitFor(new RegExp(`${escape(prompt().trimEnd())}$`), 20_000)
  t.line('SELECT 41 + 1 AS n;')
  await t.waitFor(/\| 42 \|\n\+----\+\n.*>$/)
  t.type('SELECT 2')
  t.press('C-c')
  await t.waitFor(/SELECT 2\^C\n.*>$/)
  t.press('C-d')
  await t.waitFor(/bye~$/m)
  expect(readFileSync(join(home, '.raftlite_history'), 'utf8')).toBe('SELECT 41 + 1 AS n;\n')
}, 40_000)
