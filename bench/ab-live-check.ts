/**
 * `npx tsx bench/ab-live-check.ts [MiB] [rounds]` — restart to first query for a node holding a
 * large database, with the start's live-file check by CRC-32C (a meta recorded before XXH32) and
 * by XXH32, alternating round by round over the same data directory, so load hits both alike.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { crc32c } from '../src/log/crc32c.ts'
import { waitFor } from '../test/support/cluster-processes.ts'
import { type RaftlitedProcess, restartRaftlited, startRaftlited } from '../test/support/raftlited-process.ts'
import { fillMiB } from './restart-time.ts'

const sizeMiB = Number(process.argv[2] ?? 1024)
const rounds = Number(process.argv[3] ?? 3)
const encoder = new TextEncoder()

function editMeta(dir: string, edit: (meta: Record<string, unknown>) => Record<string, unknown>): void {
  const path = `${dir}/snapshot/meta.json`
  const body = JSON.stringify(edit(JSON.parse(JSON.parse(readFileSync(path, 'utf8')).body)))
  writeFileSync(path, JSON.stringify({ crc32c: crc32c(encoder.encode(body)), body }))
}

async function timedRestart(node: RaftlitedProcess): Promise<{ node: RaftlitedProcess; seconds: number; fast: boolean }> {
  const started = performance.now()
  const next = await restartRaftlited(node)
  await waitFor('the first query', async () => (await (await fetch(`${next.url}/db/query?q=SELECT%20count(*)%20FROM%20big`)).text()).includes('"values"'), 60_000)
  const seconds = (performance.now() - started) / 1000
  const vars = JSON.parse(await (await fetch(`${next.url}/debug/vars`)).text())
  await next.stop('SIGTERM')
  return { node: next, seconds, fast: vars.store.num_restores_start_skipped === 1 }
}

let node = await startRaftlited({})
try {
  await fillMiB(node.url, sizeMiB)
  await fetch(`${node.url}/snapshot`, { method: 'POST' })
  const meta = () => JSON.parse(JSON.parse(readFileSync(`${node.dataDir}/snapshot/meta.json`, 'utf8')).body)
  await waitFor('the snapshot checksums', async () => typeof meta().dataXxh32 === 'number', 120_000)
  await node.stop('SIGTERM')
  const xxh = meta().dataXxh32 as number
  const results: Record<string, number[]> = { crc32c: [], xxh32: [] }
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 ? ['xxh32', 'crc32c'] : ['crc32c', 'xxh32']) {
      editMeta(node.dataDir, ({ dataXxh32: _, ...m }) => (kind === 'xxh32' ? { ...m, dataXxh32: xxh } : m))
      const r = await timedRestart(node)
      node = r.node
      if (!r.fast) throw new Error(`${kind}: the start restored the copy instead of keeping the live file`)
      results[kind].push(r.seconds)
      console.log(`round ${round + 1} ${kind}: ${r.seconds.toFixed(2)} s`)
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`${sizeMiB} MiB, median of ${rounds}: CRC-32C check ${median(results.crc32c).toFixed(2)} s, XXH32 check ${median(results.xxh32).toFixed(2)} s`)
} finally {
  await node.stop('SIGKILL')
  rmSync(node.dataDir, { recursive: true, force: true })
}
