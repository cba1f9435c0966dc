import { describe, expect, test } from 'vitest'
import { Harness } from './harness.ts'

describe('pre-vote', () => {
  test('a partitioned node does not inflate its term while isolated', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('c')
    for (let i = 0; i < 10; i++) {
      h.node('c').campaign()
      h.stabilize()
    }
    expect(h.node('c').status().term).toBe(2)
    expect(h.node('c').status().role).toBe('preCandidate')
  })

  test('a rejoining node does not disrupt the current leader', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('c')
    h.node('c').campaign()
    h.stabilize()
    h.heal()
    h.node('c').campaign()
    h.stabilize()
    expect(h.node('a').status().role).toBe('leader')
    expect(h.node('a').status().term).toBe(2)
  })

  test('without pre-vote the rejoining node forces a new election', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { preVote: false, checkQuorum: false } })
    h.elect('a')
    h.isolate('c')
    h.node('c').campaign()
    h.stabilize()
    h.heal()
    h.node('c').campaign()
    h.stabilize()
    expect(h.node('a').status().term).toBeGreaterThan(2)
    expect(h.node('a').status().role).toBe('follower')
  })

  test('pre-vote succeeds when the leader is really gone', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('a')
    for (let i = 0; i < 100 && !['b', 'c'].includes(h.leader() === 'a' ? '' : (h.leader() ?? '')); i++) {
      h.node('b').tick()
      h.node('c').tick()
      h.stabilize()
    }
    const st = h.node('b').status()
    expect(['b', 'c']).toContain(st.leader)
    expect(st.term).toBeGreaterThanOrEqual(3)
  })
})
