// Deno and Bun nodes stop cleanly on SIGTERM/SIGINT, release the data-directory lock, and refuse
// a data directory or HTTP port that another live node holds.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { freePort } from '../support/free-port.ts'
import { DENO_RUN, ROOT, type Runtime, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

/** Runs a node to completion (it should refuse to start); a 20 s timeout means it did not. */
function runToExit(runtime: 'deno' | 'bun', args: string[]) {
  const [cmd, prefix] = runtime === 'deno'
    ? [join(ROOT, 'node_modules/.bin/deno'), [...DENO_RUN, join(ROOT, 'runtimes/deno/main.ts')]]
    : [join(ROOT, 'node_modules/.bin/bun'), [join(ROOT, 'runtimes/bun/main.ts')]]
  return spawnSync(cmd, [...prefix, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' })
}

describe.each<'deno' | 'bun'>(['deno', 'bun'])('%s', (runtime: Runtime & ('deno' | 'bun')) => {
  test('SIGTERM and SIGINT stop the node with exit 0 and release the lock', async () => {
    const dataDir = tempDataDir()
    // A restart keeps its addresses: the node ID defaults to the Raft address.
    const node = { runtime, dataDir, httpPort: await freePort(), raftPort: await freePort() }
    const first = await startRaftlited(node)
    expect(existsSync(join(dataDir, 'LOCK'))).toBe(true)
    expect(await first.stop('SIGTERM')).toBe(0)
    expect(first.stderr()).toContain('received SIGTERM, shutting down')
    expect(first.stderr()).toContain('node stopped')
    expect(existsSync(join(dataDir, 'LOCK'))).toBe(false)
    const again = await startRaftlited(node)
    expect(await again.stop('SIGINT')).toBe(0)
    expect(again.stderr()).toContain('received SIGINT, shutting down')
    expect(existsSync(join(dataDir, 'LOCK'))).toBe(false)
  })

  test('a live node keeps its data directory and its HTTP port', async () => {
    const holder = await startRaftlited({ runtime, dataDir: tempDataDir() })
    try {
      // Deno runs without --allow-run, so it cannot signal the holder's pid: the lock must still hold.
      const sameDir = runToExit(runtime, ['-http-addr', `127.0.0.1:${await freePort()}`, '-raft-addr', `127.0.0.1:${await freePort()}`, holder.dataDir])
      expect(sameDir.status, sameDir.stderr).toBe(1)
      expect(sameDir.stderr).toMatch(/LOCK is locked by another process \(pid \d+\)/)
      // Bun.serve would share a busy port (SO_REUSEPORT) unless told not to.
      const samePort = runToExit(runtime, ['-http-addr', holder.httpAddr, '-raft-addr', `127.0.0.1:${await freePort()}`, tempDataDir()])
      expect(samePort.status, samePort.stderr).toBe(1)
      expect(samePort.stderr).toContain(`fatal: cannot listen on ${holder.httpAddr}`)
    } finally {
      expect(await holder.stop()).toBe(0)
    }
  })
})
