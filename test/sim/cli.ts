/**
 * Simulator CLI.
 *   npm run sim -- --seeds 500                 run seeds 1..500 of the mixed profile
 *   npm run sim -- --seed 42 [--trace]         replay one seed (prints the trace on failure)
 *   npm run sim -- --profile lease --from 1000 --seeds 200
 *   npm run sim -- --linearizability-budget 1000    a smaller search budget (default: the checker's)
 * Exits non-zero if any seed fails, a linearizability check that ran out of budget included.
 */
import { profiles, replayCommand } from './profiles.ts'
import { runSeeds, type SeedOverrides } from './run-seeds.ts'
import { runSimulation } from './simulation.ts'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const profile = arg('profile') ?? 'mixed'
if (!profiles[profile]) {
  console.error(`unknown profile ${profile}; known: ${Object.keys(profiles).join(', ')}`)
  process.exit(2)
}

const budgetArg = arg('linearizability-budget')
const overrides: SeedOverrides = budgetArg === undefined ? {} : { linearizabilityBudget: Number(budgetArg) }
if (overrides.linearizabilityBudget !== undefined && !(overrides.linearizabilityBudget > 0)) {
  console.error(`--linearizability-budget must be a positive number, not ${budgetArg}`)
  process.exit(2)
}

const one = arg('seed')
if (one !== undefined) {
  const seed = Number(one)
  const trace = process.argv.includes('--trace')
  const r = runSimulation({ ...profiles[profile], ...overrides, seed, trace: true })
  console.log(JSON.stringify(r.stats))
  if (r.ok) {
    console.log(`seed ${seed} (${profile}): ok`)
    if (trace) console.log((r.trace ?? []).join('\n'))
    process.exit(0)
  }
  console.log((r.trace ?? []).slice(trace ? 0 : -80).join('\n'))
  console.log(`seed ${seed} (${profile}) FAILED: ${r.failure}`)
  process.exit(1)
}

const count = Number(arg('seeds') ?? 100)
const from = Number(arg('from') ?? 1)
const s = runSeeds(profile, from, count, false, overrides)
const secs = s.ms / 1000
console.log(
  `profile=${profile} seeds=${s.seeds} (from ${from}) ops=${s.ops} ticks=${s.ticks} events=${s.events} ` +
    `wall=${secs.toFixed(1)}s seeds/s=${(s.seeds / secs).toFixed(1)} linearizability-budget-exhausted=${s.exhausted} ` +
    `linearizability-max-steps=${s.maxLinearizabilitySteps}`,
)
for (const f of s.failures.slice(0, 20)) {
  console.log(`FAIL seed ${f.seed}: ${f.failure.split('\n')[0]}\n  replay: ${replayCommand(profile, f.seed)}`)
}
if (s.failures.length > 0 || s.exhausted > 0) {
  // An exhausted check is a failure already; said twice so a change there cannot hide it.
  console.log(`${s.failures.length} of ${s.seeds} seeds failed (${s.exhausted} with an exhausted linearizability check)`)
  process.exit(1)
}
