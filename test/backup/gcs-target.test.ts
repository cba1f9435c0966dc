// The GCS target against a fake of the two JSON API calls it uses (and the token endpoint):
// Google Cloud Storage itself cannot be reached from here. The fake verifies the JWT signed
// with Web Crypto and the bearer token on every call.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { AutoBackup } from '../../src/backup/auto-backup.ts'
import { autoRestore } from '../../src/backup/auto-restore.ts'
import { parseAutoBackupConfig, parseAutoRestoreConfig } from '../../src/backup/backup-config.ts'
import { openTarget } from '../../src/backup/open-target.ts'
import { silentLogger } from '../../src/observe/logger.ts'
import { systemClock } from '../../src/ports/clock.ts'
import { NodeFilePort } from '../../runtimes/node/fs-file-port.ts'
import { startTestNode, type TestNode } from '../cluster/in-process-cluster.ts'
import { type FakeGcs, startFakeGcs } from '../support/fake-gcs.ts'

let gcs: FakeGcs
const dir = mkdtempSync(join(tmpdir(), 'raftlite-gcs-'))
const keyPath = join(dir, 'key.json')
const nodes: TestNode[] = []
const log = silentLogger.for('backup')
const files = new NodeFilePort()

const config = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 1, type: 'gcs', interval: '1h', ...extra, sub: { project_id: 'p', bucket: 'b', name: 'backups/db.gz', credentials_path: keyPath, endpoint: gcs.endpoint } })

beforeAll(async () => {
  gcs = await startFakeGcs('b')
  writeFileSync(keyPath, JSON.stringify(gcs.key))
})
afterAll(async () => {
  for (const n of nodes) await n.stop()
  await gcs.close()
  rmSync(dir, { recursive: true, force: true })
})

test('auto-backup uploads to GCS with a signed-JWT token, and auto-restore reads it back', async () => {
  const source = await startTestNode('g1')
  nodes.push(source)
  await source.node.ready
  await source.node.execute([{ sql: 'CREATE TABLE t (x)', positional: [], named: null }, { sql: "INSERT INTO t VALUES ('gcs')", positional: [], named: null }])
  const backupConfig = parseAutoBackupConfig(config(), () => undefined)
  const backup = new AutoBackup(source.node, backupConfig, openTarget(backupConfig.target, files, systemClock), log)
  expect(await backup.tick()).toBe('uploaded')
  expect(gunzipSync(gcs.objects.get('backups/db.gz')!).subarray(0, 15).toString()).toBe('SQLite format 3')
  expect(await backup.tick()).toBe('skipped')
  expect(gcs.calls.filter((c) => c === 'POST /token')).toHaveLength(1) // the token is reused

  const fresh = await startTestNode('g2')
  nodes.push(fresh)
  await fresh.node.ready
  const restoreConfig = parseAutoRestoreConfig(config(), () => undefined)
  expect(await autoRestore(fresh.node, restoreConfig, openTarget(restoreConfig.target, files, systemClock), log)).toBe('restored')
  expect((await fresh.node.query([{ sql: 'SELECT x FROM t', positional: [], named: null }]))[0]).toMatchObject({ rows: { rows: [['gcs']] } })
})

test('a key the token endpoint refuses fails the upload with the reason', async () => {
  const { privateKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('rsa', { modulusLength: 2048 }))
  const wrongKey = join(dir, 'wrong.json')
  writeFileSync(wrongKey, JSON.stringify({ ...gcs.key, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }))
  const c = parseAutoBackupConfig(config().replace(JSON.stringify(keyPath), JSON.stringify(wrongKey)), () => undefined)
  const target = openTarget(c.target, files, systemClock)
  await expect(target.get('anything')).rejects.toThrow(/GCS token request failed: 400 .*invalid_grant/)
})
