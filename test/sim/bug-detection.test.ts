/**
 * The simulator must catch deliberately broken rules. Each knob is test-only (see
 * TestingFaults in src/raft/config.ts and SimOptions.sendBeforeSync) and never set in production.
 */
import { describe, expect, test } from 'vitest'
import { runSeeds } from './run-seeds.ts'

describe('the simulator catches broken rules', () => {
  test('app sends messages before fsync (persist-before-send skipped): caught on the first seed', () => {
    const s = runSeeds('bugSendBeforeSync', 1, 5, true)
    expect(s.failures.length).toBe(1)
    expect(s.failures[0].seed).toBe(1)
    expect(s.failures[0].failure).toMatch(/before its vote was durable|acked index .* durable/)
  })

  test('votes granted without the log up-to-date check: caught within 40 seeds', () => {
    const s = runSeeds('bugSkipUpToDate', 1, 40, true)
    expect(s.failures.length).toBe(1)
    expect(s.failures[0].failure).toMatch(/leader completeness|state machine safety|committed entry changed|linearizable/)
  })

  test('ReadIndex answered without a quorum round (stale reads): caught by the linearizability checker within 60 seeds', () => {
    const s = runSeeds('bugStaleReads', 1, 60, true)
    expect(s.failures.length).toBe(1)
    expect(s.failures[0].failure).toMatch(/not linearizable/)
  })
})
