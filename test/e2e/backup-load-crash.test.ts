// kill -9 in the middle of a backup, a load and a boot: the node restarts consistent (the old
// data or the new, never a mix; integrity intact), leaves no stray files, and works again.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, expect, test } from 'vitest'
import { type RaftlitedProcess, restartRaftlited, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

const procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs.splice(0)) await p.stop('SIGKILL')
})

const ROWS = 8000
let big: Uint8Array

beforeAll(() => {
  // About 16 MiB: sixteen chunks through the log, long enough to be killed half way.
  const file = join(tempDataDir('raftlite-bigfile-'), 'big.db')
  execFileSync('sqlite3', [file], { input: `CREATE TABLE big (id INTEGER PRIMARY KEY, pad BLOB); WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${ROWS}) INSERT INTO big SELECT i, randomblob(2000) FROM s;` })
  big = new Uint8Array(readFileSync(file))
})

async function query(url: string, sql: string): Promise<unknown[][]> {
  const res = await fetch(`${url}/db/query?q=${encodeURIComponent(sql)}`)
  const json = JSON.parse(await res.text())
  if (json.results[0].error) return [[json.results[0].error]]
  return json.results[0].values ?? []
}

async function execute(url: string, ...sql: string[]): Promise<void> {
  const res = await fetch(`${url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(sql) })
  expect(res.status).toBe(200)
}

/** Which data the node holds: 'old', 'new', or a description of anything else. */
async function state(url: string): Promise<string> {
  expect(await query(url, 'PRAGMA integrity_check')).toEqual([['ok']])
  const tables = (await query(url, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_raftlite\\_%' ESCAPE '\\' ORDER BY name")).map(([n]) => n)
  if (tables.join() === 'old' && (await query(url, 'SELECT count(*) FROM old'))[0][0] === 100) return 'old'
  if (tables.join() === 'big' && (await query(url, 'SELECT count(*) FROM big'))[0][0] === ROWS) return 'new'
  if (tables.length === 0) return 'empty'
  return `mixed: ${tables.join()}`
}

function strayFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((n) => /-(upload|backup)-\d+|-load$/.test(n))
}

async function appliedIndex(url: string): Promise<number> {
  return JSON.parse(await (await fetch(`${url}/status`)).text()).store.raft.applied_index
}

/** Kills the node after `afterMs`, or once `chunks` more log entries are applied (mid-load). */
async function killDuring(proc: RaftlitedProcess, work: Promise<unknown>, afterMs: number, chunks = 0): Promise<RaftlitedProcess> {
  if (chunks > 0) {
    const start = await appliedIndex(proc.url)
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && (await appliedIndex(proc.url)) < start + chunks) await new Promise((r) => setTimeout(r, 5))
  } else {
    await new Promise((r) => setTimeout(r, afterMs))
  }
  proc.child.kill('SIGKILL')
  await work.catch(() => {})
  await proc.stop('SIGKILL')
  const again = await restartRaftlited(proc)
  procs.push(again)
  return again
}

test.each([
  [150, 0],
  [0, 4],
  [0, 12],
])('kill -9 %i ms / %i chunks into a load: the old data or the new, never a mix; loading again works', async (afterMs, chunks) => {
  let proc = await startRaftlited({ dataDir: tempDataDir() })
  procs.push(proc)
  await execute(proc.url, 'CREATE TABLE old (n)', 'WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100) INSERT INTO old SELECT i FROM s')
  const loading = fetch(`${proc.url}/db/load`, { method: 'POST', body: Buffer.from(big) })
  proc = await killDuring(proc, loading, afterMs, chunks)
  const after = await state(proc.url)
  expect(['old', 'new']).toContain(after)
  if (chunks > 0 && chunks <= 4) expect(after).toBe('old') // killed with chunks staged, well before the commit
  expect(strayFiles(proc.dataDir)).toEqual([])
  const res = await fetch(`${proc.url}/db/load`, { method: 'POST', body: Buffer.from(big) })
  expect(res.status, await res.text()).toBe(200)
  expect(await state(proc.url)).toBe('new')
}, 120_000)

test.each([150, 900])('kill -9 %i ms into a boot: empty or booted; booting again works and survives a restart', async (afterMs) => {
  let proc = await startRaftlited({ dataDir: tempDataDir() })
  procs.push(proc)
  const booting = fetch(`${proc.url}/boot`, { method: 'POST', body: Buffer.from(big) })
  proc = await killDuring(proc, booting, afterMs)
  expect(['empty', 'new']).toContain(await state(proc.url))
  const res = await fetch(`${proc.url}/boot`, { method: 'POST', body: Buffer.from(big) })
  expect(res.status, await res.text()).toBe(200)
  expect(await state(proc.url)).toBe('new')
  await proc.stop('SIGKILL')
  proc = await restartRaftlited(proc)
  procs.push(proc)
  expect(await state(proc.url)).toBe('new')
}, 120_000)

test('kill -9 during a backup download (and a vacuumed one): the data is intact and backups work again', async () => {
  let proc = await startRaftlited({ dataDir: tempDataDir() })
  procs.push(proc)
  expect((await fetch(`${proc.url}/boot`, { method: 'POST', body: Buffer.from(big) })).status).toBe(200)
  for (const query of ['', '?vacuum', '?fmt=sql']) {
    const res = await fetch(`${proc.url}/db/backup${query}`)
    const reader = res.body!.getReader()
    await reader.read() // the first piece arrived: the backup is under way
    proc.child.kill('SIGKILL')
    await reader.read().catch(() => {})
    await proc.stop('SIGKILL')
    proc = await restartRaftlited(proc)
    procs.push(proc)
    expect(await state(proc.url)).toBe('new')
    expect(strayFiles(proc.dataDir)).toEqual([])
  }
  const file = join(proc.dataDir, '..', `${proc.dataDir.split('/').pop()}-backup.db`)
  writeFileSync(file, new Uint8Array(await (await fetch(`${proc.url}/db/backup`)).arrayBuffer()))
  expect(execFileSync('sqlite3', [file, 'PRAGMA integrity_check; SELECT count(*) FROM big']).toString()).toBe(`ok\n${ROWS}\n`)
  rmSync(file)
}, 120_000)
