/**
 * The targets, as ratios of ours to a peer measured in the same run (median and range
 * over runs), plus absolute limits. A ratio whose peer is missing is skipped.
 */
import { median } from './aggregate.ts'
import type { Row } from './row.ts'
import { TXN_STATEMENTS } from './write-shapes.ts'

type Runtime = 'node' | 'deno' | 'bun'
type Sel = Partial<Pick<Row, 'system' | 'workload' | 'clients'>> & { runtime?: Runtime }
type Field = 'value' | 'p50Ms' | 'p99Ms'

interface RatioDef {
  name: string
  ours: Sel
  peer: Sel
  field: Field
  /** ours/peer must be >= (higher is better) or <= this. */
  target?: { op: '>=' | '<='; x: number }
}

interface LimitDef {
  name: string
  row: Sel
  max: number
  unit: string
}

const three = (workload: string, clients: number, runtime: Runtime = 'node'): Sel => ({ system: 'raftlite 3 nodes', runtime, workload, clients })
const ins = 'insert (1 statement/request)'
const kv = 'key/value upsert of existing keys'
const etcdPut = (clients: number): Sel => ({ system: 'etcd 3 members', workload: 'put of existing keys (128-byte values)', clients })

export const RATIOS: RatioDef[] = [
  // Issue 19's targets: the shapes users write (updates of existing keys), and appends.
  { name: '3-node key/value upserts/s, 32 clients ÷ etcd puts/s (existing keys)', ours: three(kv, 32), peer: etcdPut(32), field: 'value', target: { op: '>=', x: 1 } },
  { name: '3-node key/value upsert p99, 32 clients ÷ etcd put p99', ours: three(kv, 32), peer: etcdPut(32), field: 'p99Ms', target: { op: '<=', x: 1.5 } },
  { name: '3-node key/value upsert p50, 1 client ÷ etcd put p50', ours: three(kv, 1), peer: etcdPut(1), field: 'p50Ms', target: { op: '<=', x: 1.2 } },
  { name: '3-node updates by id/s, 32 clients ÷ etcd puts/s (existing keys)', ours: three('update by id of existing rows', 32), peer: etcdPut(32), field: 'value' },
  { name: '3-node 10-statement transactions/s, 32 clients ÷ etcd 10-put txns/s', ours: three(`transaction of ${TXN_STATEMENTS} upserts (transactions/s)`, 32), peer: { system: 'etcd 3 members', workload: `txn of ${TXN_STATEMENTS} puts (txns/s)`, clients: 32 }, field: 'value' },
  { name: '3-node writes/s, 32 clients ÷ etcd puts/s', ours: three(ins, 32), peer: { system: 'etcd 3 members', workload: 'put', clients: 32 }, field: 'value', target: { op: '>=', x: 1.3 } },
  { name: '3-node write p99, 32 clients ÷ etcd put p99', ours: three(ins, 32), peer: { system: 'etcd 3 members', workload: 'put', clients: 32 }, field: 'p99Ms', target: { op: '<=', x: 1 } },
  { name: '3-node write p50, 1 client ÷ etcd put p50', ours: three(ins, 1), peer: { system: 'etcd 3 members', workload: 'put', clients: 1 }, field: 'p50Ms', target: { op: '<=', x: 1.2 } },
  { name: '3-node writes/s, 8 clients ÷ etcd puts/s', ours: three(ins, 8), peer: { system: 'etcd 3 members', workload: 'put', clients: 8 }, field: 'value' },
  { name: '3-node linearizable reads/s ÷ etcd linearizable ranges/s', ours: three('point select, level=linearizable', 32), peer: { system: 'etcd 3 members', workload: 'range, linearizable', clients: 32 }, field: 'value', target: { op: '>=', x: 1.2 } },
  { name: '3-node weak reads/s ÷ etcd serializable ranges/s', ours: three('point select, level=weak', 32), peer: { system: 'etcd 3 members', workload: 'range, serializable', clients: 32 }, field: 'value' },
  { name: '1-node none reads/s ÷ trivial Node HTTP server', ours: { system: 'raftlite 1 node', runtime: 'node', workload: 'point select, level=none', clients: 32 }, peer: { system: 'trivial Node HTTP', clients: 32 }, field: 'value', target: { op: '>=', x: 0.5 } },
  // Issue 19: the same shapes on a cluster of Deno nodes and of Bun nodes (`--cluster-runtimes`).
  ...(['deno', 'bun'] as const).flatMap((runtime): RatioDef[] => [
    { name: `3-node (${runtime}) key/value upserts/s, 32 clients ÷ etcd puts/s (existing keys)`, ours: three(kv, 32, runtime), peer: etcdPut(32), field: 'value' },
    { name: `3-node (${runtime}) key/value upsert p50, 1 client ÷ etcd put p50`, ours: three(kv, 1, runtime), peer: etcdPut(1), field: 'p50Ms' },
    { name: `3-node (${runtime}) writes/s, 32 clients ÷ etcd puts/s`, ours: three(ins, 32, runtime), peer: { system: 'etcd 3 members', workload: 'put', clients: 32 }, field: 'value' },
    { name: `3-node (${runtime}) linearizable reads/s ÷ etcd linearizable ranges/s`, ours: three('point select, level=linearizable', 32, runtime), peer: { system: 'etcd 3 members', workload: 'range, linearizable', clients: 32 }, field: 'value' },
  ]),
  // dqlite-demo fails most concurrent PUTs ("database is locked"): only its one-client writes compare.
  { name: '3-node writes/s, 1 client ÷ dqlite PUTs/s', ours: three(ins, 1), peer: { system: 'dqlite 3 nodes', workload: 'PUT', clients: 1 }, field: 'value' },
  { name: '3-node linearizable reads/s ÷ dqlite GETs/s', ours: three('point select, level=linearizable', 32), peer: { system: 'dqlite 3 nodes', workload: 'GET (on the leader)', clients: 32 }, field: 'value' },
  // Issue 16: metrics and default logging cost under 3 % of writes/s (side by side, one run).
  { name: '1-node writes/s with metrics + default logging ÷ without, 1 client', ours: { system: 'raftlite 1 node', workload: 'insert, metrics + default logging on', clients: 1 }, peer: { system: 'raftlite 1 node', workload: 'insert, metrics + logging off', clients: 1 }, field: 'value', target: { op: '>=', x: 0.97 } },
  { name: '1-node writes/s with metrics + default logging ÷ without, 32 clients', ours: { system: 'raftlite 1 node', workload: 'insert, metrics + default logging on', clients: 32 }, peer: { system: 'raftlite 1 node', workload: 'insert, metrics + logging off', clients: 32 }, field: 'value', target: { op: '>=', x: 0.97 } },
  { name: '1-node writes/s, 1 client ÷ native SQLite inserts/s', ours: { system: 'raftlite 1 node', runtime: 'node', workload: ins, clients: 1 }, peer: { system: 'native SQLite', workload: 'insert (in-process, fsync)' }, field: 'value' },
]

