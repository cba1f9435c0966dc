/**
 * Durable log append + sync throughput on the real disk (group commit: one fsync per sync).
 * Usage: npx tsx bench/log-append.ts [dir]   (default: a temp dir under the OS temp directory;
 * make sure it is a real disk, not tmpfs, or fsync is free and the numbers mean nothing).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeFilePort } from '../runtimes/node/fs-file-port.ts'
import { DurableLog } from '../src/log/durable-log.ts'
import type { Entry } from '../src/raft/types.ts'

const root = mkdtempSync(join(process.argv[2] ?? tmpdir(), 'raftlite-log-bench-'))
const files = new NodeFilePort()
const DATA_BYTES = 100
const SECONDS = 3

function run(batch: number): { entriesPerSecond: number; syncsPerSecond: number; p50Micros: number } {
  const dir = join(root, `batch-${batch}`)
  const log = DurableLog.open(files, dir)
  const data = new Uint8Array(DATA_BYTES).fill(7)
  let next = 1
  const latencies: number[] = []
  const start = performance.now()
  while (performance.now() - start < SECONDS * 1000) {
    const t = performance.now()
    const ents: Entry[] = []
    for (let i = 0; i < batch; i++) ents.push({ index: next + i, term: 1, type: 'normal', data })
    next += batch
    log.append(ents)
    log.setHardState({ term: 1, vote: 'a', commit: next - 1 })
    log.sync()
    latencies.push(performance.now() - t)
  }
  const elapsed = (performance.now() - start) / 1000
  log.close()
  latencies.sort((a, b) => a - b)
  return {
    entriesPerSecond: Math.round((next - 1) / elapsed),
    syncsPerSecond: Math.round(latencies.length / elapsed),
    p50Micros: Math.round(latencies[latencies.length >> 1] * 1000),
  }
}

try {
  console.log(`durable log append+sync, ${DATA_BYTES}-byte entries, ${SECONDS}s each, dir ${root}`)
  for (const batch of [1, 100]) {
    const r = run(batch)
    console.log(
      `batch ${String(batch).padStart(3)}: ${r.entriesPerSecond.toLocaleString('en')} entries/s, ` +
        `${r.syncsPerSecond.toLocaleString('en')} syncs/s, p50 ${r.p50Micros} µs per append+sync`,
    )
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
