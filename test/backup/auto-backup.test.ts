// Automatic backups to a real S3-compatible server (s3rver, its own process) and to files, and
// auto-restore from them: upload only on change, only by the leader, no re-upload after a
// leader change, restore on an empty node only, corrupt or truncated objects refused.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { AutoBackup } from '../../src/backup/auto-backup.ts'
import { autoRestore } from '../../src/backup/auto-restore.ts'
import { type AutoBackupConfig, parseAutoBackupConfig, parseAutoRestoreConfig } from '../../src/backup/backup-config.ts'
import { FileTarget } from '../../src/backup/file-target.ts'
import { S3Target } from '../../src/backup/s3-target.ts'
import { Logger, MemoryLogSink } from '../../src/observe/logger.ts'
import { NodeFilePort } from '../../runtimes/node/fs-file-port.ts'
import { startTestNode, type TestNode, until } from '../cluster/in-process-cluster.ts'
import { S3RVER_KEYS, type S3rverProcess, startS3rver } from '../support/s3rver-process.ts'

let s3: S3rverProcess
const nodes: TestNode[] = []
const dir = mkdtempSync(join(tmpdir(), 'raftlite-autobackup-'))

const s3Config = (path: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 1, type: 's3', interval: '1h', ...extra, sub: { ...S3RVER_KEYS, region: 'us-east-1', bucket: s3.bucket, path, endpoint: s3.endpoint, force_path_style: true } })

const sink = new MemoryLogSink()
const log = new Logger({ sink, level: 'debug' }).for('backup')

async function object(target: S3Target, name: string): Promise<Uint8Array | null> {
  const body = await target.get(name)
  return body ? new Uint8Array(await new Response(body).arrayBuffer()) : null
}

function sqliteCount(bytes: Uint8Array, table: string): string {
  const file = join(dir, `check-${Math.random().toString(36).slice(2)}.db`)
  writeFileSync(file, bytes)
  return execFileSync('sqlite3', [file, `PRAGMA integrity_check; SELECT count(*) FROM ${table}`]).toString()
}

async function write(n: TestNode, ...sql: string[]): Promise<void> {
  const outcome = await n.node.execute(sql.map((s) => ({ sql: s, positional: [], named: null })))
  expect(outcome.results.filter((r) => r.kind === 'error')).toEqual([])
}

beforeAll(async () => {
  s3 = await startS3rver()
  nodes.push(await startTestNode('b1'))
  await nodes[0].node.ready
  nodes.push(await startTestNode('b2', { join: [nodes[0].raftAddr] }))
  nodes.push(await startTestNode('b3', { join: [nodes[0].raftAddr] }))
  await Promise.all(nodes.map((n) => n.node.ready))
}, 60_000)

