/**
 * Backup and restore throughput for a large database, and the node's peak RSS during each:
 * `GET /db/backup` streamed to a file, then `POST /db/load` of that file into a fresh node.
 *
 *   npx tsx bench/backup-restore.ts [size MiB, default 1024]   (npm run bench runs it too)
 */
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { startRaftlited, tempDataDir } from '../test/support/raftlited-process.ts'
import { buildDist } from '../scripts/build.mjs'
import { RssSampler } from './process-rss.ts'
import { fillMiB, sizeLabel } from './restart-time.ts'
import type { Row } from './row.ts'

export async function backupRestore(sizeMiB: number): Promise<Row[]> {
  const source = await startRaftlited({})
  const target = await startRaftlited({})
  const file = join(tempDataDir('raftlite-bench-backup-'), 'backup.db')
  try {
    await fillMiB(source.url, sizeMiB)
    await fetch(`${source.url}/snapshot`, { method: 'POST' })

    let sampler = new RssSampler([source.child.pid!], 100)
    let started = performance.now()
    const res = await fetch(`${source.url}/db/backup`)
    if (!res.ok || !res.body) throw new Error(`backup failed: HTTP ${res.status}`)
    await res.body.pipeTo(Writable.toWeb(createWriteStream(file)))
    const backupSeconds = (performance.now() - started) / 1000
    const [backupRss] = sampler.stop()
    const bytes = statSync(file).size

    sampler = new RssSampler([target.child.pid!], 100)
    started = performance.now()
    const body = Readable.toWeb(createReadStream(file, { highWaterMark: 1024 * 1024 })) as ReadableStream<Uint8Array>
    const loaded = await fetch(`${target.url}/db/load?timeout=600s`, { method: 'POST', body, duplex: 'half' } as RequestInit)
    const text = await loaded.text()
    if (!loaded.ok) throw new Error(`load failed: HTTP ${loaded.status} ${text}`)
    const restoreSeconds = (performance.now() - started) / 1000
    const [restoreRss] = sampler.stop()

    const mib = bytes / 1024 / 1024
    const label = sizeLabel(sizeMiB)
    const row = (workload: string, value: number, unit: Row['unit'], note: string): Row => ({ system: 'raftlite 1 node', workload, clients: 1, value, unit, ops: 0, note })
    return [
      row(`backup (GET /db/backup), ${label} database`, mib / backupSeconds, 'MiB/s', `${mib.toFixed(0)} MiB in ${backupSeconds.toFixed(1)} s`),
      row(`backup (GET /db/backup), ${label} database: peak RSS`, backupRss ?? 0, 'MiB', 'the node serving the backup'),
      row(`restore (POST /db/load), ${label} database`, mib / restoreSeconds, 'MiB/s', `${mib.toFixed(0)} MiB in ${restoreSeconds.toFixed(1)} s, through the log in 1 MiB chunks`),
      row(`restore (POST /db/load), ${label} database: peak RSS`, restoreRss ?? 0, 'MiB', 'the node loading it'),
    ]
  } finally {
    await source.stop('SIGKILL')
    await target.stop('SIGKILL')
    for (const dir of [source.dataDir, target.dataDir, join(file, '..')]) rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildDist() // measure the bundle, not the tsx fallback (see run.ts)
  const size = Number(process.argv[2] ?? 1024)
  for (const r of await backupRestore(size)) console.log(`${r.workload}: ${r.value.toFixed(1)} ${r.unit} (${r.note})`)
}
