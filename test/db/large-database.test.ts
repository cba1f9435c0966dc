// A database larger than the 2 GiB WASM heap, written and read back through the VFS.
// Takes about a minute and writes ~2.2 GB to the temp dir, so it runs only when asked:
//   RAFTLITE_LARGE_TEST=1 npx vitest run test/db/large-database.test.ts
import { rmSync, statSync } from 'node:fs'
import { expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { NodeFilePort } from '../../runtimes/node/fs-file-port.ts'
import { tempDataDir } from '../support/raftlited-process.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'

const CHUNK = 64 * 1024 * 1024
const CHUNKS = 35 // 2.24 GiB of row data

test.runIf(process.env.RAFTLITE_LARGE_TEST === '1')('a database over 2 GiB works through the VFS', async () => {
  const dir = tempDataDir('raftlite-large-')
  const path = `${dir}/db.sqlite`
  const db = await Database.open({ files: new NodeFilePort(), path, synchronous: 'off', checkpointWalBytes: 256 * 1024 * 1024 })
  const write = (sql: string, positional: WriteBatch['statements'][number]['positional'] = []): void => {
    const [r] = db.applyBatch({ statements: [{ sql, positional, named: null }], timestampMs: 0, seed: 1n, transaction: false, mode: 'execute', timeoutMs: 0 })
    expect(r.kind, JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v))).toBe('exec')
  }
  try {
    write('CREATE TABLE big (id INTEGER PRIMARY KEY, chunk BLOB)')
    for (let i = 0; i < CHUNKS; i++) write('INSERT INTO big(chunk) VALUES (randomblob(?))', [BigInt(CHUNK)])
    write("INSERT INTO big(chunk) VALUES (x'cafe')") // a row beyond the 2 GiB mark
    db.checkpoint()
    expect(statSync(path).size).toBeGreaterThan(2 ** 31 + 2 ** 26)
    const [count] = db.query([{ sql: 'SELECT count(*), sum(length(chunk)) FROM big', positional: [], named: null }])
    expect(count).toMatchObject({ kind: 'rows', rows: { rows: [[BigInt(CHUNKS + 1), BigInt(CHUNKS * CHUNK + 2)]] } })
    const [last] = db.query([{ sql: 'SELECT hex(chunk) FROM big ORDER BY id DESC LIMIT 1', positional: [], named: null }])
    expect(last).toMatchObject({ rows: { rows: [['CAFE']] } })
    const [check] = db.query([{ sql: 'PRAGMA quick_check', positional: [], named: null }])
    expect(check).toMatchObject({ rows: { rows: [['ok']] } })
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}, 600_000)
