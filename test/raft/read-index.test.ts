import { describe, expect, test } from 'vitest'
import { RaftError } from '../../src/raft/mod.ts'
import { bytes, Harness } from './harness.ts'

describe('ReadIndex', () => {
  test('the leader answers after a heartbeat quorum, with its commit index', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.node('a').propose(bytes('x'))
    h.stabilize()
    h.node('a').readIndex('r1')
    h.processReady()
    expect(h.readStates.get('a')).toEqual([]) // not before the quorum round
    h.stabilize()
    expect(h.readStates.get('a')).toEqual([{ index: h.node('a').status().commit, context: 'r1' }])
  })

  test('a context already pending is refused loudly (locally, or from another node), a network duplicate is answered once, and the first read still completes', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.node('a').readIndex('same')
    expect(() => h.node('a').readIndex('same')).toThrow(RaftError)
    const term = h.node('a').status().term
    expect(() => h.node('a').step({ type: 'readIndex', from: 'b', to: 'a', term, context: 'same' })).toThrow(/already pending/)
    // The same request from b delivered twice by the network is answered once, without error.
    h.node('a').step({ type: 'readIndex', from: 'b', to: 'a', term, context: 'from-b' })
    expect(() => h.node('a').step({ type: 'readIndex', from: 'b', to: 'a', term, context: 'from-b' })).not.toThrow()
    h.stabilize()
    expect(h.readStates.get('a')).toEqual([{ index: h.node('a').status().commit, context: 'same' }])
    expect(h.readStates.get('b')).toEqual([{ index: h.node('a').status().commit, context: 'from-b' }])
    // Answered, the context is free again.
    h.node('a').readIndex('same')
    h.stabilize()
    expect(h.readStates.get('a')?.length).toBe(2)
  })

  test('a follower forwards to the leader and gets the read index back', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.node('b').readIndex('rb')
    h.stabilize()
    expect(h.readStates.get('b')).toEqual([{ index: h.node('a').status().commit, context: 'rb' }])
  })

  test('an isolated leader cannot answer (no quorum)', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('a')
    h.node('a').readIndex('r')
    h.stabilize()
    expect(h.readStates.get('a')).toEqual([])
  })

  test('a new leader delays reads until it has committed an entry of its term', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { checkQuorum: false, preVote: false } })
    h.elect('a')
    h.isolate('a')
    h.node('b').campaign()
    // Deliver votes but hold back the no-op's acks.
    for (let i = 0; i < 10 && h.node('b').status().role !== 'leader'; i++) {
      h.processReady()
      h.deliver((m) => m.type === 'preVote' || m.type === 'preVoteResp' || m.type === 'vote' || m.type === 'voteResp')
    }
    expect(h.node('b').status().role).toBe('leader')
    h.node('b').readIndex('early')
    h.processReady()
    h.queue = []
    expect(h.readStates.get('b')).toEqual([])
    h.tickAll()
    h.stabilize()
    const rs = h.readStates.get('b') ?? []
    expect(rs).toHaveLength(1)
    expect(h.node('b').termAt(rs[0].index)).toBe(h.node('b').status().term)
  })

  test('reads throw when no leader is known', () => {
    const h = new Harness(['a', 'b', 'c'])
    expect(() => h.node('a').readIndex('r')).toThrow(RaftError)
  })

  test('lease-based reads answer at once while the lease holds, and not after', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { readOnlyOption: 'lease' } })
    for (let i = 0; i < 12; i++) h.tickAll() // leave the startup lease
    h.elect('a')
    h.tickAll()
    h.stabilize()
    h.node('a').readIndex('fast')
    h.processReady()
    expect(h.readStates.get('a')?.map((r) => r.context)).toEqual(['fast'])
    h.isolate('a')
    for (let i = 0; i < 9; i++) h.node('a').tick()
    h.node('a').readIndex('late')
    h.stabilize()
    expect(h.readStates.get('a')?.map((r) => r.context)).toEqual(['fast'])
  })
})
