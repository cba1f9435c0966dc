/**
 * `npm run chaos -- --recheck <dir>`: checks a finished run's saved history again, offline, with
 * the oracles that need only the history (the register's, and the ledger's sum reads). The final
 * state of the nodes (the set, the replicas, the final sums) was read from the live cluster: those
 * verdicts are carried over from the run's report.json, not recomputed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseHistory } from './history.ts'
import { type Anomaly, checkLedger, checkRegister } from './oracles.ts'
import { TOTAL } from './workload.ts'

/** The process's peak resident set so far (Linux reports maxRSS in KiB). */
export const peakRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024)

export interface Recheck {
  text: string
  anomalies: Anomaly[]
}

export function recheckRun(dir: string): Recheck {
  const ops = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8'))
  const start = performance.now()
  const register = checkRegister(ops)
  const ms = Math.round(performance.now() - start)
  const anomalies = [...register.anomalies, ...checkLedger(ops, TOTAL, new Map())]
  const reportPath = join(dir, 'report.json')
  const previous = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as { anomalies?: Anomaly[] }) : undefined
  const live = (previous?.anomalies ?? []).filter((a) => a.workload === 'set' || a.workload === 'replicas' || (a.workload === 'ledger' && a.what.startsWith('final')))
  anomalies.push(...live)
  const lines = [`== recheck of ${dir}: ${ops.length} ops`]
  for (const k of register.keys) lines.push(`  register key ${k.key}: ${k.verdict} (${k.ops} ops, ${k.states} states)`)
  lines.push(`register checker: ${ms} ms; peak RSS ${peakRssMiB()} MiB`)
  lines.push(previous ? `final-state oracles (from report.json): ${live.length} anomalies` : 'final-state oracles: no report.json, not checked')
  if (anomalies.length === 0) lines.push('verdict: VALID (no anomaly)')
  else {
    lines.push(`verdict: INVALID, ${anomalies.length} anomalies:`)
    for (const a of anomalies) {
      lines.push(`  [${a.workload}] ${a.what}`)
      for (const op of a.ops?.slice(0, 12) ?? []) lines.push(`      ${typeof op === 'string' ? op : JSON.stringify(op)}`)
    }
  }
  return { text: `${lines.join('\n')}\n`, anomalies }
}
