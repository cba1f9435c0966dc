// The shell runs on Deno and Bun as on Node: a piped session against a real node, its output
// and its exit status.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RaftlitedProcess, type Runtime, startRaftlited } from '../support/raftlited-process.ts'
import { runShellProcess } from '../support/raftlite-shell.ts'

let node: RaftlitedProcess

beforeAll(async () => {
  node = await startRaftlited()
})

afterAll(async () => {
  await node?.stop()
})

const session = (table: string) =>
  [`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, v TEXT);`, `INSERT INTO ${table}(v) VALUES ('a'), ('b');`, '.mode csv', `SELECT v FROM ${table} ORDER BY id;`, 'SELECT * FROM missing;'].join('\n')

describe.each<Runtime>(['node', 'deno', 'bun'])('on %s', (runtime) => {
  test('a piped session prints results, reports errors and exits 1', async () => {
    const run = await runShellProcess(['-H', '127.0.0.1', '-p', node.httpAddr.split(':')[1]], session(`t_${runtime}`), { runtime, timeoutMs: 25_000 })
    // CREATE reports the write connection's last change count, as rqlite does (compat doc §1.3).
    expect(run.stdout).toMatch(/^\d+ rows? affected\n2 rows affected\nv\na\nb\n$/)
    expect(run.stderr).toBe('Error: no such table: missing\n')
    expect(run.code).toBe(1)
  })

  test('-e with RAFTLITE_HOST exits 0 on success', async () => {
    const run = await runShellProcess(['-e', 'SELECT 40 + 2 AS n'], '', { runtime, env: { RAFTLITE_HOST: node.url } })
    expect(run.stdout).toBe('+----+\n| n  |\n+----+\n| 42 |\n+----+\n')
    expect(run.code).toBe(0)
  })
})
