import { expect, test } from 'vitest'
import { describeFailures, runSeeds } from './run-seeds.ts'

test('mixed faults, seeds 401-700: invariants, linearizability and liveness hold', () => {
  const s = runSeeds('mixed', 401, 300)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 120_000)

test('nasty nemesis (a fault every 2-10 ticks), 150 seeds', () => {
  const s = runSeeds('nasty', 10_001, 150)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 120_000)
