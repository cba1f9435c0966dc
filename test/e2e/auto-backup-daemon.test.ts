// raftlited's -auto-backup and -auto-restore flags with real processes and a real S3-compatible
// server: uploads show in /status and /debug/vars, a fresh node restores, a corrupt backup
// stops the node with the reason.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { waitFor } from '../support/cluster-processes.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { S3RVER_KEYS, type S3rverProcess, startS3rver } from '../support/s3rver-process.ts'

let s3: S3rverProcess
const procs: RaftlitedProcess[] = []
const configDir = tempDataDir('raftlite-backup-config-')

beforeAll(async () => {
  s3 = await startS3rver()
})
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  await s3.stop()
})

function config(name: string, body: Record<string, unknown>): string {
  const path = join(configDir, name)
  const sub = { access_key_id: '$TEST_S3_KEY', secret_access_key: S3RVER_KEYS.secret_access_key, bucket: s3.bucket, endpoint: s3.endpoint, force_path_style: true }
  writeFileSync(path, JSON.stringify({ version: 1, type: 's3', ...body, sub: { ...sub, ...(body.sub as object) } }))
  return path
}

async function json(url: string): Promise<Record<string, any>> {
  return JSON.parse(await (await fetch(url)).text())
}

test('a node backs up on change to S3, and a fresh node restores from it; a corrupt backup stops the node with the reason', async () => {
  process.env.TEST_S3_KEY = S3RVER_KEYS.access_key_id // for the $VAR in the configs
  const backupConfig = config('backup.json', { interval: '300ms', sub: { path: 'daemon/db.sqlite.gz' } })
  const a = await startRaftlited({ args: ['-auto-backup', backupConfig] })
  procs.push(a)
  const res = await fetch(`${a.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(['CREATE TABLE t (x)', 'INSERT INTO t VALUES (42)']) })
  expect(res.status).toBe(200)
  const status = await waitFor('an upload', async () => {
    const s = (await json(`${a.url}/status`)).auto_backups
    return s && s.uploads >= 1 && s.skipped >= 2 ? s : undefined
  })
  expect(status).toMatchObject({ failures: 0, target: expect.stringContaining('daemon/db.sqlite.gz') })
  const vars = (await json(`${a.url}/debug/vars?key=uploader`)).uploader
  expect(vars.num_uploads_ok).toBe(status.uploads)
  expect(vars.num_uploads_skipped).toBeGreaterThanOrEqual(2) // unchanged data: not uploaded again

  const restoreConfig = config('restore.json', { timeout: '30s', sub: { path: 'daemon/db.sqlite.gz' } })
  const b = await startRaftlited({ args: ['-auto-restore', restoreConfig] })
  procs.push(b)
  const restored = await waitFor('the restored rows', async () => {
    const body = await json(`${b.url}/db/query?q=${encodeURIComponent('SELECT x FROM t')}`)
    return body.results?.[0]?.values
  })
  expect(restored).toEqual([[42]])

  // A corrupt object: the node refuses it and stops, saying why.
  const put = await fetch(`${s3.endpoint}/${s3.bucket}/daemon/corrupt.db`, { method: 'PUT', body: 'SQLite format 3\0 but nothing else of a database' })
  expect(put.ok).toBe(true)
  const c = await startRaftlited({ args: ['-auto-restore', config('corrupt.json', { sub: { path: 'daemon/corrupt.db' } })] }).catch((e: unknown) => e)
  const stderr = c instanceof Error ? c.message : (procs.push(c as RaftlitedProcess), await waitFor('exit', async () => ((c as RaftlitedProcess).child.exitCode !== null ? (c as RaftlitedProcess).stderr() : undefined)))
  expect(stderr).toMatch(/fatal: auto-restore from s3 .*corrupt\.db failed: invalid SQLite data/)
}, 90_000)
