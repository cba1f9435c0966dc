// A linearizability check that gives up proves nothing: the seed fails, and so does `npm run sim`.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { runSeeds } from './run-seeds.ts'
import { runSimulation } from './simulation.ts'
import { profiles } from './profiles.ts'
import { ROOT } from '../support/raftlited-process.ts'

test('a seed whose linearizability search runs out of budget fails, with the reason', () => {
  const full = runSimulation({ ...profiles.mixed, seed: 3 })
  expect(full.ok, full.failure).toBe(true)
  expect(full.linearizabilitySteps).toBeGreaterThan(1)
  const starved = runSimulation({ ...profiles.mixed, seed: 3, linearizabilityBudget: full.linearizabilitySteps - 1 })
  expect(starved.ok).toBe(false)
  expect(starved.linearizabilityExhausted).toBe(true)
  expect(starved.failure).toMatch(/linearizability check gave up on key k\d \(\d+ ops\) after \d+ search steps: inconclusive/)
  const s = runSeeds('mixed', 3, 1, false, { linearizabilityBudget: full.linearizabilitySteps - 1 })
  expect(s).toMatchObject({ exhausted: 1, failures: [{ seed: 3 }] })
})

test('npm run sim prints the count of exhausted checks and exits non-zero when it is above 0', () => {
  const sim = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'test/sim/cli.ts'), ...args], { encoding: 'utf8', timeout: 60_000 })
  const starved = sim('--profile', 'mixed', '--from', '3', '--seeds', '2', '--linearizability-budget', '1')
  expect(starved.stdout).toContain('linearizability-budget-exhausted=2')
  expect(starved.stdout).toContain('2 of 2 seeds failed (2 with an exhausted linearizability check)')
  expect(starved.status).toBe(1)
  const fed = sim('--profile', 'mixed', '--from', '3', '--seeds', '2')
  expect(fed.stdout).toContain('linearizability-budget-exhausted=0')
  expect(fed.status, fed.stdout + fed.stderr).toBe(0)
}, 60_000)
