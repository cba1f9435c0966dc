import { expect, test } from 'vitest'
import { describeFailures, runSeeds } from './run-seeds.ts'

test('two voters that shrink to one and grow again, with a learner, 1,000 seeds', () => {
  const s = runSeeds('shrinkToOne', 80_001, 1000)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 180_000)
