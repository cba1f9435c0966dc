import { describe, expect, test } from 'vitest'
import type { AppendMessage } from '../../src/raft/mod.ts'
import { bytes, Harness } from './harness.ts'

describe('log replication', () => {
  test('proposals commit on a quorum and are applied everywhere in order', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    for (const s of ['x', 'y', 'z']) h.node('a').propose(bytes(s))
    h.stabilize()
    for (const id of ['a', 'b', 'c']) expect(h.appliedData(id)).toEqual(['x', 'y', 'z'])
  })

  test('proposals made between two Readys go out in one append per follower', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.sent.length = 0
    for (let i = 0; i < 5; i++) h.node('a').propose(bytes(`p${i}`))
    h.processReady()
    const appends = h.sent.filter((m): m is AppendMessage => m.type === 'append' && m.entries.length > 0)
    expect(appends).toHaveLength(2)
    expect(appends.every((m) => m.entries.length === 5)).toBe(true)
  })

  test('messages are size-capped and the inflight window bounds what is outstanding', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { maxSizePerMsg: 1, maxInflightMsgs: 2 } })
    h.elect('a')
    h.sent.length = 0
    for (let i = 0; i < 6; i++) h.node('a').propose(bytes(`p${i}`))
    h.processReady()
    const toB = h.sent.filter((m): m is AppendMessage => m.type === 'append' && m.to === 'b')
    expect(toB).toHaveLength(2)
    expect(toB.every((m) => m.entries.length === 1)).toBe(true)
    h.stabilize()
    expect(h.appliedData('b')).toHaveLength(6)
  })

  test('a follower with a divergent tail is repaired with few round trips (conflict hint)', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { checkQuorum: false } })
    h.elect('a')
    // a writes 20 entries only it has (b and c cut off), then loses leadership to b.
    h.isolate('a')
    for (let i = 0; i < 20; i++) h.node('a').propose(bytes(`lost${i}`))
    h.stabilize()
    h.heal()
    h.isolate('a')
    h.elect('b')
    for (let i = 0; i < 3; i++) h.node('b').propose(bytes(`kept${i}`))
    h.stabilize()
    h.heal()
    h.sent.length = 0
    h.tickAll()
    h.stabilize()
    const rejects = h.sent.filter((m) => m.type === 'appendResp' && m.from === 'a' && m.reject)
    expect(rejects.length).toBeLessThanOrEqual(2)
    expect(h.appliedData('a')).toEqual(['kept0', 'kept1', 'kept2'])
    expect(h.node('a').status().lastIndex).toBe(h.node('b').status().lastIndex)
  })

  test('regression: a full inflight window recovers after its appends were lost', () => {
    const h = new Harness(['a', 'b', 'c'], { config: { maxSizePerMsg: 1, maxInflightMsgs: 1 } })
    h.elect('a')
    h.node('a').propose(bytes('p0'))
    h.stabilize()
    for (let i = 1; i < 4; i++) h.node('a').propose(bytes(`p${i}`))
    h.processReady()
    h.deliver((m) => m.to !== 'c') // the append to c is lost
    h.stabilize()
    expect(h.node('a').progress().get('c')?.state).toBe('replicate')
    for (let i = 0; i < 3; i++) {
      h.tickAll()
      h.stabilize()
    }
    expect(h.appliedData('c')).toEqual(['p0', 'p1', 'p2', 'p3'])
  })

  test('a heartbeat announcing a commit beyond the follower\'s log is ignored, not fatal', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    const b = h.node('b')
    const { term, lastIndex, commit } = b.status()
    expect(() => b.step({ type: 'heartbeat', from: 'a', to: 'b', term, commit: lastIndex + 5, context: '', sentAt: 0 })).not.toThrow()
    expect(b.status().commit).toBe(commit)
  })
})
