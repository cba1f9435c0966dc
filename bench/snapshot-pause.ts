/**
 * `npx tsx bench/snapshot-pause.ts [MiB] [rounds]` — the longest a snapshot blocks the event
 * loop (its one synchronous step, the checkpoint of the WAL; everything else waits for the disk
 * off the thread or yields) and how long until the store's copy has caught up, for a node that wrote about MiB of rows as single-statement commits since its last
 * snapshot (the WAL grows about tenfold: each commit rewrites whole pages).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startNode } from '../runtimes/node/mod.ts'

const mib = Number(process.argv[2] ?? 8)
const rounds = Number(process.argv[3] ?? 3)
const dir = mkdtempSync(join(tmpdir(), 'raftlite-snapshot-pause-'))
const node = await startNode({ dataDir: dir, nodeId: '1', raftSnapEntries: 1e9, raftSnapWalBytes: 0, raftSnapIntervalMs: 3_600_000 })
try {
  const client = node.client()
  await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
  for (let round = 1; round <= rounds; round++) {
    for (let written = 0; written < mib * 1024 * 1024; written += 100 * 1000) {
      await client.batch(Array.from({ length: 100 }, () => 'INSERT INTO t(v) VALUES (hex(randomblob(500)))'), { transaction: false })
    }
    const wal = statSync(join(dir, 'db.sqlite-wal')).size
    // The snapshot's steps run between other work: the longest the event loop went without
    // turning (a 1 ms timer's largest lateness) is the longest writes could be held up.
    let longest = 0
    let last = performance.now()
    const probe = setInterval(() => {
      const now = performance.now()
      longest = Math.max(longest, now - last)
      last = now
    }, 1)
    const t = performance.now()
    await node.snapshot(0)
    const total = performance.now() - t
    clearInterval(probe)
    console.log(`round ${round}: WAL ${(wal / 2 ** 20).toFixed(0)} MiB; longest event-loop block ${longest.toFixed(1)} ms; snapshot done in ${total.toFixed(1)} ms`)
  }
} finally {
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
}
