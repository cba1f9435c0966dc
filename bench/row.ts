/** One measured line of the bench table; every workload module produces these. */
import type { Runtime } from '../test/support/raftlited-process.ts'

export type System = 'raftlite 1 node' | 'raftlite 3 nodes' | 'etcd 3 members' | 'dqlite 3 nodes' | 'native SQLite' | 'trivial Node HTTP'

export interface Row {
  system: System
  workload: string
  /** The runtime of the node measured; absent for peers and in-process baselines. */
  runtime?: Runtime
  clients: number
  /** ops/s, or the row's `unit` (seconds, milliseconds, MiB) when it is not a throughput. */
  value: number
  unit?: 's' | 'ms' | 'MiB' | 'MiB/s'
  p50Ms?: number
  p99Ms?: number
  maxMs?: number
  ops: number
  errors?: number
  note?: string
}

/** Identifies the same row across runs. */
export const rowKey = (r: Pick<Row, 'system' | 'workload' | 'runtime' | 'clients'>): string =>
  `${r.system}|${r.workload}|${r.runtime ?? ''}|${r.clients}`
