/**
 * Generates runtimes/workers/trampolines/: the tiny WebAssembly modules sqlite-wasm compiles at
 * run time to put a JS function in its function table (one per signature). workerd forbids
 * compiling WebAssembly at run time, so the edge ships them precompiled, and
 * runtimes/workers/trampoline-shim.ts hands them out for the bytes it recognises.
 *
 * Records every module under 200 bytes compiled while (1) each signature named in sqlite-wasm's
 * source or struct descriptions is turned into a function, and (2) a real node runs the API's
 * features (VFS, hooks, authorizer, progress handler, SQL functions, row changes, backup).
 * Run: `npx tsx scripts/gen-edge-trampolines.ts` (also `npm run build:edge`); with `--check`, it
 * writes nothing and exits 1 when the committed set differs from what this sqlite-wasm needs.
 */
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const out = join(import.meta.dirname, '../runtimes/workers/trampolines')
const recorded = new Map<string, Uint8Array>()
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
const Original = WebAssembly.Module
WebAssembly.Module = new Proxy(Original, {
  construct(target, args: [BufferSource]) {
    const source = args[0]
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source as ArrayBuffer)
    if (bytes.length < 200) recorded.set(hex(bytes), bytes.slice())
    return new target(...args)
  },
}) as typeof WebAssembly.Module

const { loadSqlite, structs } = await import('../src/sqlite/sqlite-api.ts')
const sqlite3 = await loadSqlite()
const wasm = sqlite3.wasm as unknown as { jsFuncToWasm(f: () => void, sig: string): unknown }

// (1) Every signature sqlite-wasm names: literals in its source, members of its C structs.
const pkg = dirname(createRequire(import.meta.url).resolve('@sqlite.org/sqlite-wasm/package.json'))
const source = readFileSync(join(pkg, 'dist/index.mjs'), 'utf8')
const signatures = new Set(Array.from(source.matchAll(/["']([vipjdPsf]\([ipjdPsf]*\))["']/g), (m) => m[1]))
const ctors = structs(sqlite3) as unknown as Record<string, { structInfo: { members: Record<string, { signature: string }> } }>
for (const name of ['sqlite3_vfs', 'sqlite3_io_methods']) {
  for (const member of Object.values(ctors[name].structInfo.members)) {
    if (/^[vipjdPsf]\(/.test(member.signature)) signatures.add(member.signature)
  }
}
for (const sig of signatures) wasm.jsFuncToWasm(() => {}, sig)

// (2) A real node over the raftlite VFS, through its API.
const { RaftliteNode } = await import('../src/node/raftlite-node.ts')
const { platformWith } = await import('../src/node/platform.ts')
const { MemoryFilePort } = await import('../src/storage/memory-file-port.ts')
const node = await RaftliteNode.start({ dataDir: '/data' }, platformWith(new MemoryFilePort()))
await node.ready
const stopChanges = node.stateMachine.onRowChanges(() => {})
const app = node.api()
const call = async (path: string, body?: unknown) => {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
  return (await app.fetch(new Request(`http://edge${path}`, init))).text()
}
await call('/db/execute', ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, r BLOB, d TEXT DEFAULT CURRENT_TIMESTAMP)'])
await call('/db/execute', [['INSERT INTO t(v, r) VALUES(?, randomblob(8))', 'a'], 'UPDATE t SET v = upper(v)', 'DELETE FROM t WHERE id > 5'])
await call('/db/execute?transaction', ['INSERT INTO t(v) VALUES(random())', 'INSERT INTO t(v) VALUES(datetime("now"))'])
await call('/db/execute?transaction', ['INSERT INTO t(v) VALUES(1)', 'INSERT INTO nope VALUES(1)'])
await call('/db/query?q=' + encodeURIComponent('SELECT * FROM t'))
await call('/db/query?level=strong&q=' + encodeURIComponent('SELECT count(*) FROM t'))
await call('/db/request', ['SELECT 1', 'INSERT INTO t(v) VALUES(2) RETURNING id'])
await call('/db/query?db_timeout=50ms&q=' + encodeURIComponent('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c'))
await call('/db/execute', ['PRAGMA journal_mode=DELETE', 'ATTACH "x" AS x'])
await call('/db/execute?queue&wait', ['INSERT INTO t(v) VALUES(3)'])
await call('/db/backup')
await call('/db/backup?fmt=sql')
await call('/status')
await node.snapshot()
stopChanges()
await node.stop()

const keys = [...recorded.keys()].sort()
if (process.argv.includes('--check')) {
  const committed = readFileSync(join(out, '../trampolines.gen.ts'), 'utf8')
  const have = new Set(Array.from(committed.matchAll(/\['([0-9a-f]+)', t\d+\]/g), (m) => m[1]))
  const missing = keys.filter((k) => !have.has(k))
  if (missing.length > 0 || have.size !== keys.length) {
    console.error(`runtimes/workers/trampolines.gen.ts is stale: ${missing.length} missing, ${have.size} committed, ${keys.length} needed; run npm run build:edge`)
    process.exit(1)
  }
  console.log(`${keys.length} trampolines, as committed`)
  process.exit(0)
}
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const lines = [
  '// Generated by scripts/gen-edge-trampolines.ts: do not edit. The keys are the modules\' bytes in hex.',
  ...keys.map((_, i) => `import t${i} from './trampolines/t${i}.wasm'`),
  '',
  'export const trampolines: ReadonlyArray<readonly [string, WebAssembly.Module]> = [',
  ...keys.map((k, i) => `  ['${k}', t${i}],`),
  ']',
  '',
]
keys.forEach((k, i) => writeFileSync(join(out, `t${i}.wasm`), recorded.get(k)!))
writeFileSync(join(out, '../trampolines.gen.ts'), lines.join('\n'))
console.log(`${keys.length} trampolines (${signatures.size} signatures named) in ${out}`)