export const LIMITS: LimitDef[] = [
  { name: 'restart, 1 GiB database', row: { system: 'raftlite 1 node', workload: 'restart to first query, 1 GiB database' }, max: 1, unit: 's' },
  { name: 'peak RSS per node, 3 nodes', row: { system: 'raftlite 3 nodes', runtime: 'node', workload: 'peak RSS during the run' }, max: 150, unit: 'MiB' },
  { name: 'peak RSS, 1 node (node runtime)', row: { system: 'raftlite 1 node', runtime: 'node', workload: 'peak RSS during the run' }, max: 150, unit: 'MiB' },
]

export interface RatioResult {
  name: string
  median: number
  min: number
  max: number
  runs: number
  target?: string
  met?: boolean
}

const matches = (r: Row, p: Sel) => Object.entries(p).every(([k, v]) => r[k as keyof Row] === v)

export function ratios(runs: Row[][]): RatioResult[] {
  const out: RatioResult[] = []
  for (const def of RATIOS) {
    const xs: number[] = []
    for (const run of runs) {
      const ours = run.find((r) => matches(r, def.ours))?.[def.field]
      const peer = run.find((r) => matches(r, def.peer))?.[def.field]
      if (ours !== undefined && peer) xs.push(ours / peer)
    }
    if (xs.length === 0) continue
    const m = median(xs)
    const t = def.target
    out.push({ name: def.name, median: m, min: Math.min(...xs), max: Math.max(...xs), runs: xs.length, target: t && `${t.op} ${t.x}`, met: t && (t.op === '>=' ? m >= t.x : m <= t.x) })
  }
  for (const def of LIMITS) {
    const xs = runs.map((run) => run.find((r) => matches(r, def.row))?.value).filter((x): x is number => x !== undefined)
    if (xs.length === 0) continue
    const m = median(xs)
    out.push({ name: `${def.name} (${def.unit})`, median: m, min: Math.min(...xs), max: Math.max(...xs), runs: xs.length, target: `< ${def.max}`, met: m < def.max })
  }
  return out
}
