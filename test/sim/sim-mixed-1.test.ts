import { expect, test } from 'vitest'
import { describeFailures, runSeeds } from './run-seeds.ts'

test('mixed faults, seeds 1-400: invariants, linearizability and liveness hold', () => {
  const s = runSeeds('mixed', 1, 400)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 120_000)
