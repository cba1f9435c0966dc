import { describe, expect, test } from 'vitest'
import { Harness } from './harness.ts'

describe('check-quorum', () => {
  test('a leader that loses contact with a quorum steps down within two election timeouts', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('a')
    for (let i = 0; i < 20; i++) {
      h.node('a').tick()
      h.stabilize()
    }
    expect(h.node('a').status().role).toBe('follower')
  })

  test('a shorter checkQuorumTick (the leader lease) makes an isolated leader step down sooner', () => {
    const ticksToStepDown = (config: { checkQuorumTick?: number }) => {
      const h = new Harness(['a', 'b', 'c'], { config })
      h.elect('a')
      h.isolate('a')
      for (let i = 1; i <= 40; i++) {
        h.node('a').tick()
        h.stabilize()
        if (h.node('a').status().role !== 'leader') return i
      }
      return Infinity
    }
    const byDefault = ticksToStepDown({})
    const withLease = ticksToStepDown({ checkQuorumTick: 3 })
    expect(withLease).toBeLessThanOrEqual(6) // two lease windows at most
    expect(withLease).toBeLessThan(byDefault)
    expect(() => new Harness(['a'], { config: { checkQuorumTick: 11 } })).toThrow(/checkQuorumTick/)
  })

  test('a leader with quorum contact stays leader', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    for (let i = 0; i < 50; i++) {
      h.tickAll()
      h.stabilize()
    }
    expect(h.node('a').status().role).toBe('leader')
    expect(h.node('a').status().term).toBe(2)
  })

  test('followers in the leader lease ignore a higher-term vote request', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { preVote: false } })
    h.elect('a')
    h.isolateLink('c', 'a')
    h.isolateLink('a', 'c')
    h.node('c').campaign() // c is cut from a, but b still hears from a
    h.stabilize()
    expect(h.node('b').status().term).toBe(2)
    expect(h.node('a').status().role).toBe('leader')
  })

  test('a minority leader refuses writes beyond the uncommitted budget', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { maxUncommittedEntriesSize: 100 } })
    h.elect('a')
    h.isolate('a')
    const a = h.node('a')
    let refused = 0
    for (let i = 0; i < 20; i++) {
      try {
        a.propose(new Uint8Array(30))
      } catch {
        refused++
      }
    }
    expect(refused).toBeGreaterThan(0)
    expect(refused).toBeLessThan(20)
  })
})