afterAll(async () => {
  for (const n of nodes) await n.stop()
  await s3.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('auto-backup to S3 (s3rver)', () => {
  test('only the leader uploads, only when the data changed, and a new leader does not upload the same data again', async () => {
    const config = parseAutoBackupConfig(s3Config('db/backup.sqlite.gz'), () => undefined)
    const target = new S3Target(config.target as Extract<AutoBackupConfig['target'], { type: 's3' }>)
    const backups = new Map(nodes.map((n) => [n, new AutoBackup(n.node, config, target, log)]))
    const leader = await until('a leader', () => nodes.find((n) => n.node.isLeader))
    await write(leader, 'CREATE TABLE t (x)', 'INSERT INTO t VALUES (1), (2), (3)')
    for (const n of nodes) await n.node.waitCaughtUp()

    const round = () => Promise.all(nodes.map((n) => backups.get(n)!.tick()))
    const outcomes = await round()
    expect(outcomes.filter((o) => o === 'uploaded')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'not_leader')).toHaveLength(2)
    expect(outcomes[nodes.indexOf(leader)]).toBe('uploaded')
    const uploaded = (await object(target, 'db/backup.sqlite.gz'))!
    expect([uploaded[0], uploaded[1]]).toEqual([0x1f, 0x8b]) // gzip by default
    expect(sqliteCount(new Uint8Array(gunzipSync(uploaded)), 't')).toBe('ok\n3\n')

    // Unchanged: skipped.
    expect(await backups.get(leader)!.tick()).toBe('skipped')
    // Changed: uploaded again.
    await write(leader, 'INSERT INTO t VALUES (4)')
    expect(await backups.get(leader)!.tick()).toBe('uploaded')
    expect(sqliteCount(new Uint8Array(gunzipSync((await object(target, 'db/backup.sqlite.gz'))!)), 't')).toBe('ok\n4\n')
    expect(backups.get(leader)!.stats).toMatchObject({ uploads: 2, skipped: 1, failures: 0 })

    // A leader change: the new leader finds the same data already uploaded.
    for (const n of nodes) await n.node.waitCaughtUp()
    await leader.node.transferLeadership('', { wait: true })
    const next = await until('a new leader', () => nodes.find((n) => n.node.isLeader && n !== leader))
    expect(await backups.get(next)!.tick()).toBe('skipped_id')
    expect(backups.get(next)!.stats).toMatchObject({ uploads: 0, skippedId: 1 })
    expect(await backups.get(leader)!.tick()).toBe('not_leader')
    // And uploads when the data changes under it.
    await write(next, 'INSERT INTO t VALUES (5)')
    expect(await backups.get(next)!.tick()).toBe('uploaded')
    expect(backups.get(next)!.status()).toMatchObject({ last_result: 'uploaded', uploads: 1, skipped_id: 1 })
    expect(sink.records.some((r) => r.subsystem === 'backup' && r.msg === 'backup uploaded')).toBe(true)
  }, 60_000)

  test('a failing target counts a failure and says why', async () => {
    const config = parseAutoBackupConfig(JSON.stringify({ version: 1, type: 's3', interval: '1h', sub: { ...S3RVER_KEYS, bucket: 'no-such-bucket', path: 'x.gz', endpoint: s3.endpoint, force_path_style: true } }), () => undefined)
    const leader = await until('a leader', () => nodes.find((n) => n.node.isLeader))
    const backup = new AutoBackup(leader.node, config, new S3Target(config.target as never), log)
    expect(await backup.tick()).toBe('failed')
    expect(backup.stats.failures).toBe(1)
    const failure = [...sink.records].reverse().find((r) => r.msg === 'backup upload failed')
    expect(String(failure?.fields?.error)).toMatch(/S3 (GET|PUT) .* failed: 404/)
  })
})

describe('auto-backup to files', () => {
  test('timestamped, uncompressed, vacuumed copies', async () => {
    const files = new NodeFilePort()
    const out = join(dir, 'files')
    const config = parseAutoBackupConfig(JSON.stringify({ version: 1, type: 'file', interval: '1h', timestamp: true, no_compress: true, vacuum: true, sub: { dir: '$BACKUP_DIR', name: 'db.sqlite' } }), (n) => (n === 'BACKUP_DIR' ? out : undefined))
    const leader = await until('a leader', () => nodes.find((n) => n.node.isLeader))
    const backup = new AutoBackup(leader.node, config, new FileTarget(files, out, 'db.sqlite'), log)
    expect(await backup.tick()).toBe('uploaded')
    const names = readdirSync(out).filter((n) => n.endsWith('_db.sqlite'))
    expect(names).toHaveLength(1)
    expect(names[0]).toMatch(/^\d{14}_db\.sqlite$/)
    expect(execFileSync('sqlite3', [join(out, names[0]), 'PRAGMA integrity_check; SELECT count(*) FROM t']).toString()).toBe('ok\n5\n')
  })

  test('configs: $VARs expanded, bad ones refused with what is wrong', () => {
    const env = (n: string) => ({ K: 'key"with quote' })[n]
    const c = parseAutoBackupConfig('{"version":1,"type":"s3","interval":"30s","sub":{"access_key_id":"$K","secret_access_key":"${K}","bucket":"b","path":"p"}}', env)
    expect(c).toMatchObject({ intervalMs: 30_000, compress: true, vacuum: false, target: { accessKeyId: 'key"with quote', region: 'us-east-1' } })
    expect(() => parseAutoBackupConfig('{"version":2}', env)).toThrow(/"version" must be 1/)
    expect(() => parseAutoBackupConfig('{"version":1,"type":"ftp","interval":"1s","sub":{}}', env)).toThrow(/"type" must be/)
    expect(() => parseAutoBackupConfig('{"version":1,"type":"file","interval":"soon","sub":{"dir":"d","name":"n"}}', env)).toThrow(/"interval" is not a valid duration/)
    expect(() => parseAutoBackupConfig('{"version":1,"type":"file","interval":"1s","sub":{"dir":"d"}}', env)).toThrow(/"sub.name" is required/)
    expect(() => parseAutoRestoreConfig('not json', env)).toThrow(/invalid -auto-restore config: not JSON/)
  })
})

describe('auto-restore from S3 (s3rver)', () => {
  test('an empty leader restores (gzip or plain); a node with data skips; corrupt and truncated objects are refused', async () => {
    const source = await until('a leader', () => nodes.find((n) => n.node.isLeader))
    const { image } = await source.node.openImage()
    const pages: Uint8Array[] = []
    try {
      for (let first = 1; first <= image.pageCount; first += 64) pages.push(await image.read(first, 64))
    } finally {
      image.close()
    }
    const plain = Buffer.concat(pages)
    const put = async (name: string, bytes: Uint8Array) => {
      const t = new S3Target(parseAutoRestoreConfig(s3Config(name), () => undefined).target as never)
      await t.put(name, new Blob([Buffer.from(bytes)]).stream() as ReadableStream<Uint8Array>, bytes.length)
    }
    await put('r/plain.db', plain)
    await put('r/packed.db.gz', gzipSync(plain))
    await put('r/corrupt.db', Buffer.from('this is not a database, and not gzip either'))
    const packed = gzipSync(plain)
    await put('r/truncated.db.gz', packed.subarray(0, packed.length >> 1))

    for (const name of ['r/plain.db', 'r/packed.db.gz']) {
      const fresh = await startTestNode(`fresh-${name.length}`)
      try {
        await fresh.node.ready
        const config = parseAutoRestoreConfig(s3Config(name), () => undefined)
        expect(await autoRestore(fresh.node, config, new S3Target(config.target as never), log)).toBe('restored')
        const [rows] = await fresh.node.query([{ sql: 'SELECT count(*) FROM t', positional: [], named: null }])
        expect(rows).toMatchObject({ rows: { rows: [[5n]] } })
        // Again, now with data: skipped, nothing changed.
        await write(fresh, 'INSERT INTO t VALUES (6)')
        expect(await autoRestore(fresh.node, config, new S3Target(config.target as never), log)).toBe('has_data')
        expect((await fresh.node.query([{ sql: 'SELECT count(*) FROM t', positional: [], named: null }]))[0]).toMatchObject({ rows: { rows: [[6n]] } })
      } finally {
        await fresh.stop()
      }
    }
    for (const [name, reason] of [['r/corrupt.db', /invalid SQLite data/], ['r/truncated.db.gz', /failed: .*(unexpected end|incorrect header|premature|terminated)/i], ['r/missing.db', /no backup at/]] as const) {
      const fresh = await startTestNode(`bad-${name.length}`)
      try {
        await fresh.node.ready
        const config = parseAutoRestoreConfig(s3Config(name), () => undefined)
        const error = await autoRestore(fresh.node, config, new S3Target(config.target as never), log).then(() => null, (e: unknown) => e)
        expect(String(error), name).toMatch(reason)
        expect((await fresh.node.query([{ sql: 'SELECT count(*) FROM sqlite_schema', positional: [], named: null }]))[0]).toMatchObject({ rows: { rows: [[0n]] } })
      } finally {
        await fresh.stop()
      }
    }
  }, 90_000)
})
