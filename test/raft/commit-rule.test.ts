/**
 * Raft §5.4.2 / Figure 8: a leader must not commit an entry of an earlier term by counting
 * replicas. The `commitPreviousTermByCounting` testing fault breaks exactly that rule; this
 * scenario shows the resulting loss of a committed (and applied) entry, and that the real rule
 * prevents it.
 */
import { describe, expect, test } from 'vitest'
import type { Entry, Message } from '../../src/raft/mod.ts'
import { bytes, Harness } from './harness.ts'

function figure8(buggy: boolean): { appliedAtA: Entry | undefined; appliedAtE: Entry | undefined } {
  const h = new Harness(['a', 'b', 'c', 'd', 'e'], {
    config: {
      preVote: false,
      checkQuorum: false,
      maxSizePerMsg: 1,
      testingFaults: { commitPreviousTermByCounting: buggy },
    },
  })
  const votesOnly = (m: Message) => m.type === 'vote' || m.type === 'voteResp'
  // (a) a leads term 2; X at index 7 reaches only b.
  h.elect('a')
  for (const x of ['c', 'd', 'e']) h.isolate(x)
  h.node('a').propose(bytes('X'))
  h.stabilize()
  // (b) a is gone; e wins term 3 with c and d, but its no-op at 7 reaches nobody.
  h.heal()
  h.isolate('a')
  h.node('e').campaign()
  for (let i = 0; i < 10; i++) {
    h.processReady()
    h.deliver(votesOnly)
  }
  expect(h.node('e').status().role).toBe('leader')
  // (c) e is gone; a comes back and wins term 4, then replicates X to c.
  h.heal()
  h.isolate('e')
  // a "restarts" and learns term 3 from b, so it campaigns for term 4.
  h.node('a').step({ type: 'appendResp', from: 'b', to: 'a', term: 3, index: 0, reject: false, rejectHint: 0, logTerm: 0 })
  for (let i = 0; i < 3 && h.node('a').status().role !== 'leader'; i++) {
    h.node('a').campaign()
    for (let j = 0; j < 10 && h.node('a').status().role !== 'leader'; j++) {
      h.processReady()
      h.deliver(votesOnly)
    }
  }
  expect(h.node('a').status().role).toBe('leader')
  expect(h.node('a').status().term).toBe(4)
  let cHasX = false
  for (let i = 0; i < 6; i++) {
    h.processReady()
    // d hears nothing; c gets X (index 7) but never a's no-op at 8.
    h.deliver((m) => {
      if (m.to === 'd' || m.from === 'd') return false
      if (m.type === 'appendResp' && m.from === 'c' && !m.reject && m.index === 7) cHasX = true
      return !(m.to === 'c' && m.type === 'append' && m.index === 7 && cHasX)
    })
  }
  h.processReady()
  // (d) a is gone; e wins term 5 with c and d and overwrites index 7.
  h.heal()
  h.isolate('a')
  h.node('e').step({ type: 'appendResp', from: 'c', to: 'e', term: 4, index: 0, reject: false, rejectHint: 0, logTerm: 0 })
  // Once safety is broken the cluster may never converge, so settle for a bounded time.
  const settle = () => {
    for (let i = 0; i < 200; i++) {
      h.processReady()
      h.deliver()
    }
  }
  for (let i = 0; i < 3 && h.node('e').status().role !== 'leader'; i++) {
    h.node('e').campaign()
    settle()
  }
  expect(h.node('e').status().role).toBe('leader')
  settle()
  const at7 = (id: string) => h.applied.get(id)?.find((e) => e.index === 7)
  return { appliedAtA: at7('a'), appliedAtE: at7('e') }
}

describe('commit rule (Figure 8)', () => {
  test('with the real rule, X is never committed, so nothing applied is lost', () => {
    const r = figure8(false)
    expect(r.appliedAtA).toBeUndefined()
    expect(r.appliedAtE?.term).toBe(3)
  })

  test('committing an earlier-term entry by counting loses an applied entry', () => {
    const r = figure8(true)
    expect(r.appliedAtA?.term).toBe(2) // a applied X ...
    expect(r.appliedAtE?.term).toBe(3) // ... and the cluster later committed something else at 7
  })
})
