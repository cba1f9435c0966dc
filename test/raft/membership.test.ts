import { describe, expect, test } from 'vitest'
import { RaftError } from '../../src/raft/mod.ts'
import { bytes, Harness } from './harness.ts'

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    if (e instanceof RaftError) return e.code
    throw e
  }
  return undefined
}

describe('membership (single-server changes)', () => {
  test('a learner catches up, does not vote, and can be promoted', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.node('a').propose(bytes('x'))
    h.stabilize()
    h.addNode('d')
    h.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'd' })
    h.stabilize()
    expect(h.appliedData('d')).toEqual(['x'])
    expect(h.node('a').status().confState.learners).toEqual(['d'])
    h.node('d').campaign()
    expect(h.node('d').status().role).toBe('follower') // learners never campaign
    h.node('a').proposeConfChange({ type: 'addVoter', nodeId: 'd' })
    h.stabilize()
    expect(h.node('d').status().confState.voters).toContain('d')
  })

  test('only one change may be pending at a time', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.addNode('d')
    h.addNode('e')
    h.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'd' })
    expect(codeOf(() => h.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'e' }))).toBe('conf-change-pending')
    h.stabilize()
    expect(codeOf(() => h.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'e' }))).toBeUndefined()
  })

  test('a new leader accepts changes only after committing an entry of its term', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { checkQuorum: false, preVote: false } })
    h.elect('a')
    h.isolate('a')
    h.node('b').campaign()
    for (let i = 0; i < 10 && h.node('b').status().role !== 'leader'; i++) {
      h.processReady()
      h.deliver((m) => m.type.includes('ote'))
    }
    h.queue = []
    expect(h.node('b').status().role).toBe('leader')
    expect(codeOf(() => h.node('b').proposeConfChange({ type: 'removeNode', nodeId: 'c' }))).toBe('term-not-committed')
    h.stabilize()
    expect(codeOf(() => h.node('b').proposeConfChange({ type: 'removeNode', nodeId: 'a' }))).toBeUndefined()
  })

  test('the configuration takes effect when appended and rolls back if the entry is truncated', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { checkQuorum: false } })
    h.elect('a')
    h.isolate('a')
    h.node('a').proposeConfChange({ type: 'removeNode', nodeId: 'c' })
    expect(h.node('a').status().confState.voters).toEqual(['a', 'b'])
    h.stabilize()
    h.elect('b')
    h.node('b').propose(bytes('y'))
    h.stabilize()
    h.heal()
    h.node('a').step({ type: 'appendResp', from: 'b', to: 'a', term: h.node('b').status().term, index: 0, reject: false, rejectHint: 0, logTerm: 0 })
    h.tickAll()
    h.stabilize()
    expect(h.node('a').status().confState.voters).toEqual(['a', 'b', 'c'])
  })

  test('a leader that removes itself steps down once the change commits', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.node('a').proposeConfChange({ type: 'removeNode', nodeId: 'a' })
    h.stabilize()
    expect(h.node('a').status().role).toBe('follower')
    expect(h.node('b').status().confState.voters).toEqual(['b', 'c'])
    for (let i = 0; i < 50 && !h.leader(); i++) {
      h.tickAll()
      h.stabilize()
    }
    expect(['b', 'c']).toContain(h.leader())
  })

  test('removing the last voter or a no-op change is refused', () => {
    const h = new Harness(['a'])
    h.elect('a')
    expect(codeOf(() => h.node('a').proposeConfChange({ type: 'removeNode', nodeId: 'a' }))).toBe('invalid-conf-change')
    expect(codeOf(() => h.node('a').proposeConfChange({ type: 'addVoter', nodeId: 'a' }))).toBe('invalid-conf-change')
  })
})

describe('conf change context', () => {
  test('a context travels with the change and the bootstrap entries', async () => {
    const { encodeConfChange, decodeConfChange, bootstrapState } = await import('../../src/raft/conf-change.ts')
    const cc = { type: 'addVoter' as const, nodeId: 'n2', context: '{"raftAddr":"h:2"}' }
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc)
    expect(decodeConfChange(encodeConfChange({ type: 'removeNode', nodeId: 'n3' }))).toEqual({ type: 'removeNode', nodeId: 'n3' })
    const { entries } = bootstrapState(['a', 'b'], { a: 'ctx-a' })
    expect(entries.map((e) => decodeConfChange(e.data))).toEqual([
      { type: 'addVoter', nodeId: 'a', context: 'ctx-a' },
      { type: 'addVoter', nodeId: 'b' },
    ])
  })
})
