import { describe, expect, test } from 'vitest'
import { Harness } from './harness.ts'

describe('election', () => {
  test('a node elected by a majority becomes the only leader, and the others follow it', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    expect(h.node('a').status().role).toBe('leader')
    expect(h.node('b').status().leader).toBe('a')
    expect(h.node('c').status().leader).toBe('a')
    expect(h.node('a').status().term).toBe(2)
  })

  test('the leader commits a no-op of its term on election', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    const st = h.node('a').status()
    expect(st.commit).toBe(4) // 3 bootstrap entries + the no-op
    expect(h.node('a').termAt(4)).toBe(2)
    for (const id of ['a', 'b', 'c']) expect(h.node(id).status().applied).toBe(4)
  })

  test('randomized timeouts eventually elect exactly one leader through ticks alone', () => {
    const h = new Harness(['a', 'b', 'c', 'd', 'e'], { seed: 7 })
    for (let i = 0; i < 100 && !h.leader(); i++) {
      h.tickAll()
      h.stabilize()
    }
    const leaders = [...h.nodes.values()].filter((n) => n.status().role === 'leader')
    expect(leaders).toHaveLength(1)
  })

  test('a candidate without a majority cannot win', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { preVote: false } })
    h.isolate('a')
    h.elect('a')
    expect(h.node('a').status().role).toBe('candidate')
    expect(h.node('b').status().term).toBe(1)
  })

  test('a voter refuses a candidate whose log is less up to date', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { preVote: false, checkQuorum: false } })
    h.elect('a')
    h.isolate('c')
    h.node('a').propose(new TextEncoder().encode('x'))
    h.stabilize()
    h.heal()
    h.elect('c')
    // c has a shorter log: a and b refuse, c steps back to follower at the new term.
    expect(h.node('c').status().role).not.toBe('leader')
    const votes = h.sent.filter((m) => m.type === 'voteResp' && m.to === 'c' && m.from !== 'c')
    expect(votes.map((m) => m.from).sort(), 'both voters answered').toEqual(['a', 'b'])
    expect(votes.every((m) => m.type === 'voteResp' && m.reject)).toBe(true)
  })

  test('each node votes at most once per term', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { preVote: false, checkQuorum: false } })
    h.isolateLink('a', 'c')
    h.node('a').campaign()
    h.node('c').campaign()
    h.stabilize()
    const granted = h.sent.filter((m) => m.type === 'voteResp' && !m.reject && m.from === 'b')
    expect(granted).toHaveLength(1)
    const leaders = [...h.nodes.values()].filter((n) => n.status().role === 'leader')
    expect(leaders.length).toBeLessThanOrEqual(1)
  })

  test('a stale leader steps down when it hears a higher term', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { checkQuorum: false } })
    h.elect('a')
    h.isolate('a')
    h.elect('b')
    expect(h.node('b').status().role).toBe('leader')
    expect(h.node('a').status().role).toBe('leader')
    h.heal()
    h.tickAll()
    h.stabilize()
    expect(h.node('a').status().role).toBe('follower')
    expect(h.node('a').status().leader).toBe('b')
  })
})
