import { expect, test } from 'vitest'
import { describeFailures, runSeeds } from './run-seeds.ts'

// A single voter with read replicas is a common rqlite deployment and the simulator's default
// profiles never have one: with one voter, an entry commits on the leader's own copy alone.
test('one voter and two learners, power loss and failed fsyncs on the leader, 1,000 seeds', () => {
  const s = runSeeds('loneVoter', 70_001, 1000)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 180_000)
