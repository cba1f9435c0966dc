// Property: whatever SQL a client sends that names a file (ATTACH, VACUUM INTO; quoted every
// way, built by expressions, bound, as URIs; with comments, odd case, schema prefixes, `;`
// chains), no file appears outside the data directory, nor a stray one inside it.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { Gen, fileNamingStatement } from '../support/sql-forms.ts'

const SEED = Number(process.env.RAFTLITE_SQL_SEED ?? 25_2025)
const STATEMENTS = 200
const TIME_LIMIT_MS = 40_000
const RELATIVE = `raftlite-escape-p${process.pid}-`
const ENDPOINTS = ['/db/execute', '/db/request', '/db/query']
let node: RaftlitedProcess
let outside: string

beforeAll(async () => {
  node = await startRaftlited()
  outside = tempDataDir('raftlite-outside-')
})

afterAll(async () => {
  await node?.stop()
  for (const name of readdirSync(ROOT)) if (name.startsWith(RELATIVE)) rmSync(join(ROOT, name), { force: true })
})

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

test(`generated file-naming SQL never creates a file (seed ${SEED})`, { timeout: TIME_LIMIT_MS + 20_000 }, async () => {
  const g = new Gen(SEED)
  const dataBefore = new Set(filesBelow(node.dataDir))
  const deadline = Date.now() + TIME_LIMIT_MS
  await fetch(`${node.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE t (x)"]' })
  let sent = 0
  for (let i = 0; i < STATEMENTS && Date.now() < deadline; i++) {
    const target = g.pick([
      `${outside}/p${i}.db`,
      `${outside}/sub/../p${i}.db`,
      `${RELATIVE}${i}.db`,
      `./${RELATIVE}${i}.db`,
      `${node.dataDir}/p${i}.db`,
      `${node.dataDir}/db.sqlite-p${i}`,
    ])
    const { sql, params } = fileNamingStatement(g, target)
    const endpoint = g.pick(ENDPOINTS)
    const res = await fetch(`${node.url}${endpoint}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([params.length > 0 ? [sql, ...params] : sql]),
    })
    const text = await res.text()
    const context = `seed ${SEED}, #${i}: ${endpoint} ${JSON.stringify(sql)} ${JSON.stringify(params)} -> ${res.status} ${text}`
    expect(res.status, context).toBe(200)
    expect(text, context).toContain('"error":')
    expect(existsSync(target.startsWith('/') ? target : join(ROOT, target)), context).toBe(false)
    sent++
  }
  expect(sent).toBeGreaterThan(0)
  expect(filesBelow(outside)).toEqual([])
  expect(readdirSync(ROOT).filter((n) => n.startsWith(RELATIVE))).toEqual([])
  // Inside the data directory only the node's own files, old or new: nothing named by the SQL.
  const strays = filesBelow(node.dataDir).filter((p) => !dataBefore.has(p) && /p\d+/.test(p.slice(node.dataDir.length)))
  expect(strays).toEqual([])
})
