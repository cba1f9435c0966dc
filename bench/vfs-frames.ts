/**
 * `npx tsx bench/vfs-frames.ts [rounds]` — the cost of a key/value upsert in SQLite on disk, as
 * CPU time per statement (load-independent), A/B between environment sets in alternating child
 * processes: `-- "SWITCH=old" "SWITCH=new"` (a temporary switch in the code under test). The
 * child (`child` argument) applies 3,000 autocommit upserts over 1,000 keys, as a replica
 * applies single-statement writes.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeFilePort } from '../runtimes/node/fs-file-port.ts'
import { Connection } from '../src/sqlite/connection.ts'
import { loadSqlite } from '../src/sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../src/sqlite/vfs.ts'

if (process.argv[2] === 'child') {
  const dir = mkdtempSync(join(tmpdir(), 'vfs-frames-'))
  const sqlite3 = await loadSqlite()
  const vfs = new RaftliteVfs(sqlite3, 'bench', { files: new NodeFilePort() })
  const path = join(dir, 'db.sqlite')
  vfs.own(path)
  const db = Connection.open(sqlite3, path, { readOnly: false, vfs: vfs.name, fileRefusal: () => vfs.takeRefusal() })
  db.exec('PRAGMA journal_mode=WAL')
  db.exec('PRAGMA synchronous=OFF')
  db.exec('PRAGMA wal_autocheckpoint=0')
  db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)')
  const upsert = (i: number) => db.exec(`INSERT OR REPLACE INTO kv VALUES ('key-${i % 1000}', '${String(i).padEnd(128, 'v')}')`)
  for (let i = 0; i < 1000; i++) upsert(i)
  const n = 3000
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) upsert(i)
  const c = process.cpuUsage(c0)
  db.close()
  rmSync(dir, { recursive: true, force: true })
  console.log(JSON.stringify({ userUs: c.user / n, systemUs: c.system / n }))
} else {
  const sep = process.argv.indexOf('--')
  const rounds = Number(process.argv[2] && sep !== 2 ? process.argv[2] : 5)
  const sets = process.argv.slice(sep + 1)
  const got = new Map<string, number[]>()
  for (let r = 0; r < rounds; r++) {
    for (const set of sets) {
      const env = { ...process.env, ...Object.fromEntries(set.split(/\s+/).filter(Boolean).map((kv) => kv.split('='))) }
      const script = env.ROOT ? join(env.ROOT, 'bench/vfs-frames.ts') : import.meta.filename
      const out = spawnSync(process.execPath, ['--import', 'tsx', script, 'child'], { env, encoding: 'utf8' })
      const { userUs, systemUs } = JSON.parse(out.stdout.trim().split('\n').at(-1)!)
      console.log(`round ${r + 1} [${set}]: ${userUs.toFixed(1)} µs user + ${systemUs.toFixed(1)} µs system per upsert`)
      got.set(set, [...(got.get(set) ?? []), userUs + systemUs])
    }
  }
  for (const [set, xs] of got) console.log(`median [${set}]: ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1)} µs CPU per upsert`)
}
