/** A real S3-compatible server (the s3rver package) in its own process, on loopback. */
import { type ChildProcess, spawn } from 'node:child_process'
import { ROOT, tempDataDir } from './raftlited-process.ts'
import { freePort } from './free-port.ts'
import { join } from 'node:path'

export interface S3rverProcess {
  endpoint: string
  bucket: string
  child: ChildProcess
  stop(): Promise<void>
}

export async function startS3rver(bucket = 'backups'): Promise<S3rverProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/s3rver/bin/s3rver.js'), '-d', tempDataDir('raftlite-s3-'), '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', bucket], { stdio: ['ignore', 'pipe', 'pipe'] })
  const endpoint = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      await fetch(endpoint)
      break
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('s3rver did not start')
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    endpoint,
    bucket,
    child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    }),
  }
}

/** s3rver's fixed credentials. */
export const S3RVER_KEYS = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' }
