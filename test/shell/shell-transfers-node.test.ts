// .backup, .restore, .dump, .boot, .reap and .changes piped against real raftlited processes:
// the data that goes out comes back in, the dump loads into Debian's sqlite3, and .changes shows
// a row another client inserts.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { runShellProcess, startShellProcess } from '../support/raftlite-shell.ts'

const nodes: RaftlitedProcess[] = []
let source: RaftlitedProcess
let dir: string

const connect = (node: RaftlitedProcess) => ['-H', '127.0.0.1', '-p', node.httpAddr.split(':')[1]]
const start = async (args: string[] = []) => {
  const node = await startRaftlited({ args })
  nodes.push(node)
  return node
}
const rows = async (node: RaftlitedProcess) => (await runShellProcess([...connect(node), '-e', '.mode csv\nSELECT id, name FROM people ORDER BY id;'])).stdout

beforeAll(async () => {
  dir = tempDataDir('raftlite-shell-real-transfer-')
  source = await start()
  const setup = await runShellProcess(connect(source), [
    'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);',
    `INSERT INTO people(name) VALUES ('fiona'), ('declan, "dec"'), (NULL);`,
    'CREATE TABLE pets (id INTEGER PRIMARY KEY, kind TEXT);',
    `INSERT INTO pets(kind) VALUES ('cat');`,
  ].join('\n'))
  expect(setup.stderr).toBe('')
}, 60_000)

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()))
})

const PEOPLE = 'id,name\n1,fiona\n2,"declan, ""dec"""\n3,\n'

describe('out and back in', () => {
  test('.backup FILE then .restore FILE into a fresh node gives the same rows', async () => {
    const file = join(dir, 'backup.db')
    const backup = await runShellProcess(connect(source), `.backup ${file}\n`)
    expect(backup.stderr).toBe('')
    expect(backup.stdout).toBe('backup file written successfully\n')
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0')

    const fresh = await start()
    const restore = await runShellProcess(connect(fresh), `.restore ${file}\n`)
    expect(restore.stderr).toBe('')
    expect(restore.stdout).toBe('Database restored successfully\n')
    expect(await rows(fresh)).toBe(PEOPLE)
  }, 60_000)

  test('.dump FILE TABLE writes SQL text that Debian\'s sqlite3 loads; only the tables asked for', async () => {
    const file = join(dir, 'dump.sql')
    const dump = await runShellProcess(connect(source), `.dump ${file} people\n`)
    expect(dump.stderr).toBe('')
    expect(dump.stdout).toBe('SQL text file written successfully\n')
    const db = join(dir, 'from-dump.db')
    execFileSync('sqlite3', [db, `.read ${file}`])
    expect(execFileSync('sqlite3', ['-csv', '-header', db, 'SELECT id, name FROM people ORDER BY id;']).toString().replace(/\r\n/g, '\n')).toBe(PEOPLE)
    expect(execFileSync('sqlite3', [db, ".tables"]).toString().trim()).toBe('people')
  })

  test('.restore of a dump (SQL text) into a fresh node gives the same rows; a bad one is refused with SQLite\'s message', async () => {
    const file = join(dir, 'all.sql')
    expect((await runShellProcess(connect(source), `.dump ${file}\n`)).stderr).toBe('')
    const fresh = await start()
    const restore = await runShellProcess(connect(fresh), `.restore ${file}\n`)
    expect(restore.stderr).toBe('')
    expect(restore.stdout).toBe('Database restored successfully\n')
    expect(await rows(fresh)).toBe(PEOPLE)

    const bad = join(dir, 'bad.sql')
    writeFileSync(bad, 'CREATE TABLE later (id INTEGER);\nCREAT TABLE x;\n')
    const refused = await runShellProcess(connect(fresh), `.restore ${bad}\n`)
    expect(refused.stderr).toBe('Error: restore failed: invalid SQL, nothing loaded: near "CREAT": syntax error\n')
    expect(refused.stdout).toBe('')
    expect(refused.code).toBe(1)
    // All or nothing: the good statement before the bad one did not run either.
    expect((await runShellProcess([...connect(fresh), '-e', '.tables'])).stdout).not.toContain('later')
  }, 60_000)

  test('.boot FILE boots a fresh single node from a backup', async () => {
    const file = join(dir, 'boot.db')
    expect((await runShellProcess(connect(source), `.backup ${file}\n`)).stderr).toBe('')
    const fresh = await start()
    const boot = await runShellProcess(connect(fresh), `.boot ${file}\n`)
    expect(boot.stderr).toBe('')
    expect(boot.stdout).toBe('Node booted successfully\n')
    expect(await rows(fresh)).toBe(PEOPLE)
  }, 60_000)
})

test('.reap reports what the node reaped', async () => {
  const run = await runShellProcess(connect(source), '.reap\n')
  expect(run.stderr).toBe('')
  expect(run.stdout).toBe('0 snapshot(s) reaped, 0 WAL(s) checkpointed\n')
  expect(run.code).toBe(0)
})

describe('.changes', () => {
  test('shows an INSERT another client makes, and ends with the shell on SIGINT', async () => {
    const node = await start(['-cdc-config', 'stream'])
    const setup = await runShellProcess(connect(node), 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE other (id INTEGER);\n')
    expect(setup.stderr).toBe('')
    const shell = startShellProcess(connect(node))
    try {
      shell.write('.changes users\n')
      // Another client writes; only the followed table shows.
      const insert = await runShellProcess(connect(node), `INSERT INTO other VALUES (5);\nINSERT INTO users(name) VALUES ('fiona');\n`)
      expect(insert.stderr).toBe('')
      const out = await shell.waitFor('stdout', /INSERT users/)
      expect(out).toMatch(/^\d+ INSERT users \{"id":1,"name":"fiona"\}\n$/)
    } finally {
      expect(await shell.interrupt()).toBe('SIGINT')
    }
    expect(shell.stderr()).toBe('')
  }, 60_000)

  test('against a node without -cdc-config it says the node has no change stream', async () => {
    const run = await runShellProcess(connect(source), '.changes\n')
    expect(run.stderr).toBe('Error: server responded with 503 Service Unavailable: change data capture is not enabled on this node (start it with -cdc-config)\n')
    expect(run.code).toBe(1)
  })
})
