// Run by test/runtimes/deno/engine-worker.test.ts (deno and bun): an endless query in the Web
// Worker engine while the main thread's timers keep firing. Prints one JSON line.
import { startWebEngineWorker } from '../../../runtimes/deno/start-engine-worker.ts'

const dir = (globalThis as unknown as { process?: { argv: string[] }; Deno?: { args: string[] } })
const path = (dir.Deno?.args ?? dir.process?.argv.slice(2) ?? [])[0]
const engine = await startWebEngineWorker({ path, synchronous: 'off', checkpointWalBytes: 0, checkpointOnClose: false })
const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c'
await engine.applyBatches([{ batch: { statements: [{ sql: 'CREATE TABLE t (v)', positional: [], named: null }], timestampMs: 0, seed: 1n, transaction: false, mode: 'execute', timeoutMs: 0 }, recordChanges: false }])
let ticks = 0
const timer = setInterval(() => ticks++, 5)
const results = await engine.query([{ sql: endless, positional: [], named: null }], { timeoutMs: 400 })
clearInterval(timer)
const tables = await engine.query([{ sql: "SELECT name FROM sqlite_schema", positional: [], named: null }])
console.log(JSON.stringify({ ticks, results: results.map((r) => (r.kind === 'error' ? r.error : r.kind)), tables: tables[0].kind === 'rows' ? tables[0].rows.rows : null }))
await engine.close()
