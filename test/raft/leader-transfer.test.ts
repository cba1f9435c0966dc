import { describe, expect, test } from 'vitest'
import { RaftError } from '../../src/raft/mod.ts'
import { bytes, Harness } from './harness.ts'

describe('leadership transfer', () => {
  test('an up-to-date target takes over at once (TimeoutNow)', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.node('a').transferLeadership('b')
    h.stabilize()
    expect(h.node('b').status().role).toBe('leader')
    expect(h.node('a').status().leader).toBe('b')
  })

  test('a lagging target is caught up first', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('c')
    for (let i = 0; i < 5; i++) h.node('a').propose(bytes(`p${i}`))
    h.stabilize()
    h.heal()
    h.node('a').transferLeadership('c')
    h.stabilize()
    expect(h.node('c').status().role).toBe('leader')
    expect(h.appliedData('c')).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'])
  })

  test('proposals are refused while transferring', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('c')
    h.node('a').transferLeadership('c')
    expect(() => h.node('a').propose(bytes('x'))).toThrow(RaftError)
  })

  test('a transfer to an unreachable target is abandoned after an election timeout', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('c')
    h.node('a').transferLeadership('c')
    for (let i = 0; i < 10; i++) h.node('a').tick()
    h.stabilize()
    expect(h.node('a').status().leadTransferee).toBe('')
    expect(h.node('a').status().role).toBe('leader')
    expect(() => h.node('a').propose(bytes('x'))).not.toThrow()
  })

  test('a learner cannot be a transfer target', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.addNode('d')
    h.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'd' })
    h.stabilize()
    expect(() => h.node('a').transferLeadership('d')).toThrow(RaftError)
  })
})
