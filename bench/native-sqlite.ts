/**
 * The ceiling: the same statements on native SQLite (better-sqlite3) in-process, WAL with
 * synchronous=FULL so each commit is fsynced as raftlite's are.
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'

export interface NativeResult {
  ops: number
  seconds: number
  opsPerSecond: number
}

export function nativeInserts(dir: string, seconds: number, maxOps: number): NativeResult {
  const db = new Database(join(dir, 'native.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec('CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)')
  const insert = db.prepare('INSERT INTO bench(name, value) VALUES (?, ?)')
  const started = performance.now()
  const deadline = started + seconds * 1000
  let ops = 0
  while (ops < maxOps && performance.now() < deadline) insert.run(`name-${ops}`, ops++)
  const elapsed = (performance.now() - started) / 1000
  db.close()
  return { ops, seconds: elapsed, opsPerSecond: ops / elapsed }
}

export function nativePointSelects(dir: string, seconds: number, maxOps: number, rows: number): NativeResult {
  const db = new Database(join(dir, 'native.sqlite'))
  const select = db.prepare('SELECT * FROM bench WHERE id = ?')
  const started = performance.now()
  const deadline = started + seconds * 1000
  let ops = 0
  while (ops < maxOps && performance.now() < deadline) select.get((ops++ % rows) + 1)
  const elapsed = (performance.now() - started) / 1000
  db.close()
  return { ops, seconds: elapsed, opsPerSecond: ops / elapsed }
}
