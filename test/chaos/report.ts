/** The report of a chaos run: faults, operation counts, verdicts and availability, as text. */
import type { FaultWindow, Recovery } from './availability.ts'
import type { InjectedFault } from './faults.ts'
import type { Op } from './history.ts'
import type { KeyResult } from './linearizability.ts'
import type { Anomaly } from './oracles.ts'

export interface RunReport {
  seed: number
  nodes: number
  seconds: number
  dir: string
  faults: InjectedFault[]
  ops: Op[]
  registerKeys: Omit<KeyResult, 'counterexample'>[]
  /** The register checker's wall time, and the harness's peak resident memory after it. */
  checker?: { ms: number; peakRssMiB: number }
  anomalies: Anomaly[]
  availability: {
    longestGap: { gapMs: number; from: number; to: number }
    recoveries: Recovery[]
    worstGapByKind: Record<string, number>
  }
}

export type { FaultWindow }

export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1
  return counts
}

export function formatReport(report: RunReport): string {
  const lines: string[] = []
  lines.push(`== chaos run: seed ${report.seed}, ${report.nodes} nodes, ${report.seconds} s (${report.dir})`)
  lines.push(`faults injected: ${report.faults.length}`)
  for (const [kind, n] of Object.entries(countBy(report.faults, (f) => f.kind))) {
    const aimed = report.faults.filter((f) => f.kind === kind && f.inFlight !== undefined)
    lines.push(`  ${kind}: ${n}${aimed.length ? ` (${aimed.filter((f) => f.inFlight).length} of ${aimed.length} landed with the work in flight)` : ''}`)
  }
  lines.push('operations (attempted / ok / fail / indeterminate):')
  const groups = countBy(report.ops, (op) => `${op.workload} ${op.f}${op.level ? ` ${op.level}` : ''}`)
  for (const group of Object.keys(groups).sort()) {
    const ops = report.ops.filter((op) => `${op.workload} ${op.f}${op.level ? ` ${op.level}` : ''}` === group)
    const c = countBy(ops, (op) => op.outcome)
    lines.push(`  ${group}: ${ops.length} / ${c.ok ?? 0} / ${c.fail ?? 0} / ${c.indeterminate ?? 0}`)
  }
  lines.push(`register keys: ${report.registerKeys.map((k) => `${k.key}: ${k.verdict} (${k.ops} ops, ${k.states} states)`).join('; ')}`)
  if (report.checker) lines.push(`register checker: ${report.checker.ms} ms; harness peak RSS ${report.checker.peakRssMiB} MiB`)
  const gap = report.availability.longestGap
  lines.push(`availability: longest gap without an acknowledged write ${gap.gapMs} ms (${(gap.from / 1000).toFixed(1)}s-${(gap.to / 1000).toFixed(1)}s)`)
  lines.push(`  worst gap by fault kind: ${Object.entries(report.availability.worstGapByKind).map(([k, ms]) => `${k} ${ms} ms`).join(', ') || '-'}`)
  lines.push('  recovery after each heal (first acknowledged write):')
  report.faults.forEach((f, i) => {
    const r = report.availability.recoveries[i]
    lines.push(`    ${(f.start / 1000).toFixed(1)}s ${f.kind} on ${f.nodes.join(',')}${f.detail ? ` (${f.detail})` : ''}: ${r?.recoveryMs ?? 'never'} ms`)
  })
  if (report.anomalies.length === 0) lines.push('verdict: VALID (no anomaly)')
  else {
    lines.push(`verdict: INVALID, ${report.anomalies.length} anomalies:`)
    for (const a of report.anomalies) {
      lines.push(`  [${a.workload}] ${a.what}`)
      for (const op of a.ops?.slice(0, 12) ?? []) lines.push(`      ${typeof op === 'string' ? op : JSON.stringify(op)}`)
    }
  }
  return `${lines.join('\n')}\n`
}
