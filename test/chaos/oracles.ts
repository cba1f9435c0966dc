/** The oracles of the chaos workloads, applied to a history and the final state of each node. */
import type { Op } from './history.ts'
import { checkRegisters, checkWeakReads, type KeyResult, registerEvents, type WeakReadViolation } from './linearizability.ts'

export interface Anomaly {
  workload: 'register' | 'ledger' | 'set' | 'replicas'
  what: string
  ops?: unknown[]
}

/** Every read of the sum, at any level, sees a state between whole transfers: the total. */
export function checkLedger(ops: Op[], total: number, finalSums: Map<number, number | null>): Anomaly[] {
  const anomalies: Anomaly[] = []
  for (const op of ops) {
    if (op.workload === 'ledger' && op.f === 'sum' && op.outcome === 'ok' && op.value !== total) {
      anomalies.push({ workload: 'ledger', what: `sum read at ${op.level} on node ${op.node} was ${op.value}, not ${total}`, ops: [op] })
    }
  }
  for (const [node, sum] of finalSums) if (sum !== total) anomalies.push({ workload: 'ledger', what: `final sum on node ${node} is ${sum}, not ${total}` })
  return anomalies
}

/**
 * Every acknowledged insert is in the final set; nothing is there that was never attempted or
 * that certainly failed; every node holds the same set.
 */
export function checkSet(ops: Op[], finalSets: Map<number, Set<number>>): Anomaly[] {
  const anomalies: Anomaly[] = []
  const inserts = new Map<number, Op>()
  for (const op of ops) if (op.workload === 'set' && op.f === 'insert' && typeof op.value === 'number') inserts.set(op.value, op)
  const sets = [...finalSets]
  if (sets.length === 0) return [{ workload: 'set', what: 'no node answered the final read' }]
  const [firstNode, reference] = sets[0]!
  for (const [node, set] of sets.slice(1)) {
    const missing = [...reference].filter((v) => !set.has(v))
    const extra = [...set].filter((v) => !reference.has(v))
    if (missing.length || extra.length) anomalies.push({ workload: 'replicas', what: `node ${node} differs from node ${firstNode}: ${missing.length} missing, ${extra.length} extra`, ops: [...missing.slice(0, 10), ...extra.slice(0, 10)] })
  }
  const lost = [...inserts.values()].filter((op) => op.outcome === 'ok' && !reference.has(op.value as number))
  if (lost.length) anomalies.push({ workload: 'set', what: `${lost.length} acknowledged inserts lost`, ops: lost.slice(0, 10) })
  const failedButThere = [...inserts.values()].filter((op) => op.outcome === 'fail' && reference.has(op.value as number))
  if (failedButThere.length) anomalies.push({ workload: 'set', what: `${failedButThere.length} inserts answered as failed took effect`, ops: failedButThere.slice(0, 10) })
  const invented = [...reference].filter((v) => !inserts.has(v))
  if (invented.length) anomalies.push({ workload: 'set', what: `${invented.length} values nobody inserted`, ops: invented.slice(0, 10) })
  return anomalies
}

export interface RegisterVerdict {
  keys: KeyResult[]
  weak: WeakReadViolation[]
  anomalies: Anomaly[]
}

export function checkRegister(ops: Op[]): RegisterVerdict {
  const keys = checkRegisters(registerEvents(ops))
  const weak = checkWeakReads(ops)
  const anomalies: Anomaly[] = []
  for (const key of keys) {
    if (key.verdict === 'not-linearizable') anomalies.push({ workload: 'register', what: `key ${key.key} is not linearizable`, ops: key.counterexample })
    if (key.verdict === 'unknown') anomalies.push({ workload: 'register', what: `key ${key.key}: search bound reached after ${key.states} states (unknown, not a pass)` })
  }
  for (const v of weak) anomalies.push({ workload: 'register', what: `key ${v.key}, ${v.read.level} read: ${v.reason}`, ops: [v.read] })
  return { keys, weak, anomalies }
}
