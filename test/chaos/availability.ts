/** Availability from the history: gaps without an acknowledged write, recovery after each heal. */

export interface FaultWindow {
  kind: string
  start: number
  /** When the fault was healed (ms since the run started). */
  healed: number
}

export interface Recovery {
  kind: string
  /** From the heal to the first write acknowledged after it; null if none came. */
  recoveryMs: number | null
}

/** The longest time with no acknowledged write, from the workload's start to its end. */
export function longestGap(acks: number[], start: number, end: number): { gapMs: number; from: number; to: number } {
  const times = [start, ...[...acks].sort((a, b) => a - b), end]
  let best = { gapMs: 0, from: start, to: start }
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!
    if (gap > best.gapMs) best = { gapMs: Math.round(gap), from: times[i - 1]!, to: times[i]! }
  }
  return best
}

export function recoveries(acks: number[], faults: FaultWindow[]): Recovery[] {
  const sorted = [...acks].sort((a, b) => a - b)
  return faults.map((fault) => {
    const next = sorted.find((t) => t >= fault.healed)
    return { kind: fault.kind, recoveryMs: next === undefined ? null : Math.round(next - fault.healed) }
  })
}

/** The worst gap that overlaps each kind of fault (a gap is charged to every fault it overlaps). */
export function worstGapByKind(acks: number[], faults: FaultWindow[], end: number): Record<string, number> {
  const sorted = [...acks].sort((a, b) => a - b)
  const worst: Record<string, number> = {}
  for (const fault of faults) {
    // The acks around the fault window, and the gaps between them that overlap it.
    const times = [0, ...sorted, end]
    let gap = 0
    for (let i = 1; i < times.length; i++) {
      const a = times[i - 1]!
      const b = times[i]!
      if (b >= fault.start && a <= fault.healed) gap = Math.max(gap, b - a)
    }
    worst[fault.kind] = Math.max(worst[fault.kind] ?? 0, Math.round(gap))
  }
  return worst
}
