// Found by npm run chaos -- --seconds 90 --seed 1 (the CI run; /tmp history: ops 379-400): the
// leader's disk filled (disk-full fault) while it applied committed entries. SQLite's WAL write
// failed with SQLITE_FULL, and the leader answered each client with a statement error,
// {"results":[{"error":"database or disk is full"}]}, the answer for a statement that failed
// everywhere, while the followers had applied the same entries (one was read back at `none` on
// a follower and at `weak` from the next leader). The leader kept running with a state machine
// that lacked those rows until its log write hit ENOSPC and stopped it.
//
// A local failure to apply a committed entry is not the statement's outcome: the node stops (as
// it does when a log write fails), the client's answer says so, and a restart applies it again.
import { afterEach, expect, test } from 'vitest'
import type { FileHandle, OpenOptions } from '../../src/ports/file-port.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { serveHttp, type Served } from '../../runtimes/node/serve.ts'
import { serveCluster } from '../../runtimes/node/serve-cluster.ts'
import { freePort } from '../support/free-port.ts'
import { startTestNode, type TestNode, until } from '../cluster/in-process-cluster.ts'

/** A disk that refuses to grow the database's WAL while `full` (the log's writes still pass). */
class FullWalDisk extends DelegatingFilePort {
  full = false
  override open(path: string, options: OpenOptions): FileHandle {
    const h = this.inner.open(path, options)
    if (!path.endsWith('-wal')) return h
    return {
      read: (t, p) => h.read(t, p),
      write: (s, p) => {
        if (this.full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
        h.write(s, p)
      },
      truncate: (n) => h.truncate(n),
      sync: () => h.sync(),
      syncAsync: async () => await (h.syncAsync ? h.syncAsync() : h.sync()),
      size: () => h.size(),
      modifiedAt: () => h.modifiedAt(),
      close: () => h.close(),
    }
  }
}

const timing = { raftElectionTimeoutMs: 500, raftHeartbeatTimeoutMs: 500, joinIntervalMs: 200 }
const sql = (text: string) => [{ sql: text, positional: [], named: null }]
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {})
})

test('a leader whose disk fills while it applies a committed write does not answer it as a failed statement', async () => {
  const disk = new FullWalDisk(new MemoryFilePort())
  const httpAddr = `127.0.0.1:${await freePort()}`
  const raftAddr = `127.0.0.1:${await freePort()}`
  const leader = await RaftliteNode.start({ dataDir: '/full', nodeId: 'full', httpAddr, raftAddr, ...timing }, platformWith(disk))
  leader.addEventListener('error', () => {})
  const servers: Served[] = [await serveCluster(leader, raftAddr), await serveHttp(leader.api(), httpAddr)]
  cleanup.push(async () => {
    for (const s of servers) await s.close()
    await leader.stop()
  })
  await leader.ready
  await leader.execute(sql('CREATE TABLE t (v INTEGER PRIMARY KEY)'))
  const followers: TestNode[] = []
  for (const id of ['f2', 'f3']) {
    const f = await startTestNode(id, { ...timing, join: [raftAddr] })
    cleanup.push(() => f.stop())
    followers.push(f)
  }
  await until('followers caught up', () => followers.every((f) => f.node.appliedIndex >= leader.appliedIndex) || undefined)

  disk.full = true
  const answer = await leader.execute(sql('INSERT INTO t (v) VALUES (42)')).catch((e: unknown) => e)
  // The followers applied the committed insert...
  await until('the insert on the followers', async () => {
    const [r] = await followers[0]!.node.query(sql('SELECT COUNT(*) FROM t WHERE v = 42'), { level: 'none' })
    return r.kind === 'rows' && Number(r.rows.rows[0]![0]) === 1
  })
  // ...so the leader must not have said the statement failed, nor run on without the row.
  // (Before the fix: {"results":[{"kind":"error","error":"database or disk is full"}]}, and the
  // leader still led.)
  const results = (answer as { results?: { kind: string }[] }).results ?? []
  expect(results.some((r) => r.kind === 'error'), `the leader answered ${JSON.stringify(answer)} (state ${leader.state})`).toBe(false)
  expect(answer).toBeInstanceOf(Error)
  expect((answer as Error).message).toMatch(/could not apply a committed write on this node's disk \(ENOSPC/)
  await expect(leader.execute(sql('INSERT INTO t (v) VALUES (43)'))).rejects.toThrow(/could not apply a committed write/) // stopped: every later write gets the reason
}, 60_000)
