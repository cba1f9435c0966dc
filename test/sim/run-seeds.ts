/** Run a range of seeds of one profile and collect failures with their replay commands. */
import { profiles, replayCommand } from './profiles.ts'
import { runSimulation, type SimOptions, type SimResult } from './simulation.ts'

export interface SeedFailure {
  readonly seed: number
  readonly failure: string
  readonly replay: string
}

export interface SeedRunSummary {
  readonly profile: string
  readonly seeds: number
  readonly ops: number
  readonly ticks: number
  readonly events: number
  readonly failures: SeedFailure[]
  /** Seeds whose linearizability check ran out of budget (each is also a failure). */
  readonly exhausted: number
  /** The most search steps the linearizability check took on one key of one seed. */
  readonly maxLinearizabilitySteps: number
  readonly ms: number
}

/** Knobs a caller may set on top of the profile (they change what a replay must pass too). */
export type SeedOverrides = Pick<SimOptions, 'linearizabilityBudget'>

export function runSeeds(profile: string, from: number, count: number, stopAtFirst = false, overrides: SeedOverrides = {}): SeedRunSummary {
  const p = profiles[profile]
  if (!p) throw new Error(`unknown profile ${profile}`)
  const t0 = performance.now()
  let ops = 0
  let ticks = 0
  let events = 0
  let exhausted = 0
  let maxLinearizabilitySteps = 0
  let seeds = 0
  const failures: SeedFailure[] = []
  for (let seed = from; seed < from + count; seed++) {
    const r: SimResult = runSimulation({ ...p, ...overrides, seed })
    seeds++
    ops += r.stats.ops
    ticks += r.stats.ticks
    events += r.stats.events
    if (r.linearizabilityExhausted) exhausted++
    maxLinearizabilitySteps = Math.max(maxLinearizabilitySteps, r.linearizabilitySteps)
    if (!r.ok) {
      failures.push({ seed, failure: r.failure ?? '', replay: replayCommand(profile, seed) })
      if (stopAtFirst) break
    }
  }
  return { profile, seeds, ops, ticks, events, failures, exhausted, maxLinearizabilitySteps, ms: performance.now() - t0 }
}

export function describeFailures(s: SeedRunSummary): string {
  return s.failures
    .slice(0, 5)
    .map((f) => `seed ${f.seed}: ${f.failure.split('\n')[0]}\n  replay: ${f.replay}`)
    .join('\n')
}
